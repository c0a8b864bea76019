"""The dashboard's charts as plain numbers for inline SVG (no JavaScript): positions are computed
here, the templates only draw them; each chart comes with the rows of its data table.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import ngettext

from pb_service.analytics.queries import EditionRow

#: The SVG's own units: narrow enough that 15-unit labels stay legible when a phone scales it down.
WIDTH, HEIGHT = 480, 300
#: Left, right, top, bottom margins: room for the axes' labels.
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 16, 40
#: What the templates need to draw the frame (they draw, this module places).
FRAME = {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "x_labels": HEIGHT - 14}
MAX_SERIES = 8
MAX_POINTS = 400
MAX_BARS = 12
#: Colour-blind-safe palette (Okabe–Ito), one per series; shapes differ too.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D1F")


def nice_ceiling(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


@dataclass
class Axis:
    maximum: float
    ticks: list[tuple[float, float]]  # (value, position)


def _y_axis(maximum: float) -> Axis:
    top = nice_ceiling(maximum)
    ticks = [(top * i / 4, HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * i / 4) for i in range(5)]
    return Axis(top, ticks)


def _y(value: float, axis: Axis) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / axis.maximum


def _x(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    return LEFT + (WIDTH - LEFT - RIGHT) * (value - low) / span


@dataclass
class Series:
    name: str
    colour: str
    #: (year, turnout, x, y, partial): ``partial`` when the year's edition covers only some
    #: districts (its turnout over all residents is understated).
    points: list[tuple[int, float, float, float, bool]]

    @property
    def path(self) -> str:
        """The line through the years with full coverage only: a partly covered year is drawn as
        a hollow dot off the line, not as a dip of the line (a spike that is not real)."""
        parts, previous = [], None
        for year, _turnout, x, y, partial in self.points:
            if partial:
                continue
            parts.append(f"{'L' if previous is not None else 'M'}{x:.1f},{y:.1f}")
            previous = year
        return " ".join(parts)

    @property
    def has_partial(self) -> bool:
        return any(point[4] for point in self.points)


@dataclass
class LineChart:
    series: list[Series]
    #: The years labelled on the axis, with their x.
    years: list[tuple[int, float]]
    axis: Axis
    #: Municipalities left out to keep the chart readable.
    omitted: int = 0


def turnout_over_years(rows: list[EditionRow], municipalities: int | None = None) -> LineChart | None:
    """Turnout per year for the largest municipalities shown (their best-attended edition each year).

    ``rows`` may hold only the largest municipalities' editions; ``municipalities`` then says how
    many there are in all (for the note on those not drawn).
    """
    # Per municipality and year: (complete coverage?, turnout) of the best-attended edition, an
    # edition that covers every district before one that does not.
    by_city: dict[str, dict[int, tuple[bool, float]]] = defaultdict(dict)
    population: dict[str, int] = {}
    for row in rows:
        if row["turnout"] is None:
            continue
        years = by_city[row["municipality"]]
        years[row["year"]] = max(years.get(row["year"], (False, 0.0)), (not row["partial_coverage"], row["turnout"]))
        population[row["municipality"]] = row.municipality.population
    if not by_city:
        return None
    chosen = sorted(by_city, key=lambda name: (-population[name], name))[:MAX_SERIES]
    years = sorted({year for name in chosen for year in by_city[name]})
    low, high = years[0], years[-1]
    if low == high:
        low, high = low - 1, high + 1
    axis = _y_axis(max(turnout for name in chosen for _complete, turnout in by_city[name].values()))
    series = [
        Series(name, PALETTE[i % len(PALETTE)], [
            (year, turnout, _x(year, low, high), _y(turnout, axis), not complete)
            for year, (complete, turnout) in sorted(by_city[name].items())
        ])
        for i, name in enumerate(sorted(chosen))
    ]
    # At most about six labels across, so that they never overlap on a phone.
    step = math.ceil(len(years) / 6)
    labels = [(year, _x(year, low, high)) for year in years if (year - years[0]) % step == 0]
    return LineChart(series, labels, axis, (municipalities or len(by_city)) - len(chosen))


@dataclass
class ScatterPoint:
    row: EditionRow
    x: float
    y: float
    #: Budget per resident and turnout as the reader's language writes them (set by the view, used
    #: by the dot's title and the data table alike).
    labels: tuple[str, str] = ("", "")


@dataclass
class ScatterChart:
    points: list[ScatterPoint]
    x_axis: Axis
    y_axis: Axis
    omitted: int = 0


def budget_against_turnout(rows: list[EditionRow], total: int | None = None) -> ScatterChart | None:
    """The first :data:`MAX_POINTS` editions in the table's order; ``total``: how many match (when
    ``rows`` holds only the first ones). Editions whose voters are not knowable have no point."""
    shown = [row for row in rows[:MAX_POINTS] if row["turnout"] is not None]
    if not shown:
        return None
    x_max = nice_ceiling(max(row["budget_per_resident"] for row in shown))
    x_axis = Axis(x_max, [(x_max * i / 4, _x(x_max * i / 4, 0, x_max)) for i in range(5)])
    y_axis = _y_axis(max(row["turnout"] for row in shown))
    points = [ScatterPoint(row, _x(row["budget_per_resident"], 0, x_max), _y(row["turnout"], y_axis)) for row in shown]
    return ScatterChart(points, x_axis, y_axis, (len(rows) if total is None else total) - len(shown))


@dataclass
class Bar:
    label: str
    value: float
    #: Width in percent of the longest bar.
    width: float
    detail: dict = field(default_factory=dict)


def category_shares(rows: list[EditionRow]) -> list[Bar]:
    """Shares of the money for funded projects, by category, over all editions shown."""
    costs: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for category, entry in (row["funded_by_category"] or {}).items():
            costs[category] += entry["cost"]
            counts[category] += entry["count"]
    return category_bars(costs, counts)


def category_bars(costs: dict[str, int], counts: dict[str, int]) -> list[Bar]:
    """The bars of the category chart from each category's total cost and count of funded projects."""
    total = sum(costs.values())
    if not total:
        return []
    ranked = sorted(costs, key=lambda name: (-costs[name], name))
    top = ranked[:MAX_BARS]
    shares = [(name, costs[name] / total, counts[name], costs[name]) for name in top]
    if len(ranked) > MAX_BARS:
        rest = ranked[MAX_BARS:]
        # The rest in one bar that says what it holds (a bare "…" told the reader nothing).
        label = ngettext("%(num)d other category", "%(num)d other categories", len(rest))
        shares.append((label, sum(costs[n] for n in rest) / total, sum(counts[n] for n in rest), sum(costs[n] for n in rest)))
    biggest = max(share for _, share, _, _ in shares)
    return [Bar(name, share, 100 * share / biggest, {"count": count, "cost": cost}) for name, share, count, cost in shares]


@dataclass
class StackedBar:
    row: EditionRow
    #: (status key, count, share of funded projects, x offset in %, width in %)
    segments: list[tuple[str, int, float, float, float]]


IMPLEMENTATION_SEGMENTS = ("impl_completed", "impl_in_progress", "impl_planned", "impl_abandoned")


def implementation_rates(rows: list[EditionRow]) -> list[StackedBar]:
    """The funded projects of the editions with the most of them (among those that report on
    implementation), by implementation status."""
    funded = sorted((row for row in rows if row["funded_count"] and row["completion_rate"] is not None), key=lambda row: (-row["funded_count"], row["municipality"]))[:MAX_BARS]
    bars = []
    for row in funded:
        offset, segments = 0.0, []
        for key in IMPLEMENTATION_SEGMENTS:
            count = row[key]
            share = count / row["funded_count"]
            segments.append((key, count, share, offset * 100, share * 100))
            offset += share
        bars.append(StackedBar(row, segments))
    return bars
