"""Analytics: the indicators of each edition, Pabulib imports, municipal expenditure, and the
implementation of funded projects (updates, photos, followers).

:class:`EditionIndicators` holds one row per edition with published results, computed once (at
publication, on import, after an implementation update, or by ``flask pb analytics recompute``)
so that dashboards and the open-data API read aggregates only: no ballot, voter record or
proposal is read across municipalities.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, Date, Float, ForeignKey, ForeignKeyConstraint, Integer, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from pb_service.accounts.models import User
from pb_service.core.models import UTCDateTime, utcnow, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.editions.models import Edition, Pool
from pb_service.extensions import db
from pb_service.proposals.models import Proposal


def _edition_key() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE")


def _proposal_key() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["municipality_id", "proposal_id"], ["proposal.municipality_id", "proposal.id"], ondelete="CASCADE")


class PabulibImport(TenantOwned, db.Model):
    """One Pabulib file imported as one pool of an edition, with what its count showed."""

    __tablename__ = "pabulib_import"
    __table_args__ = (
        # A file is imported once, whoever imports it and under whatever name.
        UniqueConstraint("sha256"),
        _edition_key(),
        ForeignKeyConstraint(["municipality_id", "pool_id"], ["pool.municipality_id", "pool.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the file's bytes as read (after un-gzipping).
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The file's name (no directory), for the record.
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    pool_id: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: The rule as META names it (e.g. ``greedy-custom``); the edition holds the rule that computes it.
    file_rule: Mapped[str] = mapped_column(String(40), nullable=False)
    voters: Mapped[int] = mapped_column(Integer, nullable=False)
    projects: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The file's budget in grosze.
    budget: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The file's project ids marked ``selected=1``; None when the file has no ``selected`` column.
    selected_in_file: Mapped[list | None] = mapped_column(JSON)
    #: The file's project ids marked 2 or 3: funded outside the rule (reserve funds, extra money).
    selected_outside_rule: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    #: The file's project ids our count funded under the edition's rule.
    selected_by_count: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    #: Whether the file said how each voter voted (``voting_method``); else channels are unknown.
    has_channel: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: Whether the edition's files share one numbering of voters (a person in two files is one
    #: voter); False: each file numbers its own, so the edition's voters are not knowable; None:
    #: imported before this was checked (import the files again with ``--again``).
    voter_ids_shared: Mapped[bool | None] = mapped_column(Boolean)
    #: The file's META ``district`` ("" for a city-wide or thematic file): which districts an
    #: edition without a city-wide pool covers.
    district: Mapped[str] = mapped_column(String(120), default="", server_default="", nullable=False)

    edition: Mapped[Edition] = relationship()
    pool: Mapped[Pool] = relationship(foreign_keys=[pool_id], primaryjoin="PabulibImport.pool_id == Pool.id", overlaps="edition")

    @property
    def selection_matches(self) -> bool | None:
        """Whether our count funded exactly what the file says (None: the file does not say)."""
        if self.selected_in_file is None:
            return None
        return sorted(self.selected_in_file) == sorted(self.selected_by_count)


class MunicipalExpenditure(TenantOwned, db.Model):
    """The municipality's total expenditure in a budget year (the denominator of the budget share)."""

    __tablename__ = "municipal_expenditure"
    __table_args__ = (UniqueConstraint("municipality_id", "year"), CheckConstraint("amount > 0", name="amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Planned or executed expenditure of the municipality's budget, in grosze.
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)


#: ``EditionIndicators.voters_unknown``: the edition's Pabulib files number their voters each on
#: their own, so a person who voted in several pools cannot be recognised.
VOTERS_IDS_PER_FILE = "ids_per_file"
#: Imported from several files before voters were told apart across files.
VOTERS_NOT_CHECKED = "not_checked"


class EditionIndicators(TenantOwned, db.Model):
    """The indicators of one edition (docs/analytics.md defines each). Aggregates only.

    Counts of voters by age band and sex are stored already suppressed (a count under
    :data:`pb_service.analytics.indicators.SMALL_COUNT` is kept as null), so no reader of this
    table can see a small group.
    """

    __tablename__ = "edition_indicators"
    __table_args__ = (UniqueConstraint("edition_id"), _edition_key())

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: ``platform`` (run here) or ``pabulib`` (imported history: no proposal pipeline is known).
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    #: Imported without a city-wide pool and without every district of the municipality (as
    #: :data:`pb_service.analytics.registry.PB_DISTRICTS` knows them): voters of the other
    #: districts are missing, so turnout (over all residents) is understated.
    partial_coverage: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: Residents used for the per-resident figures and turnout (the municipality's, when computed).
    population: Mapped[int] = mapped_column(Integer, nullable=False)

    # --- money (grosze, except the ratios) ---
    budget_total: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Złoty per resident.
    budget_per_resident: Mapped[float] = mapped_column(Float, nullable=False)
    expenditure: Mapped[int | None] = mapped_column(BigInteger)
    #: Budget total / the municipality's expenditure in the year (0..1), when it was entered.
    budget_share_of_expenditure: Mapped[float | None] = mapped_column(Float)

    # --- proposals (unknown for imported editions) ---
    proposals_submitted: Mapped[int | None] = mapped_column(Integer)
    proposals_admitted: Mapped[int | None] = mapped_column(Integer)
    proposals_rejected: Mapped[int | None] = mapped_column(Integer)
    proposals_appealed: Mapped[int | None] = mapped_column(Integer)
    appeals_upheld: Mapped[int | None] = mapped_column(Integer)
    projects_on_ballot: Mapped[int] = mapped_column(Integer, nullable=False)

    # --- voting ---
    #: Why the voters are not knowable ("" when they are): :data:`VOTERS_IDS_PER_FILE` or
    #: :data:`VOTERS_NOT_CHECKED`. Then every count of voters below is null (never files added up).
    voters_unknown: Mapped[str] = mapped_column(String(20), default="", server_default="", nullable=False)
    #: People who voted, each once whatever the number of pools.
    voters: Mapped[int | None] = mapped_column(Integer)
    #: Voters / residents (0..1).
    turnout: Mapped[float | None] = mapped_column(Float)
    voters_online: Mapped[int | None] = mapped_column(Integer)
    voters_paper: Mapped[int | None] = mapped_column(Integer)
    voters_channel_unknown: Mapped[int | None] = mapped_column(Integer)
    invalid_ballots: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Projects chosen per voter, all pools together.
    votes_per_voter: Mapped[float | None] = mapped_column(Float)
    #: {age band: voters or null when under 10}; "unknown" for voters without an age.
    voters_by_age: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    #: {"F"/"M"/"unknown": voters or null when under 10}.
    voters_by_sex: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)

    # --- outcome ---
    funded_count: Mapped[int] = mapped_column(Integer, nullable=False)
    funded_cost: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Funded cost / budget total (0..1).
    funded_share: Mapped[float] = mapped_column(Float, nullable=False)
    leftover: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: {category: {"count", "cost"}} of funded projects ("" for no category).
    funded_by_category: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    #: {pool name: {"count", "cost", "budget"}}.
    funded_by_pool: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)

    # --- fairness ---
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    alternative_rule: Mapped[str | None] = mapped_column(String(40))
    #: Share of valid ballots with at least one funded project among their choices (0..1).
    fairness: Mapped[float | None] = mapped_column(Float)
    fairness_alternative: Mapped[float | None] = mapped_column(Float)

    # --- implementation ---
    impl_planned: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    impl_in_progress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    impl_completed: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    impl_abandoned: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: Completed / funded (0..1); null when nothing was funded.
    completion_rate: Mapped[float | None] = mapped_column(Float)
    #: Median days between the first planned end and the completion, of completed projects.
    median_delay_days: Mapped[float | None] = mapped_column(Float)
    #: Actual cost of completed projects with a known actual cost / their cost on the ballot.
    cost_ratio: Mapped[float | None] = mapped_column(Float)

    edition: Mapped[Edition] = relationship()

    @property
    def voters_known(self) -> bool:
        return not self.voters_unknown

    #: ``funded_by_category`` as rows, kept equal to it by :meth:`_category_rows`.
    categories: Mapped[list["EditionCategoryFunding"]] = relationship(
        back_populates="indicators", cascade="all, delete-orphan", order_by="EditionCategoryFunding.category"
    )

    @validates("funded_by_category")
    def _category_rows(self, _key: str, value: dict) -> dict:
        """Whenever ``funded_by_category`` is set, its rows follow (updated in place, so that a
        category kept across a recomputation is never deleted and inserted in one flush)."""
        existing = {row.category: row for row in self.categories}
        for category, entry in (value or {}).items():
            row = existing.pop(category, None)
            if row is None:
                row = EditionCategoryFunding(municipality_id=self.municipality_id, category=category)
                self.categories.append(row)
            row.count, row.cost = entry["count"], entry["cost"]
        for row in existing.values():
            self.categories.remove(row)
        return value


