"""Shared by the hub's rooms: who sees what, language versions, publication, links."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pb_service.core.audit import record_audit
from pb_service.core.models import as_utc, utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db
from pb_service.hub.models import (
    CONTENT_LANGUAGES,
    Event,
    Material,
    PublicationStatus,
    Visibility,
)
from pb_service.hub.permissions import MANAGE_HUB, manages_hub, sees_officials_only


def public_only(statement, model):
    """Restrict a statement to published public items (feed, API)."""
    return statement.where(model.status == PublicationStatus.PUBLISHED, model.visibility == Visibility.PUBLIC)


def visible_to(statement, model, viewer):
    if manages_hub(viewer):
        return statement
    visibility = [Visibility.PUBLIC] + ([Visibility.OFFICIALS] if sees_officials_only(viewer) else [])
    return statement.where(model.status == PublicationStatus.PUBLISHED, model.visibility.in_(visibility))


@dataclass
class TranslationData:
    language: str
    title: str
    summary: str = ""
    body: str = ""
    #: For the version history: what changed.
    note: str = ""


def _validate_translation(data: TranslationData) -> None:
    errors = {}
    if data.language not in CONTENT_LANGUAGES:
        errors["language"] = [str(_l("Choose one of the offered languages."))]
    if not (data.title or "").strip():
        errors["title"] = [str(_l("Enter a title."))]
    if errors:
        raise ServiceValidationError(errors)


def put_translation(item, data: TranslationData):
    """Create or change ``item``'s version in ``data.language``."""
    _validate_translation(data)
    translation = item.translation(data.language)
    if translation is None:
        translation_class = type(item).translations.property.mapper.class_
        translation = translation_class(language=data.language, title="")
        item.translations.append(translation)
    translation.title = data.title.strip()
    translation.summary = (data.summary or "").strip()
    translation.body = data.body or ""
    return translation


def add_new(tenant, item, action: str, *, actor):
    """Store a new item with its audit entry."""
    db.session.add(item)
    db.session.flush()
    record_audit(actor, tenant, action, item)
    db.session.flush()
    return item


def publish(item, action: str, *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    if item.translation(item.original_language) is None:
        raise ServiceValidationError.single("", str(_l("Write the version in the original language first.")))
    item.status = PublicationStatus.PUBLISHED
    item.published_at = item.published_at or utcnow()
    record_audit(actor, None, action, item)
    db.session.flush()


def unpublish(item, action: str, *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    item.status = PublicationStatus.DRAFT
    record_audit(actor, None, action, item)
    db.session.flush()


def public_link(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def title_in(item, language: str) -> str:
    translation, _fallback = item.translation_for(language)
    return translation.title if translation else f"#{item.id}"


def feed_items(limit: int) -> list[tuple[Material | Event, str, str]]:
    """The newest published public materials and events: (item, "material"/"event", path)."""
    materials = db.session.scalars(public_only(select(Material), Material).order_by(Material.published_at.desc()).limit(limit))
    events = db.session.scalars(public_only(select(Event), Event).order_by(Event.published_at.desc()).limit(limit))
    items = [(m, "material", f"/hub/materials/{m.id}") for m in materials] + [(e, "event", f"/hub/events/{e.id}") for e in events]
    items.sort(key=lambda entry: as_utc(entry[0].published_at), reverse=True)
    return items[:limit]
