"""Plain data classes for a participatory-budgeting election and its outcome.

Everything here is exact: money and points are ``int`` or :class:`fractions.Fraction`
(a ``Fraction`` only appears when a Pabulib file has decimal costs or budgets), so no rule
ever takes a decision on a rounded float.

The app builds an :class:`Instance` from database rows with :meth:`Instance.from_data`;
the Pabulib reader builds the same objects and keeps every optional column so that the
writer can reproduce the file.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

# A union type rather than typing.Union: typing is the engine's costliest import after dataclasses.
Number = int | Fraction

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
POINTS_VOTE_TYPES = ("cumulative", "scoring")
# A ballot only says which projects its voter chose.
APPROVAL_TYPES = ("approval", "choose-1")

# Pabulib marks a project that was withdrawn after the vote with this cost.
WITHDRAWN_COST = 999_999_999


def exact(value: Number) -> Number:
    """Return ``value`` as an ``int`` when it is integral, else as a ``Fraction``."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


@dataclass
class Project:
    """A project on the ballot.

    ``cost`` is in the smallest money unit the caller uses (an ``int``), or a ``Fraction``
    when a Pabulib file gives decimal costs.  ``fields`` keeps the optional Pabulib columns
    (name, category, votes, score, selected, ...) as the strings found in the file.
    """

    id: str
    cost: Number
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def withdrawn(self) -> bool:
        return self.cost == WITHDRAWN_COST

    @property
    def name(self) -> str:
        return self.fields.get("name", "")

    @property
    def published_selected(self) -> int | None:
        """The city's published outcome (Pabulib ``selected``: 0, 1, or the special 2/3)."""
        value = self.fields.get("selected", "").strip()
        return int(value) if value.isdigit() else None


@dataclass(slots=True)
class Ballot:
    """One ballot, or ``multiplicity`` identical ballots.

    ``projects`` lists the chosen project ids (best first for ordinal ballots; for points
    ballots in the file's order).  ``points`` is ``None`` except for cumulative and scoring
    ballots, where it gives the points of each project in the same order.  ``voter_id`` and
    ``fields`` (age, sex, voting_method, ...) only matter for Pabulib round trips.
    """

    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    multiplicity: int = 1
    voter_id: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.projects = tuple(self.projects)
        if self.points is not None:
            self.points = tuple(self.points)
            if len(self.points) != len(self.projects):
                raise ValueError("a ballot needs as many points as projects")
        if self.multiplicity < 1:
            raise ValueError("a ballot's multiplicity must be at least 1")


class Status(str, enum.Enum):
    """Why a project was or was not funded."""

    FUNDED = "funded"
    DID_NOT_FIT = "did not fit"
    UNDER_THRESHOLD = "under threshold"
    NOT_REACHED = "not reached"
    TIE = "lost a tie"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class ProjectOutcome:
    """The score a rule gave a project and what happened to it."""

    score: Number
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class Tie:
    """A tie that decided the outcome: the tied projects, those that won, what settled it.

    ``settled_by`` is ``"cost"`` (``"dearer"`` when the dearer project goes first),
    ``"votes"``, ``"lottery"`` (the seed is in the result's ``tie_breaking``) or ``"id"``
    (the lexicographic order that mimics pabutools).
    """

    projects: tuple[str, ...]
    winners: tuple[str, ...]
    settled_by: str
    context: str = ""


@dataclass
class Result:
    """The outcome of a rule on an instance."""

    rule: str
    budget: Number
    selected: list[str]
    outcomes: dict[str, ProjectOutcome]
    ties: list[Tie] = field(default_factory=list)
    tie_breaking: str = ""
    details: dict[str, object] = field(default_factory=dict)
    spent: Number = 0

    @property
    def leftover(self) -> Number:
        return exact(self.budget - self.spent)

    def as_dict(self) -> dict[str, object]:
        """The CLI's JSON shape: money as int, or as a decimal string when fractional."""
        return {
            "rule": self.rule,
            "budget": json_number(self.budget),
            "spent": json_number(self.spent),
            "leftover": json_number(self.leftover),
            "selected": list(self.selected),
        }


