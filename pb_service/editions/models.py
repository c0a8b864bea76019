"""An edition (one PB round), its dated phases, ballot levels, pools, categories and settings."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, ForeignKeyConstraint, Integer, Numeric, String, Text,
    UniqueConstraint, false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb_service.core.enums import LabelledEnum
from pb_service.core.models import TimestampMixin, UTCDateTime, utcnow, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.editions.rule_choices import DEFAULT_OUTCOME_RULE, TIE_BREAKS, VotingMethod
from pb_service.extensions import db


class Phase(LabelledEnum):
    """The statutory order of an edition; an edition is in exactly one phase at a time."""

    ANNOUNCED = "announced", _l("Announced")
    SUBMISSION = "submission", _l("Submission of proposals")
    FORMAL_REVIEW = "formal_review", _l("Formal review")
    MERIT_REVIEW = "merit_review", _l("Merit review")
    APPEALS = "appeals", _l("Appeals")
    VOTING = "voting", _l("Voting")
    RESULTS = "results", _l("Results")
    IMPLEMENTATION = "implementation", _l("Implementation")
    CLOSED = "closed", _l("Closed")


#: The dated phases, in order; each starts where the previous one ends.
DATED_PHASES = (
    Phase.SUBMISSION, Phase.FORMAL_REVIEW, Phase.MERIT_REVIEW, Phase.APPEALS,
    Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION,
)
#: The edition's column holding each dated phase's start; the last phase ends at ``closes_at``.
PHASE_START_COLUMNS = {phase: f"{phase.value}_starts_at" for phase in DATED_PHASES}


class LevelKind(LabelledEnum):
    CITY = "city", _l("City-wide")
    DISTRICT = "district", _l("Districts")
    THEMATIC = "thematic", _l("Thematic")


class Identification(LabelledEnum):
    """What voters give to identify themselves (courts allow no more than identifies a resident)."""

    #: First and last name, address, and a declaration of residence: the lawful baseline.
    NAME_ADDRESS = "name_address", _l("Name, address and a declaration of residence")
    #: Full PESEL (checksum, birth date and sex decoded), first and last name, declaration; parental
    #: consent for voters under 13 (as Warsaw).
    PESEL = "pesel", _l("PESEL number, name and a declaration of residence")
    #: The last four digits of PESEL, first and last name, address, declaration (as Poznań).
    PESEL_LAST4 = "pesel_last4", _l("Last four digits of PESEL, name, address and a declaration")


class Verification(LabelledEnum):
    """A one-time code the voter must enter before the ballot is accepted."""

    NONE = "none", _l("No one-time code")
    EMAIL_CODE = "email_code", _l("One-time code sent by e-mail")
    SMS_CODE = "sms_code", _l("One-time code sent by text message")


class BallotOrder(LabelledEnum):
    RANDOM_PER_VOTER = "random_per_voter", _l("A new random order for each voter")
    LOT = "lot", _l("One order drawn by lot and recorded")


class LeftoverPolicy(LabelledEnum):
    STAYS = "stays", _l("Stays unspent in the pool")
    MOVES_TO_POOL = "moves_to_pool", _l("Moves to another pool")
    NEXT_PROJECTS = "next_projects", _l("Funds the next projects by votes, if the municipality adds the difference")


#: Ballots of one district and channel mixed together, by default and at the least.
DEFAULT_MIXING_BATCH = 20
SMALLEST_MIXING_BATCH = 10


@dataclass(frozen=True)
class PhaseWindow:
    phase: Phase
    starts_at: datetime
    ends_at: datetime


class Edition(TenantOwned, TimestampMixin, db.Model):
    """One PB round of a municipality, e.g. "BO 2027"."""

    __tablename__ = "edition"
    __table_args__ = (
        UniqueConstraint("municipality_id", "id"),
        UniqueConstraint("municipality_id", "name"),
        CheckConstraint("appeal_days BETWEEN 1 AND 60", name="appeal_days"),
        CheckConstraint("identities_per_phone >= 1", name="identities_per_phone"),
        CheckConstraint("correction_days BETWEEN 1 AND 60", name="correction_days"),
        CheckConstraint("protest_days BETWEEN 1 AND 60", name="protest_days"),
        CheckConstraint(f"mixing_batch_size >= {SMALLEST_MIXING_BATCH}", name="mixing_batch_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public name, e.g. "Budżet Obywatelski 2027".
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    #: The budget year the projects are funded in.
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Introduction for residents (Markdown).
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: Council resolution that sets the rules, e.g. "Uchwała nr XII/123/2026".
    resolution: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    #: Unpublished editions are seen by officials only.
    is_published: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    submission_starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    formal_review_starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    merit_review_starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    appeals_starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    voting_starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    results_starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    implementation_starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: End of implementation: the edition is closed after it.
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    #: Days an author has to appeal a rejection (counted from the decision).
    appeal_days: Mapped[int] = mapped_column(Integer, default=7, nullable=False)
    #: Days an author has to correct a proposal returned for correction.
    correction_days: Mapped[int] = mapped_column(Integer, default=7, nullable=False)
    #: Days residents have to protest against the vote or the count, from the end of voting.
    protest_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7", nullable=False)

    # --- settings used by voting and results (locked once voting starts) ---
    identification: Mapped[Identification] = mapped_column(
        value_enum(Identification, 20), default=Identification.NAME_ADDRESS, nullable=False
    )
    verification: Mapped[Verification] = mapped_column(value_enum(Verification, 20), default=Verification.NONE, nullable=False)
    #: At most this many identities may vote with codes sent to one phone number (Wrocław: 5).
    identities_per_phone: Mapped[int] = mapped_column(Integer, default=5, nullable=False)
    #: Only people in the imported register of eligible voters may vote.
    voter_register_required: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: Whether ballots may be cast through the JSON API (integrations, load tests).
    api_ballots_enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: Paper ballots are entered twice, blind, by two clerks; mismatches go to a supervisor.
    paper_double_entry: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: Outcome rule name from :data:`pb_service.editions.rule_choices.OUTCOME_RULES`.
    outcome_rule: Mapped[str] = mapped_column(String(40), default=DEFAULT_OUTCOME_RULE, nullable=False)
    #: Imported from Pabulib files (analytics): counted with the files' own semantics, as the city
    #: counted (a pool's minimum is the file's threshold, on points, under greedy-threshold only;
    #: projects without votes are not left out), not with the app's minimum under every rule.
    imported_from_pabulib: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    #: Tie-break name from :data:`pb_service.editions.rule_choices.TIE_BREAKS`.
    tie_break: Mapped[str] = mapped_column(String(20), default=TIE_BREAKS[0], nullable=False)
    ballot_order: Mapped[BallotOrder] = mapped_column(
        value_enum(BallotOrder, 20), default=BallotOrder.RANDOM_PER_VOTER, nullable=False
    )
    #: The seed of the ballot order drawn by lot; set once, never changed (hex).
    ballot_lot_seed: Mapped[str | None] = mapped_column(String(64))
    leftover_policy: Mapped[LeftoverPolicy] = mapped_column(
        value_enum(LeftoverPolicy, 20), default=LeftoverPolicy.STAYS, nullable=False
    )
    #: Where leftover money goes when it moves to another pool (checked by the service: a foreign
    #: key here would make edition and pool reference each other).
    leftover_pool_id: Mapped[int | None] = mapped_column(Integer)
    #: Random salt of the edition's ballot-box keys, which derive from ``VOTER_SECRET`` outside the
    #: database (pb_service/voting/sealing.py): alone it confirms no identity. Never shown or exported.
    voter_salt: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(32), nullable=False)
    #: Ballots wait sealed until at least this many of one district and channel can enter the box
    #: together in random order (all of them at the close): the fewest ballots any one is hidden among.
    mixing_batch_size: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_MIXING_BATCH, server_default=str(DEFAULT_MIXING_BATCH), nullable=False
    )

    municipality = relationship("Municipality", overlaps="edition")

    levels: Mapped[list["Level"]] = relationship(
        back_populates="edition", order_by="Level.position, Level.id", cascade="all, delete-orphan"
    )
    pools: Mapped[list["Pool"]] = relationship(
        back_populates="edition", order_by="Pool.position, Pool.id", cascade="all, delete-orphan",
        foreign_keys="Pool.edition_id", overlaps="levels,pools",
    )
    categories: Mapped[list["Category"]] = relationship(
        back_populates="edition", order_by="Category.position, Category.id", cascade="all, delete-orphan"
    )

    def starts_at(self, phase: Phase) -> datetime:
        return getattr(self, PHASE_START_COLUMNS[phase])

    def ends_at(self, phase: Phase) -> datetime:
        index = DATED_PHASES.index(phase)
        return self.closes_at if index == len(DATED_PHASES) - 1 else self.starts_at(DATED_PHASES[index + 1])

    @property
    def phases(self) -> list[PhaseWindow]:
        return [PhaseWindow(phase, self.starts_at(phase), self.ends_at(phase)) for phase in DATED_PHASES]

    def phase_at(self, moment: datetime) -> Phase:
        if moment < self.submission_starts_at:
            return Phase.ANNOUNCED
        if moment >= self.closes_at:
            return Phase.CLOSED
        current = Phase.SUBMISSION
        for phase in DATED_PHASES:
            if moment >= self.starts_at(phase):
                current = phase
        return current

    @property
    def phase(self) -> Phase:
        """The current phase (dates are compared in UTC)."""
        return self.phase_at(utcnow())

    @property
    def protests_close_at(self) -> datetime:
        """The end of the protest window, which opens when voting ends."""
        return self.results_starts_at + timedelta(days=self.protest_days)

    @property
    def settings_locked(self) -> bool:
        """Voting rules cannot change once anyone may have voted under them."""
        return utcnow() >= self.voting_starts_at

    @property
    def total_budget(self) -> int:
        return sum(pool.budget for pool in self.pools)

    def __repr__(self) -> str:
        return f"<Edition {self.name}>"


class Level(TenantOwned, db.Model):
    """A ballot level: a voter votes in every city-wide level and in one pool of a district level."""

    __tablename__ = "edition_level"
    __table_args__ = (
        UniqueConstraint("municipality_id", "id"),
        UniqueConstraint("edition_id", "id"),
        ForeignKeyConstraint(
            ["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE"
        ),
        CheckConstraint("min_choices >= 0", name="min_choices"),
        CheckConstraint("max_choices IS NULL OR max_choices >= min_choices", name="max_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[LevelKind] = mapped_column(value_enum(LevelKind, 20), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    method: Mapped[VotingMethod] = mapped_column(value_enum(VotingMethod, 20), default=VotingMethod.APPROVAL, nullable=False)
    #: Fewest projects a valid ballot chooses (approval, knapsack).
    min_choices: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    #: Most projects a ballot chooses; empty for no limit (knapsack: the budget limits).
    max_choices: Mapped[int | None] = mapped_column(Integer)
    #: Points by rank for the ``points`` method, e.g. [3, 2, 1].
    points: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    #: Points to spread for the ``cumulative`` method, e.g. 5.
    total_points: Mapped[int | None] = mapped_column(Integer)
    #: Whether a ballot must use all its points (Kraków: all three choices).
    must_use_all: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: District budgets from a formula: {"total": grosze, "equal": %, "population": %, "area": %}.
    budget_formula: Mapped[dict | None] = mapped_column(JSON)

    edition: Mapped[Edition] = relationship(back_populates="levels", overlaps="levels")
    pools: Mapped[list["Pool"]] = relationship(
        back_populates="level", order_by="Pool.position, Pool.id", overlaps="edition,pools,levels",
        foreign_keys="Pool.level_id",
    )


class Pool(TenantOwned, db.Model):
    """A budget inside an edition: city-wide, one district, or a theme."""

    __tablename__ = "pool"
    __table_args__ = (
        UniqueConstraint("municipality_id", "id"),
        UniqueConstraint("edition_id", "id"),
        ForeignKeyConstraint(
            ["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["edition_id", "level_id"], ["edition_level.edition_id", "edition_level.id"]),
        CheckConstraint("budget >= 0", name="budget"),
        CheckConstraint("min_project_cost IS NULL OR min_project_cost >= 0", name="min_project_cost"),
        CheckConstraint("max_project_cost IS NULL OR max_project_cost >= 0", name="max_project_cost"),
        CheckConstraint(
            "max_project_cost_percent IS NULL OR max_project_cost_percent BETWEEN 1 AND 100",
            name="max_project_cost_percent",
        ),
        CheckConstraint("required_supporters >= 0", name="required_supporters"),
        CheckConstraint("min_votes >= 0", name="min_votes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    level_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: Budget in grosze.
    budget: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    #: Residents of the area the pool serves (the whole municipality for a city-wide pool).
    population: Mapped[int | None] = mapped_column(Integer)
    #: Area in km², for district budget formulas.
    area_km2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: Cheapest allowed project, in grosze.
    min_project_cost: Mapped[int | None] = mapped_column(BigInteger)
    #: Most expensive allowed project, in grosze.
    max_project_cost: Mapped[int | None] = mapped_column(BigInteger)
    #: Most expensive allowed project as a share of the budget (Warsaw: 80, 50 or 20 %).
    max_project_cost_percent: Mapped[int | None] = mapped_column(Integer)
    #: Supporters a proposal needs (at most 0.1 % of the pool's residents, by the act).
    required_supporters: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: Fewest votes a project needs to win.
    min_votes: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    edition: Mapped[Edition] = relationship(back_populates="pools", foreign_keys=[edition_id], overlaps="level,pools")
    level: Mapped[Level] = relationship(back_populates="pools", foreign_keys=[level_id], overlaps="edition,pools")

    @property
    def kind(self) -> LevelKind:
        return self.level.kind

    @property
    def max_cost(self) -> int | None:
        """The effective cap: the lower of the absolute and the percentage limit."""
        caps = []
        if self.max_project_cost is not None:
            caps.append(self.max_project_cost)
        if self.max_project_cost_percent is not None:
            caps.append(self.budget * self.max_project_cost_percent // 100)
        return min(caps) if caps else None

    def __repr__(self) -> str:
        return f"<Pool {self.name}>"


class Category(TenantOwned, db.Model):
    """A theme residents file proposals under, e.g. green, sport, culture."""

    __tablename__ = "category"
    __table_args__ = (
        UniqueConstraint("municipality_id", "id"),
        UniqueConstraint("edition_id", "id"),
        UniqueConstraint("edition_id", "name"),
        ForeignKeyConstraint(
            ["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    edition: Mapped[Edition] = relationship(back_populates="categories")
