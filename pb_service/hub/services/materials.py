"""Materials: guides, videos, Q&As and courses as documents; their files and history."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pb_service.core.audit import record_audit
from pb_service.core.permissions import ensure_permission
from pb_service.core.uploads import DOCUMENTS, delete_upload, save_upload
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db
from pb_service.hub.models import (
    CONTENT_LANGUAGES,
    MaterialFile,
    Audience,
    Material,
    MaterialAudience,
    MaterialKind,
    MaterialRevision,
    MaterialTopic,
    Topic,
    Visibility,
)
from pb_service.hub.permissions import MANAGE_HUB
from pb_service.hub.search import build_search_text
from pb_service.hub.services.content import TranslationData, put_translation, publish, unpublish


#: Training documents (PDF, DOCX, XLSX) may be larger than proposal attachments.
MATERIAL_MAX_BYTES = 20 * 1024 * 1024


def refresh_search_text(material: Material) -> None:
    """Rewrite what search indexes for each language version (a course includes its lessons)."""
    for translation in material.translations:
        parts = [translation.title, translation.summary, translation.body]
        for module in material.modules:
            for item in [module, *module.lessons]:
                version = item.translation(translation.language)
                if version is not None:
                    parts += [version.title, version.body]
        translation.search_text = build_search_text(*parts)


@dataclass
class MaterialData:
    kind: MaterialKind
    visibility: Visibility = Visibility.PUBLIC
    topics: list[Topic] = field(default_factory=list)
    audiences: list[Audience] = field(default_factory=list)
    video_url: str = ""
    original_language: str = "pl"


def _apply_material_data(material: Material, data: MaterialData) -> None:
    errors = {}
    if data.kind is MaterialKind.VIDEO and not data.video_url.startswith(("https://", "http://")):
        errors["video_url"] = [str(_l("Enter the video's address, starting with https://"))]
    if data.original_language not in CONTENT_LANGUAGES:
        errors["original_language"] = [str(_l("Choose one of the offered languages."))]
    if not data.audiences:
        errors["audiences"] = [str(_l("Choose at least one audience."))]
    if errors:
        raise ServiceValidationError(errors)
    material.kind = data.kind
    material.visibility = data.visibility
    material.video_url = data.video_url if data.kind is MaterialKind.VIDEO else ""
    material.original_language = data.original_language
    material.topic_links = [MaterialTopic(topic=topic) for topic in dict.fromkeys(data.topics)]
    material.audience_links = [MaterialAudience(audience=audience) for audience in dict.fromkeys(data.audiences)]


def _add_revision(material: Material, data: TranslationData, *, actor) -> MaterialRevision:
    last = db.session.scalar(
        select(func.max(MaterialRevision.number)).where(
            MaterialRevision.material_id == material.id, MaterialRevision.language == data.language
        )
    )
    revision = MaterialRevision(
        material_id=material.id, language=data.language, number=(last or 0) + 1, title=data.title.strip(),
        summary=(data.summary or "").strip(), body=data.body or "", note=(data.note or "").strip()[:300],
        edited_by_id=actor.id,
    )
    db.session.add(revision)
    return revision


def create_material(data: MaterialData, translation: TranslationData, *, actor) -> Material:
    """A new draft in its original language."""
    ensure_permission(actor, MANAGE_HUB)
    if translation.language != data.original_language:
        raise ServiceValidationError.single("language", str(_l("Write the first version in the original language.")))
    material = Material(created_by_id=actor.id)
    _apply_material_data(material, data)
    put_translation(material, translation)
    db.session.add(material)
    db.session.flush()
    _add_revision(material, translation, actor=actor)
    refresh_search_text(material)
    record_audit(actor, None, "hub.material_create", material, kind=material.kind.value)
    db.session.flush()
    return material


def update_material(material: Material, data: MaterialData, translation: TranslationData, *, actor) -> Material:
    """Change the settings and one language version; a changed version enters the history."""
    ensure_permission(actor, MANAGE_HUB)
    if material.kind is MaterialKind.COURSE and data.kind is not MaterialKind.COURSE and material.modules:
        raise ServiceValidationError.single("kind", str(_l("Remove the course's modules before changing its kind.")))
    before = material.translation(translation.language)
    before_text = (before.title, before.summary, before.body) if before is not None else None
    _apply_material_data(material, data)
    after = put_translation(material, translation)
    if (after.title, after.summary, after.body) != before_text:
        _add_revision(material, translation, actor=actor)
    refresh_search_text(material)
    record_audit(actor, None, "hub.material_update", material, language=translation.language)
    db.session.flush()
    return material


def revisions_of(material: Material) -> list[MaterialRevision]:
    statement = (
        select(MaterialRevision)
        .where(MaterialRevision.material_id == material.id)
        .order_by(MaterialRevision.created_at.desc(), MaterialRevision.id.desc())
    )
    return list(db.session.scalars(statement))


def publish_material(material: Material, *, actor) -> None:
    if material.kind is MaterialKind.COURSE and not material.lessons:
        raise ServiceValidationError.single("", str(_l("A course needs at least one lesson before it is published.")))
    publish(material, "hub.material_publish", actor=actor)


def unpublish_material(material: Material, *, actor) -> None:
    unpublish(material, "hub.material_unpublish", actor=actor)


def add_attachment(material: Material, file, language: str = "", *, actor) -> MaterialFile:
    """Store a PDF, DOCX or XLSX file with the material; anything else is refused untouched."""
    ensure_permission(actor, MANAGE_HUB)
    if language and language not in CONTENT_LANGUAGES:
        raise ServiceValidationError.single("language", str(_l("Choose one of the offered languages.")))
    stored = save_upload(file, DOCUMENTS, max_bytes=MATERIAL_MAX_BYTES)
    attachment = MaterialFile(
        language=language, original_name=stored.original_name, stored_name=stored.stored_name,
        file_kind=stored.kind, size=stored.size, uploaded_by_id=actor.id,
    )
    material.attachments.append(attachment)
    db.session.flush()
    record_audit(actor, None, "hub.attachment_add", material, file=stored.original_name, kind=stored.kind)
    db.session.flush()
    return attachment


def remove_attachment(attachment: MaterialFile, *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    material, stored_name = attachment.material, attachment.stored_name
    material.attachments.remove(attachment)
    record_audit(actor, None, "hub.attachment_remove", material, file=attachment.original_name)
    db.session.flush()
    delete_upload(stored_name)


def attachments_for(material: Material, language: str) -> list[MaterialFile]:
    """Files in the reader's language first, then those for every language, then the others."""
    order = {language: 0, "": 1}
    return sorted(material.attachments, key=lambda a: (order.get(a.language, 2), a.id))


def all_materials() -> list[Material]:
    """Every material, drafts included (staff)."""
    return list(db.session.scalars(select(Material).order_by(Material.updated_at.desc(), Material.id.desc())))
