"""The accessibility statement (with the standard text where the municipality wrote none) and
accessibility requests with their 7-day deadline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case

from pb_service.accessibility.models import (
    ANSWER_DAYS, AccessForm, AccessibilityRequest, AccessibilityStatement, Compliance, RequestSubject,
)
from pb_service.accessibility.permissions import ANSWER_ACCESSIBILITY_REQUESTS, EDIT_ACCESSIBILITY_STATEMENT
from pb_service.core.audit import record_audit
from pb_service.core.forms import WARSAW
from pb_service.core.mail import send_mail
from pb_service.core.models import as_utc, utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.tenancy import tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db

#: The standard text of each free-text part, shown where the municipality has written none.
STANDARD_TEXT = {
    "non_accessible_content": _l(
        "Attachments that residents add to their proposals (photos, scanned documents, PDF files) may "
        "lack text alternatives or a structure that screen readers can follow.\n"
        "The map on a proposal's page is a picture; the proposal's address is always given as text."
    ),
    "exemptions": _l(
        "Attachments added by residents are content from third parties that the municipality neither "
        "funds nor controls, which the act exempts (art. 3). Maps are exempt when the information is "
        "also given in text, as it is here."
    ),
    "architectural_accessibility": _l(
        "Ask the accessibility coordinator about the office building: the entrance without steps, the "
        "lift, parking spaces for people with disabilities, the accessible toilet, the induction loop and "
        "a Polish Sign Language interpreter (book it 3 working days ahead). You may enter with an "
        "assistance dog."
    ),
    "apps": _l("The municipality publishes no mobile app for the participatory budget."),
}


def statement_for(tenant) -> AccessibilityStatement:
    """The stored statement, or an unsaved one dated from the municipality's start on the service."""
    statement = db.session.scalar(tenant_select(AccessibilityStatement, tenant))
    if statement is not None:
        return statement
    started = as_utc(tenant.created_at).astimezone(WARSAW).date()
    return AccessibilityStatement(
        municipality_id=tenant.id, published_on=started, updated_on=started, prepared_on=started,
        reviewed_on=started, compliance=Compliance.PARTIALLY_COMPLIANT, non_accessible_content="",
        exemptions="", architectural_accessibility="", apps="",
    )


def statement_text(statement: AccessibilityStatement, part: str) -> str:
    """A free-text part as written by the municipality, or the standard text."""
    return getattr(statement, part) or str(STANDARD_TEXT[part])


@dataclass
class StatementData:
    published_on: date
    updated_on: date
    prepared_on: date
    reviewed_on: date
    compliance: Compliance
    non_accessible_content: str = ""
    exemptions: str = ""
    architectural_accessibility: str = ""
    apps: str = ""


def save_statement(tenant, data: StatementData, *, actor) -> AccessibilityStatement:
    ensure_permission(actor, EDIT_ACCESSIBILITY_STATEMENT, tenant)
    errors = {}
    if data.updated_on < data.published_on:
        errors["updated_on"] = [str(_l("The last update cannot be before the publication."))]
    if data.reviewed_on < data.prepared_on:
        errors["reviewed_on"] = [str(_l("The last review cannot be before the statement was prepared."))]
    if errors:
        raise ServiceValidationError(errors)
    statement = statement_for(tenant)
    if statement.id is None:
        db.session.add(statement)
    for name, value in vars(data).items():
        setattr(statement, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    record_audit(actor, tenant, "accessibility.statement_update", statement, reviewed_on=data.reviewed_on.isoformat())
    db.session.flush()
    return statement


# --- requests ----------------------------------------------------------------------------------


@dataclass
class AccessRequestData:
    name: str
    email: str
    phone: str
    subject: RequestSubject
    description: str
    preferred_form: AccessForm
    locale: str


def warsaw_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(WARSAW).date()


def submit_access_request(tenant, data: AccessRequestData, *, now: datetime | None = None) -> AccessibilityRequest:
    """Store the request, confirm it to the requester and tell the coordinator."""
    errors = {}
    if not data.name.strip():
        errors["name"] = [str(_l("Enter your name."))]
    if not (data.email.strip() or data.phone.strip()):
        errors["email"] = [str(_l("Give an e-mail address or a phone number, so that we can answer."))]
    if not data.description.strip():
        errors["description"] = [str(_l("Say what you need."))]
    if errors:
        raise ServiceValidationError(errors)
    now = now or utcnow()
    access_request = AccessibilityRequest(
        municipality_id=tenant.id, name=data.name.strip(), email=data.email.strip(), phone=data.phone.strip(),
        subject=data.subject, description=data.description.strip(), preferred_form=data.preferred_form,
        locale=data.locale, created_at=now, due_on=warsaw_today(now) + timedelta(days=ANSWER_DAYS),
    )
    db.session.add(access_request)
    db.session.flush()
    # The requester is not signed in: the audit names the request, not the person.
    record_audit(None, tenant, "accessibility.request", access_request, subject=data.subject.value)
    db.session.flush()
    if access_request.email:
        send_mail(access_request.email, "accessibility_request_received", access_request.locale, municipality=tenant, access_request=access_request)
    coordinator = tenant.accessibility_coordinator_email or tenant.contact_email
    if coordinator:
        link = f"{current_app.config['PUBLIC_BASE_URL']}/{tenant.slug}/office/accessibility/requests/{access_request.id}"
        send_mail(coordinator, "accessibility_request_new", tenant.default_locale, municipality=tenant, access_request=access_request, link=link)
    return access_request


def access_requests_of(tenant) -> list[AccessibilityRequest]:
    """Open requests first, the nearest deadline first; then the answered ones, newest first."""
    statement = tenant_select(AccessibilityRequest, tenant).order_by(
        case((AccessibilityRequest.answered_at.is_(None), 0), else_=1),
        AccessibilityRequest.due_on, AccessibilityRequest.created_at.desc(), AccessibilityRequest.id.desc(),
    )
    return list(db.session.scalars(statement))


def answer_access_request(tenant, access_request: AccessibilityRequest, note: str, *, actor) -> None:
    ensure_permission(actor, ANSWER_ACCESSIBILITY_REQUESTS, tenant)
    if access_request.is_answered:
        raise ServiceValidationError.single("", str(_l("This request is already answered.")))
    if not note.strip():
        raise ServiceValidationError.single("note", str(_l("Say what was done or answered.")))
    access_request.answered_at = utcnow()
    access_request.answered_by_id = actor.id
    access_request.answer_note = note.strip()
    on_time = warsaw_today(access_request.answered_at) <= access_request.due_on
    record_audit(actor, tenant, "accessibility.answer", access_request, on_time=on_time)
    db.session.flush()
