"""Stored results: one count per edition (per pool and per project), and residents' protests.

A count is *preliminary* until it is published. A recount replaces the preliminary count; a
published count is never changed or deleted: the services refuse it, and so does the session
itself (:func:`_refuse_changes_to_published`), whatever code tries.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, BigInteger, Boolean, ForeignKey, ForeignKeyConstraint, Integer, String, Text, UniqueConstraint, event, inspect,
)
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column, relationship

from pb_service.accounts.models import User
from pb_service.core.enums import LabelledEnum
from pb_service.core.models import UTCDateTime, utcnow, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.editions.models import Edition, Pool
from pb_service.extensions import db
from pb_service.proposals.models import Proposal


class PublishedResultError(RuntimeError):
    """Something tried to change or delete a published result."""


class ResultCount(TenantOwned, db.Model):
    """One count of an edition's valid ballots, all pools together."""

    __tablename__ = "result_count"
    __table_args__ = (
        # One count per edition: a recount replaces the preliminary one, so a published count,
        # which is never replaced, is the edition's only count for good.
        UniqueConstraint("edition_id"),
        UniqueConstraint("municipality_id", "id"),
        ForeignKeyConstraint(
            ["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: SHA-256 (hex) over the pools' ballot digests, one ``<pool id>:<digest>`` line per pool.
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Valid ballots read (a ballot with choices in several pools counts once).
    ballots: Mapped[int] = mapped_column(Integer, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: Who counted; empty for the system (``flask pb results compute``).
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Set once, on publication; from then on nothing in the count changes.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    edition: Mapped[Edition] = relationship()
    computed_by: Mapped[User | None] = relationship(foreign_keys=[computed_by_id])
    pools: Mapped[list["PoolResult"]] = relationship(
        back_populates="count", order_by="PoolResult.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def pool_result(self, pool_id: int) -> "PoolResult | None":
        return next((pool for pool in self.pools if pool.pool_id == pool_id), None)


class PoolResult(TenantOwned, db.Model):
    """The outcome of one pool: the rule and its parameters, the ballots' digest, the money."""

    __tablename__ = "pool_result"
    __table_args__ = (
        UniqueConstraint("count_id", "pool_id"),
        UniqueConstraint("municipality_id", "id"),
        ForeignKeyConstraint(["municipality_id", "count_id"], ["result_count.municipality_id", "result_count.id"], ondelete="CASCADE"),
        # No cascade: a pool with a result cannot be deleted on its own (deleting the edition removes both).
        ForeignKeyConstraint(["municipality_id", "pool_id"], ["pool.municipality_id", "pool.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    pool_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The pool's place in the edition (the order of pages and files).
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: The rules engine's name, e.g. ``greedy-threshold``.
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    #: What else decided the outcome: ``tie_breaking``, ``seed``, ``min_score`` (JSON numbers).
    parameters: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    #: Pabulib vote type of the ballots: ``approval``, ``scoring`` or ``cumulative``.
    vote_type: Mapped[str] = mapped_column(String(20), nullable=False)
    #: SHA-256 (hex) of the pool's ballots in canonical form (see docs/results.md).
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Valid ballots with a choice in this pool.
    voters: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The pool's own budget, in grosze.
    budget: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Leftover money moved here from other pools (leftover policy "moves to a pool"), in grosze.
    received: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    spent: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Money not spent (before any move to another pool), in grosze.
    leftover: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: What the municipality adds to fund the next project (leftover policy "next projects").
    top_up: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    #: The pool the leftover moved to, if it did.
    leftover_to_pool_id: Mapped[int | None] = mapped_column(Integer)
    #: The order ties were broken in, as the rules engine describes it.
    tie_breaking: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    #: Ties that decided the outcome: [{"projects", "winners", "settled_by", "context"}].
    ties: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    #: The anonymised ballots as a Pabulib file, with the rule in META (deferred: it is large).
    pabulib: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    pabulib_sha256: Mapped[str] = mapped_column(String(64), nullable=False)

    count: Mapped[ResultCount] = relationship(back_populates="pools")
    pool: Mapped[Pool] = relationship(foreign_keys=[pool_id], primaryjoin="PoolResult.pool_id == Pool.id")
    projects: Mapped[list["ProjectResult"]] = relationship(
        back_populates="pool_result", order_by="ProjectResult.rank", cascade="all, delete-orphan"
    )
    measures: Mapped["PoolMeasures | None"] = relationship(back_populates="pool_result", cascade="all, delete-orphan")

    @property
    def counted_budget(self) -> int:
        return self.budget + self.received

    @property
    def titles(self) -> dict[str, str]:
        """Project id (as in the ties and the file) → title."""
        return {str(project.proposal_id): project.proposal.title for project in self.projects}

    @property
    def remaining(self) -> int:
        """Money left at the end: none once the leftover has funded the next project."""
        return 0 if any(p.outcome is Outcome.FUNDED_FROM_LEFTOVER for p in self.projects) else self.leftover

    @property
    def funded(self) -> list["ProjectResult"]:
        return [project for project in self.projects if project.selected]

    @property
    def pabulib_filename(self) -> str:
        return f"edition-{self.count.edition_id}-pool-{self.pool_id}.pb"

    @property
    def measures_filename(self) -> str:
        return f"edition-{self.count.edition_id}-pool-{self.pool_id}-measures.json"


class PoolMeasures(TenantOwned, db.Model):
    """How far each project of a pool was from the other outcome (:mod:`pb_service.rules.measures`),
    computed once when the pool is counted, under the rule exactly as the count applied it.

    Pages, the API and the published files read these; nothing computes measures at a page view.
    """

    __tablename__ = "pool_measures"
    __table_args__ = (
        UniqueConstraint("pool_result_id"),
        ForeignKeyConstraint(
            ["municipality_id", "pool_result_id"], ["pool_result.municipality_id", "pool_result.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_result_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The rules engine's rule the measures are for (the pool's rule).
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Project id (as in the pool's file) → the engine's measures as they are (``as_dict()``),
    #: money in the file's units (złoty): ``selected``, ``max_winning_cost``, ``singleton_add``,
    #: ``optimist_add``, ``pessimist_add``, ``reasons`` and whatever the engine adds later.
    projects: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: CPU time the computation took, in milliseconds (for the record and docs/performance.md).
    cpu_milliseconds: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    pool_result: Mapped[PoolResult] = relationship(back_populates="measures")

    def of(self, proposal_id: int) -> dict | None:
        return self.projects.get(str(proposal_id))


class Outcome(LabelledEnum):
    """Why a project was or was not funded (the rules engine's statuses, plus the leftover)."""

    FUNDED = "funded", _l("Funded")
    #: Funded from the leftover, the municipality adding the difference.
    FUNDED_FROM_LEFTOVER = "funded_leftover", _l("Funded from the leftover money")
    DID_NOT_FIT = "did_not_fit", _l("Not funded: did not fit in the money left")
    UNDER_THRESHOLD = "under_threshold", _l("Not funded: fewer votes than the minimum")
    NOT_REACHED = "not_reached", _l("Not funded: the rule stopped before it")
    LOST_TIE = "lost_tie", _l("Not funded: lost a tie")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


class ProjectResult(TenantOwned, db.Model):
    """One project's votes, points and outcome in a pool's result."""

    __tablename__ = "project_result"
    __table_args__ = (
        UniqueConstraint("pool_result_id", "proposal_id"),
        ForeignKeyConstraint(
            ["municipality_id", "pool_result_id"], ["pool_result.municipality_id", "pool_result.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["municipality_id", "proposal_id"], ["proposal.municipality_id", "proposal.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_result_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    proposal_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: 1 for the highest score; the order of the results table.
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The cost on the ballot, in grosze.
    cost: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Voters who chose the project.
    votes: Mapped[int] = mapped_column(Integer, nullable=False)
    #: What greedy rules rank by: votes for approval ballots, the sum of points otherwise.
    score: Mapped[int] = mapped_column(BigInteger, nullable=False)
    outcome: Mapped[Outcome] = mapped_column(value_enum(Outcome, 20), nullable=False)
    #: The rules engine's own words (e.g. "did not fit: 120000 left"), for the record.
    detail: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    selected: Mapped[bool] = mapped_column(Boolean, nullable=False)

    pool_result: Mapped[PoolResult] = relationship(back_populates="projects")
    proposal: Mapped[Proposal] = relationship(foreign_keys=[proposal_id], primaryjoin="ProjectResult.proposal_id == Proposal.id")

    @property
    def measures(self) -> dict | None:
        """The project's stored performance measures (money in złoty, as in the pool's file), if any."""
        stored = self.pool_result.measures
        return stored.of(self.proposal_id) if stored else None


class ProtestStatus(LabelledEnum):
    PENDING = "pending", _l("Awaiting the panel's decision")
    UPHELD = "upheld", _l("Upheld")
    DISMISSED = "dismissed", _l("Dismissed")


class Protest(TenantOwned, db.Model):
    """A resident's protest against the conduct of the vote or the count, and the panel's decision.

    Published without the author's name: grounds, decision and justification are public.
    """

    __tablename__ = "result_protest"
    __table_args__ = (
        UniqueConstraint("edition_id", "number"),
        ForeignKeyConstraint(
            ["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["edition_id", "pool_id"], ["pool.edition_id", "pool.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    #: Number within the edition ("Protest No. 3").
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True, nullable=False)
    #: The pool concerned, if the protest is about one.
    pool_id: Mapped[int | None] = mapped_column(Integer)
    grounds: Mapped[str] = mapped_column(Text, nullable=False)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    status: Mapped[ProtestStatus] = mapped_column(value_enum(ProtestStatus, 10), default=ProtestStatus.PENDING, nullable=False)
    #: The panel's public justification.
    decision: Mapped[str] = mapped_column(Text, default="", nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    edition: Mapped[Edition] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    pool: Mapped[Pool | None] = relationship(foreign_keys=[pool_id], primaryjoin="Protest.pool_id == Pool.id", overlaps="edition")

    @property
    def is_decided(self) -> bool:
        return self.status is not ProtestStatus.PENDING


def _published_before_this_flush(count: ResultCount) -> bool:
    """Whether the count was already published in the database (not just being published now)."""
    history = inspect(count).attrs.published_at.history
    before = (history.deleted or history.unchanged or [None])[0]
    return before is not None


def _count_of(instance) -> ResultCount | None:
    if isinstance(instance, ResultCount):
        return instance
    if isinstance(instance, PoolResult):
        return instance.count
    if isinstance(instance, (ProjectResult, PoolMeasures)):
        return instance.pool_result.count if instance.pool_result is not None else None
    return None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published(session: Session, flush_context, instances) -> None:
    """The last line of defence: no flush may change or delete any part of a published count."""
    changed = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in [*changed, *session.deleted]:
        count = _count_of(obj)
        if count is not None and _published_before_this_flush(count):
            raise PublishedResultError(f"the published result of edition {count.edition_id} cannot change")
