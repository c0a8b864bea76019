"""Reminders of events that start soon (the hourly job and ``flask pb hub send-reminders``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from pb_service.extensions import db
from pb_service.hub.models import (
    Event,
    EventRegistration,
    PublicationStatus,
    RegistrationStatus,
)
from pb_service.hub.services.events import mail_registration


#: Confirmed participants are reminded once, when the event is this close.
REMINDER_WINDOW = timedelta(hours=48)


def due_reminders(now: datetime) -> list[EventRegistration]:
    """Confirmed registrations for events starting within :data:`REMINDER_WINDOW`, not reminded yet."""
    statement = (
        select(EventRegistration)
        .join(EventRegistration.event)
        .where(
            Event.status == PublicationStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + REMINDER_WINDOW,
            EventRegistration.status == RegistrationStatus.CONFIRMED,
            EventRegistration.reminder_sent_at.is_(None),
        )
        .order_by(Event.starts_at, EventRegistration.id)
    )
    return list(db.session.scalars(statement).unique())


def send_reminder(registration: EventRegistration, now: datetime) -> None:
    mail_registration(registration, "hub_event_reminder")
    registration.reminder_sent_at = now
    db.session.flush()
