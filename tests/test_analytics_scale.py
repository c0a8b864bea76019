"""Analytics with many editions: the comparison table and the stats API page, the exports stay
complete, and the charts (each read by a query of its own) equal the charts drawn from every row."""
from __future__ import annotations

import csv
import io
import re

import pytest

from pb_service.analytics import charts, queries
from pb_service.analytics.models import EditionCategoryFunding
from pb_service.analytics.queries import Filters
from pb_service.analytics.views import COMPACT_COLUMNS, TABLE_PAGE_SIZE, _charts
from pb_service.core.tenancy import tenant_select
from pb_service.municipalities.models import MunicipalityKind, Voivodeship
from tests.analytics_factories import make_indicators
from tests.factories import login, make_municipality, make_user

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases

YEARS = range(2014, 2025)  # 11 editions each
#: Cells per row of the table after the row heading (the year comes first).
COLUMNS_SHOWN = [column for column in COMPACT_COLUMNS if column.key != "municipality"]


@pytest.fixture
def many_editions(session):
    """10 municipalities × 11 editions (110): more than a page of the table, more municipalities
    than the turnout chart draws, more reporting editions than the implementation chart shows,
    with ties in the number of funded projects."""
    for n in range(10):
        kind = MunicipalityKind.CITY_WITH_POWIAT_RIGHTS if n % 2 == 0 else MunicipalityKind.URBAN
        town = make_municipality(session, name=f"Miasto {chr(ord('A') + n)}", kind=kind, population=100_000 + 10_000 * n,
                                 voivodeship=Voivodeship.POMORSKIE if n < 5 else Voivodeship.SLASKIE)
        for year in YEARS:
            make_indicators(
                session, town, year, voters=1_000 + 37 * n + 11 * (year - 2014), budget_total=1_000_000_00 + 1_000_00 * ((n * 7 + year) % 13),
                funded_count=3 + (n + year) % 5, impl_completed=1, impl_planned=2 + (n + year) % 5,
                completion_rate=1 / (3 + (n + year) % 5) if year < 2024 else None,
                funded_by_category={"Zieleń": {"count": 1, "cost": 100_00 * (n + 1)}, "Sport": {"count": 2, "cost": 50_00}},
            )
    staff = make_user(session, staff=True)
    session.commit()
    return staff