def json_number(value: Number) -> int | float | str:
    """Money for JSON output: an int, else a float when it prints as the exact decimal
    (``3160164.47``), else the exact decimal as a string.  Display only, never decisions."""
    value = exact(value)
    if isinstance(value, int):
        return value
    text = format_decimal(value)
    return float(text) if repr(float(text)) == text else text


def format_decimal(value: Number) -> str:
    """Write an exact number as Pabulib does (``827838.5``); raise if it is not decimal."""
    value = exact(value)
    if isinstance(value, int):
        return str(value)
    denominator = value.denominator
    digits = 0
    while denominator % 10 == 0 or denominator % 2 == 0 or denominator % 5 == 0:
        if denominator % 10 == 0:
            denominator //= 10
        elif denominator % 2 == 0:
            denominator //= 2
        else:
            denominator //= 5
        digits += 1
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    text = str(abs(scaled.numerator)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


@dataclass
class Instance:
    """A pool of one edition: projects, budget, vote type and ballots.

    ``meta`` holds every Pabulib META entry as a string (it may be empty for instances built
    by the app); ``budget`` and ``vote_type`` are the authoritative typed values.
    ``project_columns`` and ``vote_columns`` remember the optional column order for the writer.
    ``warnings`` lists what the Pabulib reader read anyway but a reader of the file should know
    (:class:`~pb_service.rules.pabulib.PabulibWarning`, each naming its line); it is not part
    of the election, so equal instances may differ in it.
    """

    budget: Number
    projects: dict[str, Project]
    ballots: list[Ballot]
    vote_type: str = "approval"
    meta: dict[str, str] = field(default_factory=dict)
    project_columns: list[str] = field(default_factory=list)
    vote_columns: list[str] = field(default_factory=list)
    warnings: list = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote type {self.vote_type!r}")
        if isinstance(self.projects, Mapping):
            self.projects = dict(self.projects)
        else:
            self.projects = {p.id: p for p in self.projects}
        self.ballots = list(self.ballots)

    @classmethod
    def from_data(
        cls,
        budget: Number,
        projects: Mapping[str, Number] | Iterable[tuple[str, Number]],
        ballots: Iterable[Sequence[str] | Mapping[str, Number]],
        vote_type: str = "approval",
        multiplicities: Iterable[int] | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> Instance:
        """Build an instance from plain data, as the app has it in its database.

        ``projects`` maps project id to cost (integers in the smallest money unit).  Each
        ballot is a list of project ids (approval, choose-1, ordinal best first) or a mapping
        project id -> points (cumulative, scoring).  ``multiplicities`` optionally gives how
        many voters cast each ballot, so identical ballots can be stored once.
        """
        items = projects.items() if isinstance(projects, Mapping) else projects
        project_list = [Project(str(pid), exact(Fraction(cost))) for pid, cost in items]
        ballot_list = list(ballots)
        counts = [1] * len(ballot_list) if multiplicities is None else list(multiplicities)
        if len(counts) != len(ballot_list):
            raise ValueError("one multiplicity per ballot is needed")
        built = []
        for ballot, count in zip(ballot_list, counts):
            if isinstance(ballot, Mapping):
                ids = tuple(str(pid) for pid in ballot)
                points = tuple(exact(Fraction(v)) for v in ballot.values())
                built.append(Ballot(ids, points, multiplicity=count))
            else:
                built.append(Ballot(tuple(str(pid) for pid in ballot), multiplicity=count))
        full_meta = dict(meta or {})
        full_meta.setdefault("vote_type", vote_type)
        full_meta.setdefault("budget", format_decimal(exact(Fraction(budget))))
        return cls(exact(Fraction(budget)), project_list, built, vote_type, full_meta)

    @property
    def rule(self) -> str:
        """The rule named in META (``unknown`` if absent)."""
        return self.meta.get("rule", "unknown").strip() or "unknown"

    @property
    def num_voters(self) -> int:
        return sum(b.multiplicity for b in self.ballots)

    def meta_number(self, key: str) -> Number | None:
        """A numeric META value (``min_project_score_threshold``, ``max_length``...)."""
        raw = self.meta.get(key, "").strip().replace(",", ".")
        if not raw:
            return None
        return exact(Fraction(raw))
