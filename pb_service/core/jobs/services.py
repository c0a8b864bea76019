"""Tracked jobs (an official follows them on a page) and the outbox's own retention."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from pb_service.core.models import utcnow
from pb_service.core.tenancy import across_tenants, allow_cross_tenant, cross_tenant_select, get_for_tenant, scoped_to, tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db
from pb_service.core.jobs import queue
from pb_service.core.jobs.models import JobState, OutboxMail, TrackedJob

log = logging.getLogger("pb_service.core.jobs")

#: Sent mail stays in the outbox this long (an address is personal data), then the purge erases it.
SENT_MAIL_KEPT = timedelta(days=7)


#: The reason a session reads or writes the programme's jobs (they belong to no municipality).
PROGRAMME_JOBS = "the programme's tracked jobs"


def start_tracked(tenant, kind: str, job_name: str, *, actor, edition=None, total: int = 0, args: tuple = ()) -> TrackedJob:
    """A tracked job of ``kind``, queued once the caller commits; its page shows the progress.

    ``tenant=None``: a job of the programme (no municipality), seen by programme staff only.
    The job is called with ``(municipality id or None, *args, tracked job id, actor id)``."""
    tracked = new_tracked(tenant, kind, actor=actor, edition=edition, total=total)
    queue.enqueue(job_name, tracked.municipality_id, *args, tracked.id, getattr(actor, "id", None))
    return tracked


def new_tracked(tenant, kind: str, *, actor, edition=None, total: int = 0) -> TrackedJob:
    """The row of a tracked job the caller runs itself (with :func:`run_tracked`), not the queue."""
    tracked = TrackedJob(
        municipality_id=tenant.id if tenant is not None else None, kind=kind,
        edition_id=edition.id if edition is not None else None, total=total, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(tracked)
    db.session.flush()
    return tracked


def tracked_job(tenant, job_id: int) -> TrackedJob | None:
    """The job of ``tenant`` (``None``: of the programme) with this id."""
    if tenant is not None:
        return get_for_tenant(db.session, TrackedJob, tenant, job_id)
    return db.session.scalar(_programme(cross_tenant_select(TrackedJob, reason=PROGRAMME_JOBS).where(TrackedJob.id == job_id)))


def programme_jobs(kind: str, limit: int = 20) -> list[TrackedJob]:
    """The programme's latest jobs of ``kind``, newest first."""
    statement = cross_tenant_select(TrackedJob, reason=PROGRAMME_JOBS).where(TrackedJob.kind == kind)
    return list(db.session.scalars(_programme(statement).order_by(TrackedJob.id.desc()).limit(limit)))


def _programme(statement):
    return statement.where(TrackedJob.municipality_id.is_(None))


def latest_job(tenant, kind: str, edition, *states: JobState) -> TrackedJob | None:
    """The latest job of ``kind`` for ``edition`` (in one of ``states``, if given)."""
    criteria = [TrackedJob.kind == kind, TrackedJob.edition_id == edition.id]
    if states:
        criteria.append(TrackedJob.state.in_(states))
    return db.session.scalars(tenant_select(TrackedJob, tenant, *criteria).order_by(TrackedJob.id.desc())).first()


def running_job(tenant, kind: str, edition) -> TrackedJob | None:
    """The unfinished job of ``kind`` for ``edition``, if one is queued or running."""
    return latest_job(tenant, kind, edition, JobState.QUEUED, JobState.RUNNING)


def _write_progress(tenant, job_id: int, **values) -> None:
    """In a worker: a short transaction of its own, so the page sees progress while the job's own
    transaction is still open. In-process (no broker) the request waits anyway: flush only."""
    if queue.running_in_worker():
        with Session(db.engine) as progress_session:
            allow_cross_tenant(progress_session, "job progress")
            progress_session.execute(_update(tenant, job_id).values(**values))
            progress_session.commit()
    else:
        db.session.execute(_update(tenant, job_id).values(**values))


def _update(tenant, job_id: int):
    statement = update(TrackedJob).where(TrackedJob.id == job_id)
    if tenant is None:
        return across_tenants(_programme(statement), reason=PROGRAMME_JOBS)
    return scoped_to(statement, tenant)


def run_tracked(tenant, job_id: int, work: Callable) -> None:
    """Run ``work(tenant, progress)`` for the tracked job: running, progress, then done or failed.
    ``tenant=None``: a job of the programme.

    A refusal (the service says why) ends the job as failed, without retries; anything else is
    recorded and raised again, so that the queue retries it with back-off."""
    tracked = tracked_job(tenant, job_id)
    if tracked is None or tracked.state is JobState.DONE:
        return  # done already: a job delivered twice does nothing the second time
    _write_progress(tenant, job_id, state=JobState.RUNNING, attempts=tracked.attempts + 1, outcome="")
    try:
        outcome = work(tenant, lambda done, total: _write_progress(tenant, job_id, done=done, total=total))
    except ServiceValidationError as refusal:
        db.session.rollback()
        message = " ".join(m for messages in refusal.errors.values() for m in messages)
        _finish(tenant, job_id, JobState.FAILED, message)
        return
    except Exception as error:
        db.session.rollback()
        _finish(tenant, job_id, JobState.FAILED, type(error).__name__)
        raise
    _finish(tenant, job_id, JobState.DONE, outcome or "")


def _finish(tenant, job_id: int, state: JobState, outcome: str) -> None:
    db.session.execute(_update(tenant, job_id).values(state=state, outcome=outcome[:1000], finished_at=utcnow()))
    db.session.commit()


def erase_sent_mail(now=None) -> int:
    """Erase mail sent more than :data:`SENT_MAIL_KEPT` ago (part of the daily purge)."""
    cutoff = (now or utcnow()) - SENT_MAIL_KEPT
    erased = db.session.execute(delete(OutboxMail).where(OutboxMail.sent_at < cutoff)).rowcount
    log.info("outbox: %d sent mails erased", erased)
    return erased
