"""Demo content of the knowledge hub (``flask pb demo``): idempotent, looked up by Polish title.

Written through the services, as programme staff would, so the demo has audit entries and a
version history like real content.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from pb_service.accounts.services import user_by_email
from pb_service.analytics.services import edition_indicators
from pb_service.extensions import db
from pb_service.hub import demo_content as content
from pb_service.hub.services.courses import add_lesson, add_module, save_course_part_translation
from pb_service.hub.services.events import EventData, create_event, publish_event, update_event
from pb_service.hub.services.experts import ExpertData, save_expert
from pb_service.hub.services.materials import MaterialData, create_material, publish_material, update_material
from pb_service.hub.services.practices import PracticeData, edit_practice, practice_editions, propose_practice, review_practice
from pb_service.hub.models import (
    Audience,
    EventKind,
    EventTranslation,
    Expert,
    MaterialKind,
    MaterialTranslation,
    PilotStatus,
    PracticeKind,
    PracticeTranslation,
    Topic,
    Visibility,
)
from pb_service.hub.services.content import TranslationData
from pb_service.municipalities.services import municipality_by_slug

STAFF_EMAIL = "staff@example.org"
WARSAW = ZoneInfo("Europe/Warsaw")
PB = [Topic.PARTICIPATORY_BUDGETING]


def _exists(translation_model, title: str) -> bool:
    return db.session.scalar(select(translation_model.id).where(translation_model.language == "pl", translation_model.title == title)) is not None


def _versions(texts: dict) -> list[TranslationData]:
    return [TranslationData(language, *text) for language, text in texts.items()]


def _material(staff, texts: dict, data: MaterialData) -> bool:
    first, *others = _versions(texts)
    if _exists(MaterialTranslation, first.title):
        return False
    material = create_material(data, first, actor=staff)
    for version in others:
        update_material(material, data, version, actor=staff)
    if data.kind is MaterialKind.COURSE:
        module = add_module(material, TranslationData("pl", content.COURSE_MODULE["pl"]), actor=staff)
        for language in ("en", "uk"):
            save_course_part_translation(module, TranslationData(language, content.COURSE_MODULE[language]), actor=staff)
        for lesson_texts in content.COURSE_LESSONS:
            polish, *translated = [TranslationData(language, title, body=body) for language, (title, body) in lesson_texts.items()]
            lesson = add_lesson(module, polish, actor=staff)
            for version in translated:
                save_course_part_translation(lesson, version, actor=staff)
    publish_material(material, actor=staff)
    return True


def _demo_edition_id(municipality) -> int | None:
    """The newest of the municipality's real editions imported from Pabulib (else its newest edition
    with published results): the edition a demo practice links to."""
    editions = practice_editions(municipality)
    imported = [e for e in editions if (row := edition_indicators(municipality, e.id)) is not None and row.source == "pabulib"]
    chosen = (imported or editions)[:1]
    return chosen[0].id if chosen else None


def _practice(staff, slug: str, kind: PracticeKind, pilot_status: PilotStatus | None) -> bool:
    municipality = municipality_by_slug(slug)
    first, *others = _versions(content.PRACTICES[slug])
    if municipality is None or _exists(PracticeTranslation, first.title):
        return False
    data = PracticeData(kind, pilot_status, edition_id=_demo_edition_id(municipality))
    practice = propose_practice(municipality, data, first, actor=staff)
    for version in others:
        edit_practice(practice, data, version, actor=staff)
    review_practice(practice, actor=staff, publish=True)
    return True


def _event(staff, spec: dict) -> bool:
    first, *others = _versions({language: spec[language] for language in ("pl", "en", "uk")})
    if _exists(EventTranslation, first.title):
        return False
    day = datetime.now(WARSAW).date() + timedelta(days=spec["days_ahead"])
    starts_at = datetime.combine(day, time(spec["hour"]), WARSAW).astimezone(timezone.utc)
    data = EventData(
        kind=EventKind(spec["kind"]), starts_at=starts_at, ends_at=starts_at + timedelta(hours=spec["hours"]),
        place=spec["place"], online_url=spec["online_url"], capacity=spec["capacity"],
    )
    event = create_event(data, first, actor=staff)
    for version in others:
        update_event(event, data, version, actor=staff)
    publish_event(event, actor=staff)
    return True


def _expert(staff) -> bool:
    name = "dr Joanna Przykładowa (ekspertka demonstracyjna)"
    if db.session.scalar(select(Expert.id).where(Expert.name == name)) is not None:
        return False
    save_expert(None, ExpertData(
        name, "Przykładowy profil eksperta w wersji demonstracyjnej: regulaminy budżetu obywatelskiego i reguły głosowania.",
        [Topic.PARTICIPATORY_BUDGETING, Topic.COHESION_POLICY], email="ekspertka@example.org"), actor=staff)
    return True


def load_demo_hub() -> list[str]:
    """Create the hub's starter materials, events and expert once; return lines saying what was added."""
    staff = user_by_email(STAFF_EMAIL)
    if staff is None:
        return ["Knowledge hub: no staff account, nothing added"]
    officials = [Audience.OFFICIALS]
    added = [
        _material(staff, content.EDITION_STEPS, MaterialData(MaterialKind.GUIDE, Visibility.PUBLIC, PB, [Audience.OFFICIALS, Audience.RESIDENTS])),
        # Public: residents who write proposals read the questions their proposal will be reviewed against.
        _material(staff, content.REVIEW_CHECKLIST, MaterialData(MaterialKind.TEMPLATE, Visibility.PUBLIC, PB, [Audience.OFFICIALS, Audience.RESIDENTS])),
        _material(staff, content.OUTCOME_RULES, MaterialData(MaterialKind.GUIDE, Visibility.PUBLIC, PB, [Audience.OFFICIALS, Audience.STAFF])),
        _material(staff, content.ACCESSIBILITY, MaterialData(MaterialKind.GUIDE, Visibility.PUBLIC, [Topic.PARTICIPATORY_BUDGETING, Topic.AGEING], officials)),
        _material(staff, content.COURSE, MaterialData(MaterialKind.COURSE, Visibility.PUBLIC, PB, officials)),
        *[_event(staff, spec) for spec in content.EVENTS],
        _expert(staff),
    ]
    return [f"Knowledge hub: {sum(added)} items added (5 materials, 2 events, 1 expert in all)"]


def load_demo_practices() -> list[str]:
    """Create the hub's two good practices once (each links to its city's newest imported edition,
    so they come after the Pabulib imports); return lines saying what was added."""
    staff = user_by_email(STAFF_EMAIL)
    if staff is None:
        return ["Good practices: no staff account, nothing added"]
    added = [
        _practice(staff, "gdansk", PracticeKind.CASE_STUDY, None),
        _practice(staff, "krakow", PracticeKind.PILOT_PROJECT, PilotStatus.PLANNED),
    ]
    return [f"Good practices: {sum(added)} added (2 in all)"]
