"""Implementation of funded projects: officials' updates, photos, residents who follow a project.

Each update moves the proposal along the state machine where its status says so (selected →
in implementation → completed, or → abandoned), mails the project's followers, and refreshes
the edition's indicators.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from pb_service.analytics.indicators import refresh_implementation_indicators, updates_by_project
from pb_service.analytics.models import ImplementationPhoto, ImplementationStatus, ImplementationUpdate, ProjectFollower
from pb_service.analytics.permissions import REPORT_IMPLEMENTATION
from pb_service.core.audit import record_audit
from pb_service.core.mail import send_mail
from pb_service.core.jobs.queue import enqueue
from pb_service.core.permissions import ensure_permission
from pb_service.core.tenancy import edition_select, tenant_select
from pb_service.core.uploads import IMAGES_AND_PDF, save_upload
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition
from pb_service.extensions import db
from pb_service.proposals.models import Proposal, Stage, Status
from pb_service.proposals.workflow import proposal_url, transition

#: Proposal statuses of funded projects, whatever stage their implementation is in.
FUNDED_STATUSES = (Status.SELECTED, Status.IN_IMPLEMENTATION, Status.COMPLETED, Status.ABANDONED)
#: The proposal status each implementation status leads to.
PROPOSAL_STATUS = {
    ImplementationStatus.IN_PROGRESS: Status.IN_IMPLEMENTATION,
    ImplementationStatus.COMPLETED: Status.COMPLETED,
    ImplementationStatus.ABANDONED: Status.ABANDONED,
}
MAX_PHOTOS = 6
MAX_TEXT = 5_000


@dataclass
class UpdateData:
    status: ImplementationStatus
    percent_done: int = 0
    actual_cost: int | None = None
    started_on: date | None = None
    planned_end_on: date | None = None
    completed_on: date | None = None
    reason: str = ""
    note: str = ""


def funded_projects(tenant, edition: Edition) -> list[Proposal]:
    statement = edition_select(Proposal, edition, Proposal.status.in_(FUNDED_STATUSES))
    return list(db.session.scalars(statement.order_by(Proposal.pool_id, Proposal.number)))


def timeline(tenant, proposal: Proposal) -> list[ImplementationUpdate]:
    """The project's updates, newest first."""
    return list(reversed(updates_by_project(tenant, [proposal.id])[proposal.id]))


def current_status(updates: list[ImplementationUpdate]) -> ImplementationStatus:
    """The status of the latest update (``updates`` oldest first); planned before any."""
    return updates[-1].status if updates else ImplementationStatus.PLANNED


def _validate(proposal: Proposal, data: UpdateData, photos: list) -> None:
    errors: dict[str, list[str]] = {}
    if proposal.status not in FUNDED_STATUSES:
        errors[""] = [str(_l("Only funded projects have an implementation to report on."))]
    elif proposal.status in (Status.COMPLETED, Status.ABANDONED) and PROPOSAL_STATUS.get(data.status) != proposal.status:
        errors["status"] = [str(_l("The project is “%(status)s”; later updates can add notes and photos only.", status=proposal.status.label))]
    elif data.status is ImplementationStatus.PLANNED and proposal.status is Status.IN_IMPLEMENTATION:
        errors["status"] = [str(_l("Work has started; the project cannot be “planned” again."))]
    if not 0 <= data.percent_done <= 100:
        errors["percent_done"] = [str(_l("Give a percentage from 0 to 100."))]
    if data.actual_cost is not None and data.actual_cost < 0:
        errors["actual_cost"] = [str(_l("The cost cannot be negative."))]
    if data.status is ImplementationStatus.ABANDONED and len(data.reason.strip()) < 10:
        errors["reason"] = [str(_l("Say why the project was abandoned (at least 10 characters): residents are told."))]
    if data.status is ImplementationStatus.COMPLETED and data.completed_on is None:
        errors["completed_on"] = [str(_l("Give the date the project was completed."))]
    if data.started_on and data.completed_on and data.completed_on < data.started_on:
        errors["completed_on"] = [str(_l("The project cannot be completed before it started."))]
    for name in ("reason", "note"):
        if len(getattr(data, name)) > MAX_TEXT:
            errors[name] = [str(_l("Shorten this to %(limit)s characters.", limit=MAX_TEXT))]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [ngettext("Attach at most %(num)d file to one update.", "Attach at most %(num)d files to one update.", MAX_PHOTOS)]
    if errors:
        raise ServiceValidationError(errors)


