"""The mail outbox and the jobs officials follow (a large count) with their progress."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pb_service.core.models import UTCDateTime, utcnow, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.extensions import db


class OutboxMail(db.Model):
    """One e-mail, rendered when it was decided and sent by a job.

    ``key`` names the mail (e.g. one implementation update to one follower): deciding it twice
    adds nothing, and a job run twice finds it sent. Rows are erased by the daily purge a week
    after they are sent (they hold an address).
    """

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    recipient: Mapped[str] = mapped_column(String(320), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: Sending attempts so far (each claim counts one).
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: A worker sending it holds it until then; a killed worker's claim runs out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(JOB_STATE_LABELS[self])


JOB_STATE_LABELS = {
    JobState.QUEUED: _l("waiting"),
    JobState.RUNNING: _l("running"),
    JobState.DONE: _l("finished"),
    JobState.FAILED: _l("failed"),
}


class TrackedJob(TenantOwned, db.Model):
    """A long job an official or programme staff started and follow: its state and progress
    (``done`` of ``total``).

    A municipality's job (a count) is behind its wall; a programme's job (a Pabulib import, which
    may create municipalities) has no municipality, as national audit events have none: only
    sessions that lifted the wall with a reason (staff pages, commands, jobs) see or write it.
    """

    __tablename__ = "tracked_job"
    __table_args__ = (
        CheckConstraint("municipality_id IS NOT NULL OR edition_id IS NULL", name="programme_job_has_no_edition"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The municipality whose job it is; empty for the programme's jobs.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True, nullable=True)
    #: What it does: ``count`` (the votes of an edition), ``measures`` (an edition's performance
    #: measures after its count), ``import`` (Pabulib files, the programme's).
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    state: Mapped[JobState] = mapped_column(value_enum(JobState, 10), default=JobState.QUEUED, nullable=False)
    done: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    total: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: A short outcome for the official: what was done, or why it failed.
    outcome: Mapped[str] = mapped_column(Text, default="", nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        """How far it is, in whole per cent (a job of nothing to do is at 100 % once done)."""
        if self.total:
            return 100 * min(self.done, self.total) // self.total
        return 100 if self.state is JobState.DONE else 0
