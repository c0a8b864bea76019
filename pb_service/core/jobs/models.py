"""The mail outbox and the jobs officials follow (a large count) with their progress."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text
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
    """A long job an official started and follows: its state and progress (``done`` of ``total``)."""

    __tablename__ = "tracked_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What it does: ``count`` (the votes of an edition).
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