def _move_proposal(tenant, proposal: Proposal, data: UpdateData, *, actor) -> None:
    """Take the state-machine steps the new status needs (selected → in implementation → completed)."""
    target = PROPOSAL_STATUS.get(data.status)
    if target is None or proposal.status is target:
        return
    justification = data.reason if target is Status.ABANDONED else data.note
    if target is Status.COMPLETED and proposal.status is Status.SELECTED:
        transition(tenant, proposal, Status.IN_IMPLEMENTATION, Stage.SYSTEM, "", actor=actor)
    transition(tenant, proposal, target, Stage.SYSTEM, justification, actor=actor)


def post_update(tenant, proposal: Proposal, data: UpdateData, photos: list = (), *, actor) -> ImplementationUpdate:
    """Record an update (with photos), move the proposal on, mail followers, refresh indicators."""
    ensure_permission(actor, REPORT_IMPLEMENTATION, tenant)
    photos = [photo for photo in photos if photo and getattr(photo, "filename", "")]
    _validate(proposal, data, photos)
    # Every file is checked before anything is written, so a refused file leaves no update behind.
    stored = [save_upload(photo, IMAGES_AND_PDF, field="photos", owner=tenant.id) for photo in photos]
    update = ImplementationUpdate(
        municipality_id=tenant.id, proposal_id=proposal.id, status=data.status, percent_done=data.percent_done,
        actual_cost=data.actual_cost, started_on=data.started_on, planned_end_on=data.planned_end_on,
        completed_on=data.completed_on, reason=data.reason.strip(), note=data.note.strip(), author_id=actor.id,
    )
    for upload in stored:
        update.photos.append(ImplementationPhoto(
            municipality_id=tenant.id, original_name=upload.original_name[:200], stored_name=upload.stored_name,
            content_type=upload.content_type, size=upload.size,
        ))
    db.session.add(update)
    _move_proposal(tenant, proposal, data, actor=actor)
    db.session.flush()
    record_audit(actor, tenant, "implementation.update", proposal, status=data.status.value, percent_done=data.percent_done)
    db.session.flush()
    # The fan-out is a job: the official's page answers at once, however many follow the project.
    enqueue("notify_implementation_followers", tenant.id, update.id)
    refresh_implementation_indicators(tenant, proposal.edition)
    return update


def notify_followers(tenant, proposal: Proposal, update: ImplementationUpdate) -> None:
    """One mail to each active follower (named by update and person: a job run again adds none)."""
    link = proposal_url(tenant, proposal)
    for follower in followers(tenant, proposal):
        person = follower.user
        if not person.is_active:
            continue
        send_mail(
            person.email, "implementation_update", person.locale or tenant.default_locale,
            proposal=proposal, update=update, municipality=tenant, person=person, link=link,
            mail_key=f"implementation-update:{update.id}:{person.id}",
        )


# --- following ------------------------------------------------------------------------------------


def followers(tenant, proposal: Proposal) -> list[ProjectFollower]:
    return list(db.session.scalars(tenant_select(ProjectFollower, tenant, ProjectFollower.proposal_id == proposal.id)))


def follower_of(tenant, proposal: Proposal, user) -> ProjectFollower | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    statement = tenant_select(ProjectFollower, tenant, ProjectFollower.proposal_id == proposal.id, ProjectFollower.user_id == user.id)
    return db.session.scalar(statement)


def follow(tenant, proposal: Proposal, *, actor) -> ProjectFollower:
    """The signed-in resident gets an e-mail on each update of a funded project (idempotent)."""
    if proposal.status not in FUNDED_STATUSES:
        raise ServiceValidationError.single("", str(_l("Only funded projects can be followed.")))
    existing = follower_of(tenant, proposal, actor)
    if existing is not None:
        return existing
    follower = ProjectFollower(municipality_id=tenant.id, proposal_id=proposal.id, user_id=actor.id)
    db.session.add(follower)
    db.session.flush()
    return follower


def unfollow(tenant, proposal: Proposal, *, actor) -> None:
    existing = follower_of(tenant, proposal, actor)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
