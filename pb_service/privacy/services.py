"""A resident's data export and account deletion.

Deletion keeps the user row as an empty tombstone: proposals are public records of the PB
procedure and stay, attributed to "former resident". Online supports of proposals still
collecting support are withdrawn (the count may still change); supports of proposals whose
formal review has used the count stay, linked only to the tombstone, so that the documented
count does not change after the decision (see docs/security.md).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from pb_service.accounts.models import RecoveryCode, User
from pb_service.accounts.services import authenticate
from pb_service.accounts.twofactor import check_second_factor, requires_second_factor
from pb_service.core.audit import record_audit
from pb_service.core.models import utcnow
from pb_service.core.tenancy import cross_tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Phase
from pb_service.extensions import db
from pb_service.hub.models import EventRegistration, ExpertQuestion, LessonCompletion, RegistrationStatus
from pb_service.hub.services.events import cancel_registration
from pb_service.proposals.models import CoAuthor, Proposal, Status, Supporter

#: Reason given to the tenancy guard: a person's own data lives in several municipalities.
OWN_DATA = "the person's own data, across municipalities (GDPR access and erasure)"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _own_proposals(user: User) -> list[Proposal]:
    coauthored = cross_tenant_select(CoAuthor.proposal_id, reason=OWN_DATA).where(CoAuthor.user_id == user.id)
    statement = cross_tenant_select(Proposal, reason=OWN_DATA).where(
        or_(Proposal.author_id == user.id, Proposal.id.in_(coauthored))
    ).order_by(Proposal.id)
    return list(db.session.scalars(statement))


def _own_supports(user: User) -> list[Supporter]:
    statement = cross_tenant_select(Supporter, reason=OWN_DATA).where(Supporter.user_id == user.id).order_by(Supporter.id)
    return list(db.session.scalars(statement))


def export_data(user: User) -> dict:
    """Everything the service holds about ``user`` (art. 15 and 20 GDPR), as JSON-ready data."""
    proposals = _own_proposals(user)
    supports = _own_supports(user)
    registrations = db.session.scalars(select(EventRegistration).where(EventRegistration.user_id == user.id)).all()
    completions = db.session.scalars(select(LessonCompletion).where(LessonCompletion.user_id == user.id)).all()
    questions = db.session.scalars(
        cross_tenant_select(ExpertQuestion, reason=OWN_DATA).where(ExpertQuestion.asked_by_id == user.id)
    ).all()
    return {
        "account": {
            "email": user.email, "display_name": user.display_name, "locale": user.locale,
            "created_at": _iso(user.created_at), "confirmed_at": _iso(user.confirmed_at),
            "second_factor": user.has_second_factor, "programme_staff": user.is_staff,
        },
        "proposals": [
            {
                "municipality": p.edition.municipality.slug, "edition": p.edition.name, "id": p.id, "number": p.number,
                "title": p.title, "summary": p.summary, "description": p.description, "location": p.location,
                "status": p.status.value, "role": "author" if p.author_id == user.id else "co-author",
                "created_at": _iso(p.created_at), "submitted_at": _iso(p.submitted_at),
            }
            for p in proposals
        ],
        "supports": [
            {"proposal": s.proposal_id, "proposal_title": s.proposal.title, "given_at": _iso(s.created_at)} for s in supports
        ],
        "hub_event_registrations": [
            {"event": r.event_id, "status": r.status.value, "registered_at": _iso(r.registered_at), "attended": r.attended}
            for r in registrations
        ],
        "hub_lessons_completed": [{"lesson": c.lesson_id, "completed_at": _iso(c.completed_at)} for c in completions],
        "hub_questions": [
            {"subject": q.subject, "body": q.body, "asked_at": _iso(q.created_at), "answer": q.answer} for q in questions
        ],
    }


def _still_collecting(supporter: Supporter) -> bool:
    proposal = supporter.proposal
    return proposal.status is Status.SUBMITTED and proposal.edition.phase is Phase.SUBMISSION


def delete_account(user: User, password: str, code: str = "") -> None:
    """Erase a resident's account after the password (and second factor) prove it is theirs."""
    if requires_second_factor(user):
        raise ServiceValidationError.single(
            "", str(_l("Officials and programme staff cannot delete their account here: ask an administrator to remove your roles first."))
        )
    if authenticate(user.email, password) is None:
        raise ServiceValidationError.single("password", str(_l("The password is wrong.")))
    if user.has_second_factor:
        check_second_factor(user, code)
    # Places at hub events go to the people waiting for them, who are told.
    for registration in db.session.scalars(select(EventRegistration).where(EventRegistration.user_id == user.id)).all():
        if registration.status is not RegistrationStatus.CANCELLED and not registration.event.has_started():
            cancel_registration(registration, actor=user)
    withdrawn = 0
    for supporter in _own_supports(user):
        if _still_collecting(supporter):
            db.session.delete(supporter)
            withdrawn += 1
    db.session.execute(delete(EventRegistration).where(EventRegistration.user_id == user.id))
    db.session.execute(delete(LessonCompletion).where(LessonCompletion.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.email = f"deleted-{user.id}@invalid"
    user.display_name = ""
    user.password_hash = "!"  # no password hashes to this: nobody can sign in
    user.locale = ""
    user.totp_secret = user.totp_pending_secret = ""
    user.active = False
    user.deleted_at = utcnow()
    user.end_sessions()
    record_audit(user, None, "account.delete", user, supports_withdrawn=withdrawn)
    db.session.flush()
