"""Demo accessibility requests for Gdańsk: one overdue, one due soon, one answered, so that the
officials' list shows every state of the deadline."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from pb_service.accessibility.models import ANSWER_DAYS, AccessForm, AccessibilityRequest, RequestSubject
from pb_service.accessibility.services import warsaw_today
from pb_service.core.models import utcnow
from pb_service.core.tenancy import scoped_to
from pb_service.extensions import db

#: (days ago, name, e-mail, subject, preferred form, description, answer note)
DEMO_REQUESTS = [
    (9, "Halina Kowalska", "halina.kowalska@example.org", RequestSubject.VOTING, AccessForm.HOME_VISIT,
     "Nie wychodzę z domu po operacji biodra. Proszę o możliwość zagłosowania na karcie papierowej w domu.", ""),
    (6, "Marek Nowak", "", RequestSubject.INFORMATION, AccessForm.EASY_TO_READ,
     "Proszę o regulamin budżetu obywatelskiego w tekście łatwym do czytania. Telefon: 600 000 000.", ""),
    (12, "Олександр Шевчук", "o.shevchuk@example.org", RequestSubject.INFORMATION, AccessForm.ACCESSIBLE_DOCUMENT,
     "Skan listy poparcia przy projekcie nr 3 nie ma tekstu. Proszę o wersję dostępną.",
     "Przesłano dostępny plik PDF z listą (bez danych osobowych) pocztą elektroniczną."),
]


def load_demo_requests(municipality) -> None:
    statement = scoped_to(select(func.count(AccessibilityRequest.id)).where(AccessibilityRequest.municipality_id == municipality.id), municipality)
    if db.session.scalar(statement):
        return
    now = utcnow()
    for days_ago, name, email, subject, preferred, description, answer in DEMO_REQUESTS:
        created = now - timedelta(days=days_ago)
        db.session.add(AccessibilityRequest(
            municipality_id=municipality.id, name=name, email=email, subject=subject, preferred_form=preferred,
            description=description, locale="uk" if email.startswith("o.") else "pl", created_at=created,
            due_on=warsaw_today(created) + timedelta(days=ANSWER_DAYS),
            answered_at=created + timedelta(days=2) if answer else None, answer_note=answer,
        ))
