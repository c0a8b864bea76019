"""Reading the indicators across municipalities: filters, sorting, the columns of every table.

This is the one cross-city code path of the service. It reads only :class:`EditionIndicators`
and its category rows (aggregates) joined with the public register of municipalities and the
editions' names, through :func:`cross_tenant_select` with its reason. The staff dashboard, the
open-data page, the exports and ``/api/v1/stats`` all use the same :data:`COLUMNS` and
:func:`edition_rows`; with thousands of editions a page reads one page of rows and each chart
only what it draws (docs/performance.md, "Analytics at scale").
"""
from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from pb_service.analytics.models import VOTERS_IDS_PER_FILE, VOTERS_NOT_CHECKED, EditionCategoryFunding, EditionIndicators
from pb_service.core.tenancy import cross_tenant_select
from pb_service.editions.models import Edition
from pb_service.extensions import db
from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship

REASON = "analytics: published indicators (aggregates) compared across municipalities"

#: Population classes (residents): the brackets national PB reports use.
POPULATION_CLASSES: dict[str, tuple[int, int | None, object]] = {
    "under-20k": (0, 20_000, _l("under 20,000 residents")),
    "20k-100k": (20_000, 100_000, _l("20,000–99,999 residents")),
    "100k-500k": (100_000, 500_000, _l("100,000–499,999 residents")),
    "500k-plus": (500_000, None, _l("500,000 residents or more")),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    #: How to show it: text, int, money (grosze), zloty (a float in złoty), percent (0..1), number.
    kind: str
    #: The SQL expression sorted by (None: not sortable).
    sort: object = None
    #: In the compact tables of the pages (every column goes to the exports and the API).
    compact: bool = False


I = EditionIndicators
COLUMNS: tuple[Column, ...] = (
    Column("municipality", _l("Municipality"), "text", func.lower(Municipality.name), True),
    Column("year", _l("Year"), "year", I.year, True),
    Column("edition", _l("Edition"), "text", func.lower(Edition.name)),
    Column("voivodeship", _l("Voivodeship"), "text", Municipality.voivodeship),
    Column("kind", _l("Kind of municipality"), "text", Municipality.kind),
    Column("population", _l("Population"), "int", I.population, True),
    Column("source", _l("Source"), "text", I.source),
    Column("budget_total", _l("Budget"), "money", I.budget_total, True),
    Column("budget_per_resident", _l("Budget per resident"), "zloty", I.budget_per_resident, True),
    Column("budget_share_of_expenditure", _l("Share of expenditure"), "percent", I.budget_share_of_expenditure, True),
    Column("proposals_submitted", _l("Proposals submitted"), "int", I.proposals_submitted),
    Column("proposals_admitted", _l("Proposals admitted"), "int", I.proposals_admitted),
    Column("proposals_rejected", _l("Proposals rejected"), "int", I.proposals_rejected),
    Column("proposals_appealed", _l("Appeals lodged"), "int", I.proposals_appealed),
    Column("appeals_upheld", _l("Appeals upheld"), "int", I.appeals_upheld),
    Column("projects_on_ballot", _l("Projects on the ballot"), "int", I.projects_on_ballot, True),
    Column("voters", _l("Voters"), "int", I.voters, True),
    Column("turnout", _l("Turnout"), "percent", I.turnout, True),
    Column("voters_online", _l("Voters online"), "int", I.voters_online),
    Column("voters_paper", _l("Voters on paper"), "int", I.voters_paper),
    Column("voters_channel_unknown", _l("Voters, channel unknown"), "int", I.voters_channel_unknown),
    Column("invalid_ballots", _l("Invalid ballots"), "int", I.invalid_ballots),
    Column("votes_per_voter", _l("Votes per voter"), "number", I.votes_per_voter),
    Column("funded_count", _l("Funded projects"), "int", I.funded_count, True),
    Column("funded_cost", _l("Cost of funded projects"), "money", I.funded_cost),
    Column("funded_share", _l("Share of the budget funded"), "percent", I.funded_share, True),
    Column("leftover", _l("Leftover"), "money", I.leftover),
    Column("rule", _l("Rule"), "text", I.rule),
    Column("fairness", _l("Voters with a funded project"), "percent", I.fairness, True),
    Column("alternative_rule", _l("Alternative rule"), "text", I.alternative_rule),
    Column("fairness_alternative", _l("Voters with a funded project under the alternative rule"), "percent", I.fairness_alternative),
    Column("impl_completed", _l("Completed"), "int", I.impl_completed),
    Column("impl_in_progress", _l("In progress"), "int", I.impl_in_progress),
    Column("impl_abandoned", _l("Abandoned"), "int", I.impl_abandoned),
    Column("completion_rate", _l("Completion rate"), "percent", I.completion_rate, True),
    Column("median_delay_days", _l("Median delay (days)"), "number", I.median_delay_days),
    Column("cost_ratio", _l("Actual cost / estimate"), "number", I.cost_ratio),
    Column("partial_coverage", _l("Only some districts imported"), "bool", I.partial_coverage),
    Column("voters_known", _l("Voters knowable"), "bool"),
    Column("voters_note", _l("Note on the voters"), "text"),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
SORTABLE = {column.key for column in COLUMNS if column.sort is not None}
DEFAULT_SORT = ("year", "desc")


@dataclass
class Filters:
    year: int | None = None
    voivodeship: Voivodeship | None = None
    kind: MunicipalityKind | None = None
    population_class: str | None = None
    #: Limit to one municipality (its profile).
    municipality_id: int | None = None
    #: Limit to these municipalities (a chart's series).
    municipality_ids: tuple[int, ...] | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "Filters":
        """Filters from query parameters; values that are not valid are ignored, never an error."""
        year = args.get("year", "")
        voivodeship = args.get("voivodeship", "")
        kind = args.get("kind", "")
        population_class = args.get("population_class", "")
        return cls(
            year=int(year) if year.isdigit() and len(year) == 4 else None,
            voivodeship=Voivodeship(voivodeship) if voivodeship in {v.value for v in Voivodeship} else None,
            kind=MunicipalityKind(kind) if kind in {k.value for k in MunicipalityKind} else None,
            population_class=population_class if population_class in POPULATION_CLASSES else None,
        )

    def as_args(self) -> dict[str, str]:
        args = {
            "year": str(self.year) if self.year else "",
            "voivodeship": self.voivodeship.value if self.voivodeship else "",
            "kind": self.kind.value if self.kind else "",
            "population_class": self.population_class or "",
        }
        return {key: value for key, value in args.items() if value}

    def criteria(self) -> list:
        criteria = []
        if self.year:
            criteria.append(I.year == self.year)
        if self.voivodeship:
            criteria.append(Municipality.voivodeship == self.voivodeship)
        if self.kind:
            criteria.append(Municipality.kind == self.kind)
        if self.population_class:
            low, high, _ = POPULATION_CLASSES[self.population_class]
            criteria.append(Municipality.population >= low)
            if high is not None:
                criteria.append(Municipality.population < high)
        if self.municipality_id:
            criteria.append(Municipality.id == self.municipality_id)
        if self.municipality_ids is not None:
            criteria.append(Municipality.id.in_(self.municipality_ids))
        return criteria


def sort_from_args(args: Mapping[str, str]) -> tuple[str, str]:
    key = args.get("sort", "")
    direction = args.get("direction", "")
    if key not in SORTABLE:
        return DEFAULT_SORT
    return key, "asc" if direction == "asc" else "desc"


#: The indicator table's own columns (no relationship is ever touched: reading one per row was
#: a query per row).
INDICATOR_COLUMNS = tuple(column.key for column in EditionIndicators.__table__.columns if column.key != "id")
#: The JSON columns: decoded per row, so they are read only where a reader needs them.
JSON_COLUMNS = ("voters_by_age", "voters_by_sex", "funded_by_category", "funded_by_pool")


def voters_note(voters_unknown: str) -> str:
    """The plain sentence that goes with an edition whose voters are not knowable ("" otherwise)."""
    if voters_unknown == VOTERS_IDS_PER_FILE:
        return _(
            "Voters not knowable: this edition's Pabulib files number their voters each on their own, so a person who "
            "voted in several pools cannot be recognised. Its files' voters are not added up, so no turnout is given."
        )
    if voters_unknown == VOTERS_NOT_CHECKED:
        return _(
            "Voters not known yet: this edition was imported from several files before a person who voted in several "
            "pools was counted once. Its files must be imported again; until then no turnout is given."
        )
    return ""


@dataclass(frozen=True)
class MunicipalityFacts:
    """The public register entry of a row's municipality (no ORM object: rows are plain data)."""

    name: str
    slug: str
    teryt: str
    voivodeship: Voivodeship
    kind: MunicipalityKind
    population: int


@dataclass
class EditionRow:
    """One edition's indicators with its municipality, ready for a table, a file or JSON.

    ``values`` holds every indicator by its column key (what the tables, files and the API show,
    with the municipality's name, voivodeship and kind as labels); ``row[key]`` reads it.
    """

    municipality: MunicipalityFacts
    values: dict = field(default_factory=dict)

    def __getitem__(self, key: str):
        return self.values[key]

    def get(self, key: str, default=None):
        return self.values.get(key, default)


def _row(record, json_columns: tuple[str, ...], labels: dict) -> EditionRow:
    mapping = record._mapping
    municipality = MunicipalityFacts(
        mapping["m_name"], mapping["m_slug"], mapping["m_teryt"], mapping["m_voivodeship"], mapping["m_kind"], mapping["m_population"]
    )
    values = {key: mapping[key] for key in INDICATOR_COLUMNS if key not in JSON_COLUMNS or key in json_columns}
    values.update(
        municipality=municipality.name, edition=mapping["edition_name"], voivodeship=labels[municipality.voivodeship],
        kind=labels[municipality.kind], slug=municipality.slug, teryt=municipality.teryt,
        voters_known=not values["voters_unknown"], voters_note=voters_note(values["voters_unknown"]),
    )
    return EditionRow(municipality, values)


def _rows_statement(filters: Filters, sort: tuple[str, str], json_columns: tuple[str, ...], extra: tuple = ()):
    key, direction = sort
    expression = COLUMNS_BY_KEY[key].sort
    ordered = expression.desc() if direction == "desc" else expression.asc()
    columns = [getattr(I, name) for name in INDICATOR_COLUMNS if name not in JSON_COLUMNS or name in json_columns]
    return (
        cross_tenant_select(
            *columns, Municipality.name.label("m_name"), Municipality.slug.label("m_slug"), Municipality.teryt.label("m_teryt"),
            Municipality.voivodeship.label("m_voivodeship"), Municipality.kind.label("m_kind"), Municipality.population.label("m_population"),
            Edition.name.label("edition_name"), reason=REASON,
        )
        .select_from(I)
        .join(Municipality, Municipality.id == I.municipality_id)
        .join(Edition, and_(Edition.id == I.edition_id, Edition.municipality_id == I.municipality_id))
        .where(*filters.criteria(), *extra)
        .order_by(expression.is_(None), ordered, func.lower(Municipality.name), I.year.desc(), I.edition_id)
    )


def edition_rows(
    filters: Filters, sort: tuple[str, str] = DEFAULT_SORT, limit: int | None = None, offset: int = 0,
    json_columns: tuple[str, ...] = JSON_COLUMNS, extra: tuple = (),
) -> list[EditionRow]:
    """The filtered editions' indicators, sorted (nulls last, then by name and year for a stable order).

    One query, plain rows (no ORM objects); only the JSON columns named in ``json_columns``
    (ages, sexes, categories, pools) are read and decoded.
    """
    statement = _rows_statement(filters, sort, json_columns, extra)
    if limit:
        statement = statement.limit(limit)
    if offset:
        statement = statement.offset(offset)
    # The labels in the reader's language, translated once per call instead of once per row.
    labels = {member: member.label for enum in (Voivodeship, MunicipalityKind) for member in enum}
    return [_row(record, json_columns, labels) for record in db.session.execute(statement)]


def count_editions(filters: Filters) -> int:
    statement = (
        cross_tenant_select(func.count(I.id), reason=REASON)
        .join(Municipality, Municipality.id == I.municipality_id)
        .where(*filters.criteria())
    )
    return db.session.scalar(statement) or 0


def largest_municipalities(filters: Filters, limit: int) -> tuple[tuple[int, ...], int]:
    """The ids of the ``limit`` most populous municipalities with a matching edition, and how
    many municipalities have one (for a chart that draws only the largest)."""
    matching = (
        cross_tenant_select(Municipality.id, Municipality.population, Municipality.name, reason=REASON)
        .select_from(I)
        .join(Municipality, Municipality.id == I.municipality_id)
        .where(*filters.criteria())
        .distinct()
        .subquery()
    )
    found = db.session.execute(
        cross_tenant_select(matching.c.id, func.count().over(), reason=REASON).order_by(matching.c.population.desc(), matching.c.name).limit(limit)
    ).all()
    return tuple(municipality_id for municipality_id, _ in found), (found[0][1] if found else 0)


def most_funded_reporting(filters: Filters, sort: tuple[str, str], limit: int) -> list[EditionRow]:
    """The editions that report on implementation with the most funded projects, in the table's
    order: every one tied with the ``limit``-th too, so that the chart picks exactly what it
    would pick from all rows."""
    reporting = (I.funded_count > 0, I.completion_rate.is_not(None))
    threshold = db.session.scalar(
        cross_tenant_select(I.funded_count, reason=REASON)
        .join(Municipality, Municipality.id == I.municipality_id)
        .where(*filters.criteria(), *reporting)
        .order_by(I.funded_count.desc())
        .offset(limit - 1)
        .limit(1)
    )
    extra = reporting + ((I.funded_count >= threshold,) if threshold is not None else ())
    return edition_rows(filters, sort, json_columns=(), extra=extra)


def category_totals(filters: Filters) -> tuple[dict[str, int], dict[str, int]]:
    """Cost and count of funded projects per category over the matching editions, summed by the
    database from the rows of :class:`EditionCategoryFunding` (no JSON is parsed)."""
    C = EditionCategoryFunding
    statement = (
        cross_tenant_select(C.category, func.sum(C.cost), func.sum(C.count), reason=REASON)
        .select_from(C)
        .join(I, I.id == C.indicators_id)
        .join(Municipality, Municipality.id == I.municipality_id)
        .where(*filters.criteria())
        .group_by(C.category)
    )
    costs, counts = {}, {}
    for category, total_cost, total_count in db.session.execute(statement):
        costs[category], counts[category] = int(total_cost or 0), int(total_count or 0)
    return costs, counts


def years_available() -> list[int]:
    statement = cross_tenant_select(I.year, reason=REASON).distinct().order_by(I.year.desc())
    return list(db.session.scalars(statement))


# --- a municipality among those of its kind --------------------------------------------------------

#: Indicators a municipality is compared on with the others of its kind.
PEER_INDICATORS = ("turnout", "budget_per_resident", "budget_share_of_expenditure", "funded_share", "fairness", "completion_rate")


@dataclass
class PeerStanding:
    column: Column
    value: float | None
    minimum: float
    lower_quartile: float
    median: float
    upper_quartile: float
    maximum: float
    peers: int
    #: 1 for the highest value among the peers.
    rank: int | None

    def position(self, value: float) -> float:
        """Where ``value`` sits on the box plot, in percent of its width (4 % margins)."""
        return 4 + 92 * (value - self.minimum) / ((self.maximum - self.minimum) or 1)


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """Lower quartile, median, upper quartile (inclusive method: defined for two values or more)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    lower, middle, upper = statistics.quantiles(values, n=4, method="inclusive")
    return lower, middle, upper


def peer_standing(municipality: Municipality) -> list[PeerStanding]:
    """Where the municipality's latest edition stands among the latest editions of municipalities
    of the same kind (each municipality counted once, by its latest edition)."""
    latest_year = (
        select(I.municipality_id, func.max(I.year).label("year")).group_by(I.municipality_id).subquery()
    )
    statement = (
        cross_tenant_select(I, reason=REASON)
        .join(latest_year, and_(latest_year.c.municipality_id == I.municipality_id, latest_year.c.year == I.year))
        .join(Municipality, Municipality.id == I.municipality_id)
        .where(Municipality.kind == municipality.kind)
        .order_by(I.municipality_id, I.edition_id)
    )
    latest: dict[int, EditionIndicators] = {}
    for row in db.session.scalars(statement):
        # Several editions in the latest year (e.g. a green budget): the first counts.
        latest.setdefault(row.municipality_id, row)
    own = latest.get(municipality.id)
    standings = []
    for key in PEER_INDICATORS:
        values = sorted(v for v in (getattr(row, key) for row in latest.values()) if v is not None)
        if not values:
            continue
        lower, middle, upper = quartiles(values)
        value = getattr(own, key) if own is not None else None
        rank = (sum(1 for v in values if v > value) + 1) if value is not None else None
        standings.append(PeerStanding(COLUMNS_BY_KEY[key], value, values[0], lower, middle, upper, values[-1], len(values), rank))
    return standings
