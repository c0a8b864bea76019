"""``/api/v1/hub``: published public materials, events and good practices (nothing else)."""
from __future__ import annotations

from flask import abort, current_app
from flask_smorest import Blueprint
from sqlalchemy import select

from pb_service.core.models import as_utc
from pb_service.core.permissions import public
from pb_service.extensions import db
from pb_service.hub.services.content import public_only
from pb_service.hub.services.events import event_link, upcoming_events
from pb_service.hub.services.materials import attachments_for
from pb_service.hub.services.practices import published_practices
from pb_service.hub.models import Audience, Material, MaterialKind, Topic
from pb_service.hub.schemas import (
    EventSchema,
    LanguageArgs,
    MaterialDetailSchema,
    MaterialPageSchema,
    MaterialQueryArgs,
    PracticeSchema,
)
from pb_service.hub.search import MaterialFilters, search_materials

hub_api = Blueprint("hub_api", __name__, url_prefix="/api/v1/hub", description="Knowledge hub (public items)")


def _translated(item, language: str, path: str, translation=None) -> dict:
    if translation is None:
        translation, _fallback = item.translation_for(language)
    return {
        "id": item.id, "language": translation.language, "is_fallback": translation.language != language,
        "languages": item.languages, "title": translation.title, "summary": translation.summary,
        "url": current_app.config["PUBLIC_BASE_URL"] + path,
    }


def _material(item: Material, language: str, translation=None) -> dict:
    return {
        **_translated(item, language, f"/hub/materials/{item.id}", translation),
        "kind": item.kind.value, "topics": [t.value for t in item.topics], "audiences": [a.value for a in item.audiences],
        "published_at": as_utc(item.published_at), "video_url": item.video_url,
    }


@hub_api.get("/materials")
@hub_api.arguments(MaterialQueryArgs, location="query")
@hub_api.response(200, MaterialPageSchema)
@public
def list_materials(args):
    """Public materials, newest first, or matching ``q`` (full-text) in the chosen language."""
    filters = MaterialFilters(
        MaterialKind(args["kind"]) if "kind" in args else None,
        Topic(args["topic"]) if "topic" in args else None,
        Audience(args["audience"]) if "audience" in args else None,
    )
    # No viewer: the API serves public items only, whoever calls it.
    results = search_materials(args["q"], args["lang"], filters, None, args["page"])
    page = results.page
    return {
        "engine": results.engine, "total": page.total, "page": page.number, "pages": page.pages,
        "items": [_material(hit.material, args["lang"], hit.translation) for hit in page.items],
    }


@hub_api.get("/materials/<int:material_id>")
@hub_api.arguments(LanguageArgs, location="query")
@hub_api.response(200, MaterialDetailSchema)
@public
def material_detail(args, material_id: int):
    """One public material with its text (Markdown) and files."""
    item = db.session.scalar(public_only(select(Material), Material).where(Material.id == material_id))
    if item is None:
        abort(404)
    language = args["lang"]
    translation, _fallback = item.translation_for(language)
    base = current_app.config["PUBLIC_BASE_URL"]
    return {
        **_material(item, language), "body": translation.body,
        "attachments": [
            {"name": a.original_name, "kind": a.file_kind, "language": a.language, "size": a.size, "url": f"{base}/hub/files/{a.id}"}
            for a in attachments_for(item, language)
        ],
    }


@hub_api.get("/events")
@hub_api.arguments(LanguageArgs, location="query")
@hub_api.response(200, EventSchema(many=True))
@public
def list_events(args):
    """Upcoming public events, soonest first."""
    language = args["lang"]
    return [
        {
            **_translated(event, language, f"/hub/events/{event.id}"), "kind": event.kind.value,
            "starts_at": as_utc(event.starts_at), "ends_at": as_utc(event.ends_at), "place": event.place,
            "online": bool(event.online_url), "capacity": event.capacity, "places_left": event.places_left,
            "ical_url": event_link(event) + ".ics",
        }
        for event in upcoming_events(None)
    ]


@hub_api.get("/practices")
@hub_api.arguments(LanguageArgs, location="query")
@hub_api.response(200, PracticeSchema(many=True))
@public
def list_practices(args):
    """Published good practices, newest first."""
    language = args["lang"]
    return [
        {
            **_translated(practice, language, f"/hub/practices/{practice.id}"), "kind": practice.kind.value,
            "pilot_status": practice.pilot_status.value if practice.pilot_status else None,
            "municipality": practice.municipality.slug, "edition_id": practice.edition_id,
            "published_at": as_utc(practice.published_at),
        }
        for practice in published_practices()
    ]