class EditionCategoryFunding(TenantOwned, db.Model):
    """An edition's funded projects in one category (a row of ``EditionIndicators.funded_by_category``),
    so that the database sums categories across thousands of editions without parsing JSON."""

    __tablename__ = "edition_category_funding"
    __table_args__ = (UniqueConstraint("indicators_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicators_id: Mapped[int] = mapped_column(ForeignKey("edition_indicators.id", ondelete="CASCADE"), index=True, nullable=False)
    #: The category's name as the edition had it ("" for projects without a category).
    category: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Funded projects in the category.
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Their cost on the ballot, in grosze.
    cost: Mapped[int] = mapped_column(BigInteger, nullable=False)

    indicators: Mapped[EditionIndicators] = relationship(back_populates="categories")


class ImplementationStatus(str, enum.Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"

    @property
    def label(self) -> str:
        return str(IMPLEMENTATION_STATUS_LABELS[self])


IMPLEMENTATION_STATUS_LABELS = {
    ImplementationStatus.PLANNED: _l("Planned"),
    ImplementationStatus.IN_PROGRESS: _l("In progress"),
    ImplementationStatus.COMPLETED: _l("Completed"),
    ImplementationStatus.ABANDONED: _l("Abandoned"),
}


class ImplementationUpdate(TenantOwned, db.Model):
    """An official's dated report on a funded project: status, progress, money, dates, note."""

    __tablename__ = "implementation_update"
    __table_args__ = (
        UniqueConstraint("municipality_id", "id"),
        _proposal_key(),
        CheckConstraint("percent_done BETWEEN 0 AND 100", name="percent_done"),
        CheckConstraint("actual_cost IS NULL OR actual_cost >= 0", name="actual_cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    status: Mapped[ImplementationStatus] = mapped_column(value_enum(ImplementationStatus, 20), nullable=False)
    percent_done: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: Money spent so far (or in total, once completed), in grosze.
    actual_cost: Mapped[int | None] = mapped_column(BigInteger)
    started_on: Mapped[date | None] = mapped_column(Date)
    #: When the project is planned to be finished (as known at this update).
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    #: Why the project was abandoned (required then; public).
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: Public note for residents.
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    proposal: Mapped[Proposal] = relationship(foreign_keys=[proposal_id], primaryjoin="ImplementationUpdate.proposal_id == Proposal.id")
    author: Mapped[User | None] = relationship()
    photos: Mapped[list["ImplementationPhoto"]] = relationship(
        back_populates="update", order_by="ImplementationPhoto.id", cascade="all, delete-orphan"
    )


class ImplementationPhoto(TenantOwned, db.Model):
    """A photo (or PDF) attached to an update; public, served by a view that checks the tenant."""

    __tablename__ = "implementation_photo"
    __table_args__ = (
        UniqueConstraint("stored_name"),
        ForeignKeyConstraint(
            ["municipality_id", "update_id"], ["implementation_update.municipality_id", "implementation_update.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    original_name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Random name under ``UPLOAD_FOLDER/<municipality_id>/``.
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)

    update: Mapped[ImplementationUpdate] = relationship(back_populates="photos")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ProjectFollower(TenantOwned, db.Model):
    """A resident who gets an e-mail on each implementation update of a project."""

    __tablename__ = "project_follower"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"), _proposal_key())

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user: Mapped[User] = relationship()