def test_the_table_pages_and_the_downloads_stay_complete(session, client, many_editions):
    login(client, many_editions)
    first = client.get("/staff/analytics/?sort=voters&direction=desc", headers={"Accept-Language": "en"}).get_data(as_text=True)
    table = first.split("Editions and their indicators")[1].split("</table>")[0]
    assert table.count('<th scope="row">') == TABLE_PAGE_SIZE == 100
    assert "110 editions" in first and "Page 1 of 2" in first
    # The scatter plot's first dot: Miasto J 2024, 1,007,000 zł for 190,000 residents, 1,443 voters.
    assert "<title>Miasto J 2024: PLN\xa05.30, 0.8%</title>" in first
    assert '<a href="/staff/analytics/?page=2&amp;sort=voters&amp;direction=desc" rel="next">Next</a>' in first
    second = client.get("/staff/analytics/?sort=voters&direction=desc&page=2", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = second.split("Editions and their indicators")[1].split("</table>")[0]
    assert rows.count('<th scope="row">') == 10
    # The fewest voters come last: Miasto A in 2014 (1,000).
    assert rows.rindex("Miasto A") > rows.rindex("Miasto B")

    exported = client.get("/staff/analytics/?sort=voters&direction=desc&format=csv", headers={"Accept-Language": "en"}).get_data(as_text=True)
    lines = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert len(lines) == 110
    assert (lines[0]["Municipality"], lines[0]["Year"], lines[0]["Voters"]) == ("Miasto J", "2024", str(1_000 + 37 * 9 + 11 * 10))
    assert (lines[-1]["Municipality"], lines[-1]["Year"], lines[-1]["Voters"]) == ("Miasto A", "2014", "1000")


def test_stats_api_pages_its_answer(session, client, many_editions):
    first = client.get("/api/v1/stats/editions?sort=voters&direction=asc").get_json()
    assert (first["count"], first["page"], first["pages"], first["per_page"], len(first["editions"])) == (110, 1, 2, 100, 100)
    assert (first["editions"][0]["municipality"], first["editions"][0]["year"], first["editions"][0]["voters"]) == ("Miasto A", 2014, 1_000)
    second = client.get("/api/v1/stats/editions?sort=voters&direction=asc&page=2").get_json()
    assert [e["voters"] for e in second["editions"]] == sorted(1_000 + 37 * n + 11 * (year - 2014) for n in range(10) for year in YEARS)[100:]
    small = client.get("/api/v1/stats/editions?kind=urban&year=2020&per_page=2&page=3").get_json()
    assert (small["count"], small["pages"], [e["municipality"] for e in small["editions"]]) == (5, 3, ["Miasto J"])
    assert small["editions"][0]["funded_by_category"] == {"Zieleń": {"count": 1, "cost": 1_000_00}, "Sport": {"count": 2, "cost": 50_00}}
    assert client.get("/api/v1/stats/editions?per_page=501").status_code == 422
    assert client.get("/api/v1/stats/editions?page=0").status_code == 422


@pytest.mark.parametrize("args", [{}, {"year": "2020"}, {"kind": "urban", "sort": "turnout", "direction": "asc"}, {"voivodeship": "24", "sort": "completion_rate"}])
def test_the_charts_read_by_their_own_queries_equal_the_charts_of_every_row(app, session, many_editions, args):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        filters, sort = Filters.from_args(args), queries.sort_from_args(args)
        every = queries.edition_rows(filters, sort)
        every_year = queries.edition_rows(Filters(**{**vars(filters), "year": None}), sort)
        drawn = _charts(filters, sort, len(every))

        line = charts.turnout_over_years(every_year)
        assert [(s.name, s.points) for s in drawn["line"].series] == [(s.name, s.points) for s in line.series]
        assert (drawn["line"].years, drawn["line"].omitted) == (line.years, line.omitted)
        assert line.omitted == (2 if not args.get("kind") and not args.get("voivodeship") else 0)

        scatter = charts.budget_against_turnout(every)
        assert [(p.row["edition_id"], p.x, p.y) for p in drawn["scatter"].points] == [(p.row["edition_id"], p.x, p.y) for p in scatter.points]
        assert drawn["scatter"].omitted == scatter.omitted == 0

        assert drawn["categories"] == charts.category_shares(every)
        assert [(b.row["edition_id"], b.segments) for b in drawn["implementation_bars"]] == [
            (b.row["edition_id"], b.segments) for b in charts.implementation_rates(every)
        ]
        assert len(drawn["implementation_bars"]) == min(12, sum(1 for row in every if row["completion_rate"] is not None))


def test_the_category_chart_sums_every_matching_edition(app, session, many_editions):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        costs, counts = queries.category_totals(Filters(year=2020))
    # Ten editions of 2020: Zieleń 100 zł × (1 + … + 10), Sport 50 zł each.
    assert costs == {"Zieleń": 5_500_00, "Sport": 500_00}
    assert counts == {"Zieleń": 10, "Sport": 20}
    [green, sport] = charts.category_bars(costs, counts)
    assert (green.label, green.value, green.width, sport.label, sport.value) == ("Zieleń", 5_500 / 6_000, 100.0, "Sport", 500 / 6_000)


def test_pages_past_the_charted_editions_are_read_on_their_own(session, client):
    """501 editions: the first 400 (the scatter plot's) serve pages 1-4; pages 5 and 6 are read apart."""
    town = make_municipality(session, name="Miasto Długie", population=500_000)
    for year in range(1600, 2101):
        make_indicators(session, town, year, voters=1_000 + year, budget_total=1_000_000_00)
    session.commit()
    fourth = client.get("/open-data/?page=4", headers={"Accept-Language": "en"}).get_data(as_text=True)
    fifth = client.get("/open-data/?page=5", headers={"Accept-Language": "en"}).get_data(as_text=True)
    sixth = client.get("/open-data/?page=6", headers={"Accept-Language": "en"}).get_data(as_text=True)

    def years(page: str) -> list[int]:
        table = page.split("Editions and their indicators")[1].split("</table>")[0]
        cells = re.findall(r'<td class="num[^"]*" data-label="[^"]*">(.*?)</td>', table)
        return [int(cell) for cell in cells[::len(COLUMNS_SHOWN)]]

    # Newest first: 2100 .. 1600.
    assert years(fourth) == list(range(1800, 1700, -1))
    assert years(fifth) == list(range(1700, 1600, -1))
    assert years(sixth) == [1600]
    past_the_end = client.get("/open-data/?page=60", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert years(past_the_end) == [1600] and "Page 6 of 6" in past_the_end
    assert "501 editions" in sixth and "Page 6 of 6" in sixth


def test_category_rows_follow_the_indicators_json(session):
    town = make_municipality(session)
    row = make_indicators(session, town, 2024, voters=100, budget_total=1_000_00,
                          funded_by_category={"Zieleń": {"count": 1, "cost": 300_00}, "Sport": {"count": 2, "cost": 700_00}})
    assert sorted((c.category, c.count, c.cost) for c in row.categories) == [("Sport", 2, 700_00), ("Zieleń", 1, 300_00)]
    [kept] = [c for c in row.categories if c.category == "Zieleń"]
    row.funded_by_category = {"Zieleń": {"count": 2, "cost": 900_00}, "": {"count": 1, "cost": 100_00}}
    session.commit()
    session.expire_all()
    found = session.scalar(tenant_select(EditionCategoryFunding, town, EditionCategoryFunding.category == "Zieleń"))
    assert found.id == kept.id
    assert [(c.category, c.count, c.cost) for c in session.scalars(
        tenant_select(EditionCategoryFunding, town).order_by(EditionCategoryFunding.category))] == [("", 1, 100_00), ("Zieleń", 2, 900_00)]
    session.delete(row)
    session.commit()
    assert session.scalars(tenant_select(EditionCategoryFunding, town)).all() == []
