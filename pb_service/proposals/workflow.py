"""The proposal state machine: which steps exist, and taking one step.

Every step writes a :class:`ProposalEvent` (actor, time, justification), an audit event, and
tells the authors by e-mail once the step is taken. Phase and permission checks belong to
the services that call :func:`transition`; this module knows only the graph.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from pb_service.core.audit import record_audit
from pb_service.core.mail import send_mail
from pb_service.core.validation import ServiceValidationError
from pb_service.proposals.models import Proposal, ProposalEvent, Stage, Status

S = Status
#: status → the statuses one step can reach.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.MERIT_REVIEW, S.RETURNED, S.REJECTED, S.WITHDRAWN}),
    S.RETURNED: frozenset({S.SUBMITTED, S.MERIT_REVIEW, S.REJECTED, S.WITHDRAWN}),
    S.MERIT_REVIEW: frozenset({S.ADMITTED, S.RETURNED, S.REJECTED, S.WITHDRAWN}),
    S.REJECTED: frozenset({S.APPEALED, S.WITHDRAWN}),
    S.APPEALED: frozenset({S.MERIT_REVIEW, S.ADMITTED, S.REJECTED, S.WITHDRAWN}),
    S.ADMITTED: frozenset({S.SELECTED, S.NOT_SELECTED, S.WITHDRAWN}),
    S.SELECTED: frozenset({S.IN_IMPLEMENTATION, S.ABANDONED}),
    S.IN_IMPLEMENTATION: frozenset({S.COMPLETED, S.ABANDONED}),
    S.NOT_SELECTED: frozenset(),
    S.COMPLETED: frozenset(),
    S.ABANDONED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


def can_move(proposal: Proposal, to: Status) -> bool:
    return to in TRANSITIONS[proposal.status]


def transition(
    tenant,
    proposal: Proposal,
    to: Status,
    stage: Stage,
    justification: str = "", *,
    actor, checklist: dict | None = None,
    corrected_cost: int | None = None,
    deadline: datetime | None = None,
) -> ProposalEvent:
    """Take one step (not flushed: the caller flushes, then calls :func:`notify_authors`)."""
    if not can_move(proposal, to):
        raise ServiceValidationError.single(
            "",
            str(_l("A proposal that is “%(current)s” cannot become “%(new)s”.", current=proposal.status.label, new=to.label)),
        )
    event = ProposalEvent(
        municipality_id=tenant.id, proposal_id=proposal.id, stage=stage, from_status=proposal.status, to_status=to,
        actor_id=actor.id if actor is not None else None, justification=(justification or "").strip(),
        checklist=checklist or {}, corrected_cost=corrected_cost, deadline=deadline,
    )
    proposal.events.append(event)
    proposal.status = to
    proposal.deadline = deadline
    record_audit(
        actor, tenant, f"proposal.{to.value}", proposal,
        stage=stage.value, from_status=event.from_status.value, justification=event.justification,
    )
    return event


def last_event(proposal: Proposal, to: Status) -> ProposalEvent | None:
    """The latest step into ``to`` (e.g. who rejected it, at which stage)."""
    for event in reversed(proposal.events):
        if event.to_status is to:
            return event
    return None


def proposal_url(tenant, proposal: Proposal) -> str:
    """The proposal's page for links in mail (the path of ``proposals.detail``; mail has no request)."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/{tenant.slug}/proposals/{proposal.id}"


def notify_authors(tenant, proposal: Proposal, event: ProposalEvent) -> None:
    """Mail the author and co-authors about a committed step, each in their own language (one mail
    per step and person: a job run again adds none)."""
    people = [proposal.author] + [coauthor.user for coauthor in proposal.coauthors]
    for person in people:
        send_mail(
            person.email, "proposal_status", person.locale or tenant.default_locale,
            proposal=proposal, event=event, municipality=tenant, person=person, link=proposal_url(tenant, proposal),
            mail_key=f"proposal-event:{event.id}:{person.id}" if event.id else None,
        )
