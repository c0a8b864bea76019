"""The accessibility statement (structure of the Polish template, edited by the admin) and
accessibility requests (public form, mails, the 7-day deadline, answers), through the pages."""
from __future__ import annotations

import re
from datetime import date, timedelta

from pb_service.accessibility.models import AccessibilityRequest, AccessibilityStatement, Compliance
from pb_service.accessibility.services import warsaw_today
from pb_service.core.audit import AuditEvent
from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from tests.factories import login, make_municipality, make_official

#: The ids the template's structure requires; software (the ministry's validator) reads them.
TEMPLATE_IDS = [
    "a11y-wstep", "a11y-podmiot", "a11y-url", "a11y-data-publikacja", "a11y-data-aktualizacja", "a11y-status",
    "a11y-data-sporzadzenie", "a11y-kontakt", "a11y-osoba", "a11y-email", "a11y-telefon", "a11y-procedura",
    "a11y-architektura", "a11y-aplikacje",
]


def _city(session):
    return make_municipality(
        session, accessibility_coordinator_name="Jan Dostępny", accessibility_coordinator_email="dostepnosc@example.org",
        accessibility_coordinator_phone="+48 58 123 45 67", contact_email="urzad@example.org",
    )


def _english(client):
    client.get("/lang/en")
    return client


def test_statement_has_the_template_structure_with_standard_text(client, session):
    city = _city(session)
    session.commit()
    page = _english(client).get(f"/{city.slug}/accessibility").get_data(as_text=True)
    assert [i for i in TEMPLATE_IDS if f'id="{i}"' not in page] == []
    assert f'<span id="a11y-podmiot">{city.name}</span>' in page
    assert re.search(r'id="a11y-data-publikacja">\d{4}-\d{2}-\d{2}<', page)
    assert "partially compliant" in page and "Attachments that residents add" in page
    assert "Jan Dostępny" in page and "mailto:dostepnosc@example.org" in page and "+48 58 123 45 67" in page
    assert "Commissioner for Human Rights" in page and "7 days" in page


def test_every_page_links_to_the_statement(client, session):
    city = _city(session)
    session.commit()
    _english(client)
    assert f'href="/{city.slug}/accessibility"' in client.get(f"/{city.slug}/").get_data(as_text=True)
    front = client.get("/").get_data(as_text=True)
    assert 'href="/accessibility"' in front and "Accessibility statement" in front
    assert f"/{city.slug}/accessibility" in client.get("/accessibility").get_data(as_text=True)


def test_admin_edits_the_statement_others_may_not(client, session, app):
    city = _city(session)
    admin = make_official(session, city, Role.ADMIN)
    evaluator = make_official(session, city, Role.EVALUATOR)
    session.commit()
    login(client, evaluator)
    assert client.get(f"/{city.slug}/office/accessibility/statement").status_code == 403
    client.post("/account/logout")
    login(client, admin)
    _english(client)
    form = {
        "published_on": "2024-03-01", "updated_on": "2026-01-15", "prepared_on": "2024-03-01", "reviewed_on": "2023-01-01",
        "compliance": "compliant", "architectural_accessibility": "Wejście od ul. Długiej bez schodów.",
    }
    refused = client.post(f"/{city.slug}/office/accessibility/statement", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'class="error-summary"' in page and 'href="#reviewed_on"' in page
    assert 'value="Wejście od ul. Długiej bez schodów."' in page or "Wejście od ul. Długiej bez schodów." in page
    form["reviewed_on"] = "2026-02-01"
    assert client.post(f"/{city.slug}/office/accessibility/statement", data=form).status_code == 302
    statement = session.scalar(tenant_select(AccessibilityStatement, city))
    assert (statement.compliance, statement.reviewed_on, statement.exemptions) == (Compliance.COMPLIANT, date(2026, 2, 1), "")
    page = client.get(f"/{city.slug}/accessibility").get_data(as_text=True)
    assert 'id="a11y-data-aktualizacja">2026-01-15<' in page and "Wejście od ul. Długiej bez schodów." in page
    assert "fully compliant" in page and "Content that is not accessible" not in page
    [event] = session.scalars(tenant_select(AuditEvent, city, AuditEvent.action == "accessibility.statement_update"))
    assert event.actor_id == admin.id and event.details == {"reviewed_on": "2026-02-01"}


def test_request_is_stored_confirmed_and_notified(client, session, mailbox):
    city = _city(session)
    session.commit()
    _english(client)
    empty = client.post(f"/{city.slug}/accessibility/request", data={})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert all(f'href="#{target}"' in page for target in ("name", "subject-0", "description"))
    no_contact = client.post(f"/{city.slug}/accessibility/request", data={
        "name": "Halina", "subject": "voting", "description": "Proszę o głosowanie w domu.", "preferred_form": "home_visit",
    })
    assert 'href="#email"' in no_contact.get_data(as_text=True) and "Proszę o głosowanie w domu." in no_contact.get_data(as_text=True)
    response = client.post(f"/{city.slug}/accessibility/request", data={
        "name": "Halina", "email": "halina@example.org", "subject": "voting", "description": "Proszę o głosowanie w domu.",
        "preferred_form": "home_visit",
    })
    assert response.status_code == 302
    [stored] = session.scalars(tenant_select(AccessibilityRequest, city))
    assert (stored.locale, stored.due_on) == ("en", warsaw_today() + timedelta(days=7))
    [confirmation] = mailbox.to("halina@example.org")
    assert "Your accessibility request" in confirmation["Subject"] and "Proszę o głosowanie w domu." in mailbox.body(confirmation)
    [notice] = mailbox.to("dostepnosc@example.org")
    assert f"/{city.slug}/office/accessibility/requests/{stored.id}" in mailbox.body(notice)
    assert session.scalar(tenant_select(AuditEvent, city, AuditEvent.action == "accessibility.request")) is not None


def test_officials_see_the_deadline_and_answer(client, session):
    city = _city(session)
    admin = make_official(session, city, Role.ADMIN)
    today = warsaw_today()
    overdue = AccessibilityRequest(municipality_id=city.id, name="Późny", email="a@example.org", subject="information",
                                   description="x", preferred_form="audio", locale="pl", due_on=today - timedelta(days=2))
    soon = AccessibilityRequest(municipality_id=city.id, name="Pilny", phone="600", subject="voting",
                                description="y", preferred_form="phone_call", locale="pl", due_on=today + timedelta(days=5))
    session.add_all([overdue, soon])
    session.commit()
    login(client, admin)
    _english(client)
    page = client.get(f"/{city.slug}/office/accessibility/requests").get_data(as_text=True)
    assert page.index("Późny") < page.index("Pilny")
    assert "Overdue by 2 days" in page and "5 days left" in page and "row--overdue" in page
    empty = client.post(f"/{city.slug}/office/accessibility/requests/{overdue.id}", data={"note": " "})
    assert 'href="#note"' in empty.get_data(as_text=True)
    assert client.post(f"/{city.slug}/office/accessibility/requests/{overdue.id}", data={"note": "Nagranie wysłane."}).status_code == 302
    session.expire_all()
    assert overdue.is_answered and overdue.answered_by_id == admin.id
    event = session.scalar(tenant_select(AuditEvent, city, AuditEvent.action == "accessibility.answer"))
    assert event.details == {"on_time": False}
    assert "Answered" in client.get(f"/{city.slug}/office/accessibility/requests").get_data(as_text=True)
