"""Events: registration with a waiting list, attendance, materials attached afterwards."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pb_service.core.audit import record_audit
from pb_service.core.mail import send_mail
from pb_service.core.models import utcnow
from pb_service.core.permissions import PermissionDenied, ensure_permission
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db
from pb_service.hub.models import (
    Event,
    EventKind,
    EventMaterial,
    EventRegistration,
    Material,
    RegistrationStatus,
    Visibility,
)
from pb_service.hub.permissions import MANAGE_HUB, can_see_hub_item, manages_hub
from pb_service.hub.services.content import visible_to, TranslationData, put_translation, add_new, publish, unpublish, public_link


@dataclass
class EventData:
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    visibility: Visibility = Visibility.PUBLIC
    place: str = ""
    online_url: str = ""
    capacity: int | None = None
    original_language: str = "pl"


def _apply_event_data(event: Event, data: EventData) -> None:
    errors = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = [str(_l("The end must come after the start."))]
    if not data.place.strip() and not data.online_url.strip():
        errors["place"] = [str(_l("Give the place or the link to join online."))]
    if data.online_url and not data.online_url.startswith(("https://", "http://")):
        errors["online_url"] = [str(_l("Enter a full address starting with https://"))]
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = [str(_l("Capacity must be at least 1, or empty for no limit."))]
    if errors:
        raise ServiceValidationError(errors)
    for name, value in vars(data).items():
        setattr(event, name, value.strip() if isinstance(value, str) else value)


def create_event(data: EventData, translation: TranslationData, *, actor) -> Event:
    ensure_permission(actor, MANAGE_HUB)
    event = Event(created_by_id=actor.id)
    _apply_event_data(event, data)
    put_translation(event, translation)
    return add_new(None, event, "hub.event_create", actor=actor)


def update_event(event: Event, data: EventData, translation: TranslationData, *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    _apply_event_data(event, data)
    put_translation(event, translation)
    record_audit(actor, None, "hub.event_update", event, language=translation.language)
    db.session.flush()


def publish_event(event: Event, *, actor) -> None:
    publish(event, "hub.event_publish", actor=actor)


def unpublish_event(event: Event, *, actor) -> None:
    unpublish(event, "hub.event_unpublish", actor=actor)


def upcoming_events(viewer, now: datetime | None = None) -> list[Event]:
    statement = visible_to(select(Event), Event, viewer).where(Event.ends_at >= (now or utcnow())).order_by(Event.starts_at)
    return list(db.session.scalars(statement))


def past_events(viewer, now: datetime | None = None, limit: int = 20) -> list[Event]:
    statement = visible_to(select(Event), Event, viewer).where(Event.ends_at < (now or utcnow()))
    return list(db.session.scalars(statement.order_by(Event.starts_at.desc()).limit(limit)))


def registration_of(user, event: Event) -> EventRegistration | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return next((r for r in event.registrations if r.user_id == user.id), None)


def waiting_position(registration: EventRegistration) -> int | None:
    if registration.status is not RegistrationStatus.WAITING:
        return None
    return registration.event.waiting.index(registration) + 1


def event_link(event: Event) -> str:
    """The event's public page (mails are sent outside requests too, so no ``url_for``)."""
    return public_link(f"/hub/events/{event.id}")


def mail_registration(registration: EventRegistration, template: str) -> None:
    user, event = registration.user, registration.event
    language = user.locale or event.original_language
    translation, _fallback = event.translation_for(language)
    send_mail(user.email, template, language, user=user, event=event, title=translation.title,
              position=waiting_position(registration), link=event_link(event), ics_link=event_link(event) + ".ics")


def _lock(event: Event) -> None:
    """Lock the event row and re-read its registrations, so that two people cannot both take the
    last place (PostgreSQL; SQLite serialises writers anyway)."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    db.session.expire(event, ["registrations"])


def register_for_event(event: Event, now: datetime | None = None, *, actor) -> EventRegistration:
    """A place if one is free, else a place on the waiting list; a mail says which."""
    if not can_see_hub_item(actor, event) or not event.is_published:
        raise PermissionDenied("hub.view")
    if event.has_started(now):
        raise ServiceValidationError.single("", str(_l("Registration is closed: this event has already started or taken place.")))
    _lock(event)
    registration = registration_of(actor, event)
    if registration is not None and registration.status is RegistrationStatus.CONFIRMED:
        raise ServiceValidationError.single("", str(_l("You are already registered for this event.")))
    if registration is not None and registration.status is RegistrationStatus.WAITING:
        raise ServiceValidationError.single("", str(_l("You are already on the waiting list for this event.")))
    full = event.places_left == 0
    if registration is None:
        registration = EventRegistration(user_id=actor.id, status=RegistrationStatus.WAITING)
        event.registrations.append(registration)
    registration.status = RegistrationStatus.WAITING if full else RegistrationStatus.CONFIRMED
    # Coming back after cancelling queues anew, behind those who waited.
    registration.registered_at = now or utcnow()
    registration.reminder_sent_at = None
    db.session.flush()
    mail_registration(registration, "hub_registration_waiting" if full else "hub_registration_confirmed")
    return registration


def cancel_registration(registration: EventRegistration, now: datetime | None = None, *, actor) -> EventRegistration | None:
    """Give up a place; the first person waiting moves up and is told. Returns them, if any."""
    if registration.user_id != actor.id and not manages_hub(actor):
        raise PermissionDenied("hub.cancel")
    if registration.status is RegistrationStatus.CANCELLED:
        raise ServiceValidationError.single("", str(_l("This registration is already cancelled.")))
    event = registration.event
    _lock(event)
    freed_place = registration.status is RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    moved_up = None
    if freed_place and not event.has_started(now) and event.waiting:
        moved_up = event.waiting[0]
        moved_up.status = RegistrationStatus.CONFIRMED
    record_audit(actor, None, "hub.registration_cancel", event, registration=registration.id)
    db.session.flush()
    if moved_up is not None:
        mail_registration(moved_up, "hub_moved_up")
    return moved_up


def record_attendance(event: Event, present_ids: set[int], *, actor) -> None:
    """Staff tick who came; everyone else confirmed is recorded as absent."""
    ensure_permission(actor, MANAGE_HUB)
    for registration in event.confirmed:
        registration.attended = registration.id in present_ids
    record_audit(actor, None, "hub.attendance", event, present=len(present_ids & {r.id for r in event.confirmed}))
    db.session.flush()


def attach_material_to_event(event: Event, material: Material, *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    if any(link.material_id == material.id for link in event.material_links):
        raise ServiceValidationError.single("material", str(_l("This material is already attached.")))
    event.material_links.append(EventMaterial(material=material))
    record_audit(actor, None, "hub.event_attach", event, material=material.id)
    db.session.flush()


def my_registrations(user) -> list[EventRegistration]:
    statement = (
        select(EventRegistration)
        .join(EventRegistration.event)
        .where(EventRegistration.user_id == user.id, EventRegistration.status != RegistrationStatus.CANCELLED)
        .order_by(Event.starts_at.desc())
    )
    return list(db.session.scalars(statement).unique())


def all_events() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id.desc())))
