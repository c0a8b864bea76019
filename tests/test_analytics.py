"""Analytics: importing real Pabulib files, the indicators of an edition, the dashboard, exports, API."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from pb_service.analytics.implementation import UpdateData, post_update
from pb_service.analytics.importer import import_pabulib
from pb_service.analytics.indicators import suppress_small_counts
from pb_service.analytics.models import EditionIndicators, ImplementationPhoto, ImplementationStatus, PabulibImport
from pb_service.analytics.services import set_expenditure
from pb_service.core.jobs.models import JobState, TrackedJob
from pb_service.core.jobs.services import new_tracked
from pb_service.core.permissions import SYSTEM
from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_select, tenant_select
from pb_service.editions.models import Phase
from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship
from pb_service.proposals.models import ProposalEvent, Stage, Status
from pb_service.results.models import ResultCount
from pb_service.results.services import compute_results, publish_results
from pb_service.rules import Instance, compute, read_pabulib
from pb_service.voting.models import Ballot, Channel, VoterRecord
from tests.analytics_factories import make_indicators
from tests.editions_factories import PNG_BYTES, make_edition, make_level, make_pool, make_proposal
from tests.factories import login, make_municipality, make_official, make_user
from tests.results_factories import admitted_projects, cast_ballot

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases

DATA = Path(__file__).parent / "data"
#: Real files of different shapes: approval with a threshold, choose-1 with the cities' own rule,
#: cumulative (selected 2/3 marks), ordinal 3/2/1, equal shares with completion, no selected column.
REAL_FILES = [
    "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb",
    "Poland_Gdynia_2022_Witomino__small.pb",
    "Poland_Katowice_2024_Zarzecze.pb",
    "Poland_Lodz_2024_Nad_Nerem.pb",
    "Poland_Krakow_2020_Bronowice.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Czestochowa_2020_Grabowka.pb",
]


def _imported_edition(session, filename: str):
    record = session.scalar(cross_tenant_select(PabulibImport, reason="test").where(PabulibImport.filename == filename))
    return record, record.edition


@pytest.mark.parametrize("filename", REAL_FILES)
def test_a_real_file_is_imported_as_the_city_published_it(session, client, filename):
    instance = read_pabulib(DATA / filename)
    reports = import_pabulib([DATA / filename])
    assert [(r.status, r.message.split(":")[0]) for r in reports][0][0] == "imported", reports[0].message
    record, edition = _imported_edition(session, filename)
    municipality = edition.municipality

    # Voters, projects and budget as META and the sections say.
    assert record.voters == int(instance.meta["num_votes"]) == len(instance.ballots)
    assert record.projects == int(instance.meta["num_projects"]) == len(instance.projects)
    voters = session.scalar(tenant_select(VoterRecord, municipality).with_only_columns(func.count()).where(VoterRecord.edition_id == edition.id))
    ballots = session.scalar(tenant_select(Ballot, municipality).with_only_columns(func.count()).where(Ballot.edition_id == edition.id))
    assert voters == ballots == record.voters
    assert edition.total_budget == round(instance.budget * 100)
    assert edition.year == int(instance.meta["instance"])

    # The count funds what the city funded (files without a selected column: what the rule funds).
    count = session.scalar(tenant_select(ResultCount, municipality, ResultCount.edition_id == edition.id))
    assert count.is_published
    expected = [pid for pid, p in instance.projects.items() if p.published_selected == 1]
    if expected:
        assert sorted(record.selected_by_count) == sorted(expected)
        assert record.selection_matches is True
    else:
        assert record.selected_in_file is None
        assert sorted(record.selected_by_count) == sorted(compute(instance).selected)
    assert record.selected_outside_rule == sorted(pid for pid, p in instance.projects.items() if p.published_selected in (2, 3))

    # The stats API answers with the same numbers.
    answer = client.get(f"/api/v1/stats/municipalities/{municipality.slug}").get_json()
    [stats] = [e for e in answer["editions"] if e["edition_id"] == edition.id]
    assert stats["voters"] == record.voters
    assert stats["projects_on_ballot"] == record.projects
    assert stats["budget_total"] == edition.total_budget
    assert stats["funded_count"] == len(record.selected_by_count)
    assert stats["source"] == "pabulib" and stats["proposals_submitted"] is None
    assert answer["teryt"] == municipality.teryt


def test_import_is_idempotent_and_files_of_one_edition_go_together(session):
    files = [DATA / "Poland_Katowice_2024_Zarzecze.pb", DATA / "Poland_Katowice_2024_Welnowiec_-_Jozefowiec.pb"]
    first = import_pabulib(files)
    assert [r.status for r in first] == ["imported", "imported"]
    assert first[0].record.edition_id == first[1].record.edition_id
    edition = first[0].record.edition
    assert [pool.name for pool in edition.pools] == ["Zarzecze", "Wełnowiec - Józefowiec"]
    indicators = session.scalar(tenant_select(EditionIndicators, edition.municipality, EditionIndicators.edition_id == edition.id))
    assert indicators.voters == 504 + 1685
    assert indicators.partial_coverage is True

    again = import_pabulib(files)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert session.scalar(cross_tenant_select(func.count(PabulibImport.id), reason="test")) == 2
    assert session.scalar(cross_tenant_select(func.count(Ballot.id), reason="test")) == 504 + 1685


def test_a_bad_file_is_reported_and_the_others_still_import(session, tmp_path):
    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\ndescription;x\n", encoding="utf-8")
    foreign = DATA / "Switzerland_Zurich_D10.pb"
    good = DATA / "Poland_Lodz_2024_Nad_Nerem.pb"
    reports = import_pabulib([broken, foreign, tmp_path / "missing.pb", good])
    assert [r.status for r in reports] == ["failed", "failed", "failed", "imported"]
    assert reports[0].message == "broken.pb, line 3: the file has no PROJECTS section"
    assert reports[1].message == "the file is from Switzerland; name the municipality with --municipality"
    assert reports[2].message.startswith("cannot read the file")
    assert reports[3].record.voters == 298


def test_command_reports_each_file_and_a_summary(app, session, tmp_path):
    broken = tmp_path / "broken.pb"
    broken.write_text("not a pabulib file", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["pb", "import-pabulib", str(broken), str(DATA / "Poland_Gdynia_2022_Witomino__small.pb")])
    assert result.exit_code == 1
    # A line per file as it is done (a terminal and a log alike), then the summary.
    assert "[1/2] failed   broken.pb: broken.pb, line 1: expected the section title META\n" in result.output
    assert "imported Poland_Gdynia_2022_Witomino__small.pb: Budżet Obywatelski 2022, Witomino | small: 861 voters, 4 projects" in result.output
    assert "Summary: 1 imported, 0 skipped (imported before), 1 failed; 0 with a selection that differs from the file." in result.output


def test_an_import_left_to_the_queue_runs_as_a_job_of_the_programme_with_its_progress_page(app, session, client, caplog):
    # No broker here: the job runs in the command's process right after its commit.
    caplog.set_level("INFO", logger="pb_service.core.jobs")
    result = app.test_cli_runner().invoke(args=["pb", "import-pabulib", "--queue", str(DATA / "Poland_Gdynia_2022_Witomino__small.pb")])
    assert result.exit_code == 0, result.output
    job = session.scalars(cross_tenant_select(TrackedJob, reason="test: the import's job")).one()
    assert result.output == f"1 files left to a worker (job import_pabulib); progress: /staff/analytics/imports/{job.id}\n"
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("pabulib import")]
    assert lines[0].startswith("pabulib import: imported Poland_Gdynia_2022_Witomino__small.pb: Budżet Obywatelski 2022, Witomino | small: 861 voters")
    # The programme's job: no municipality, though the import created one.
    assert (job.municipality_id, job.kind, job.state, job.done, job.total, job.outcome) == (None, "import", JobState.DONE, 1, 1, '{"imported": 1, "skipped": 0, "failed": []}')

    staff = make_user(session, staff=True)
    session.commit()
    login(client, staff)
    client.get("/lang/en")
    page = client.get(f"/staff/analytics/imports/{job.id}").get_data(as_text=True)
    assert '<progress id="import-progress" max="100" value="100">100%</progress> 100%' in page
    assert "1 of 1 file done" in page and "The import is finished." in page and 'http-equiv="refresh"' not in page
    assert "1 file imported,\n  0 skipped (imported before),\n  0 failed." in page
    listing = client.get("/staff/analytics/imports").get_data(as_text=True)
    assert f'href="/staff/analytics/imports/{job.id}"' in listing and "1 / 1" in listing


def test_an_import_run_by_the_command_shows_its_progress_and_failures_to_staff_only(app, session, client, tmp_path):
    broken = tmp_path / "broken.pb"
    broken.write_text("not a pabulib file", encoding="utf-8")
    files = [str(broken), str(DATA / "Poland_Gdynia_2022_Witomino__small.pb"), str(DATA / "Netherlands_Assen_2024.pb")]
    result = app.test_cli_runner().invoke(args=["pb", "import-pabulib", "--municipality", "assen-job", *files[2:]])
    assert result.exit_code == 1  # no such municipality
    result = app.test_cli_runner().invoke(args=["pb", "import-pabulib", *files[:2]])
    assert result.exit_code == 1
    jobs = session.scalars(cross_tenant_select(TrackedJob, reason="test: the import's jobs").order_by(TrackedJob.id)).all()
    assert [(job.municipality_id, job.state, job.done, job.total) for job in jobs] == [(None, JobState.DONE, 1, 1), (None, JobState.DONE, 2, 2)]
    assert json.loads(jobs[1].outcome) == {"imported": 1, "skipped": 0, "failed": [["broken.pb", "broken.pb, line 1: expected the section title META"]]}
    assert result.output.startswith(f"Progress for programme staff: /staff/analytics/imports/{jobs[1].id}\n[1/2] failed")

    # Not queued yet (a worker has not started it): 0 %, and the page refreshes itself.
    waiting = new_tracked(None, "import", actor=SYSTEM, total=3)
    gdynia = session.scalars(select(Municipality).where(Municipality.slug.like("%gdynia%"))).one()
    official = make_official(session, gdynia, Role.ADMIN)
    staff = make_user(session, staff=True)
    session.commit()
    login(client, official)
    # An official of a municipality (even the one the import made) does not see the programme's jobs.
    assert client.get(f"/staff/analytics/imports/{waiting.id}").status_code == 403
    assert client.get(f"/{gdynia.slug}/office/editions/1/results/jobs/{waiting.id}").status_code == 404
    client.post("/account/logout")
    login(client, staff)
    client.get("/lang/en")
    page = client.get(f"/staff/analytics/imports/{waiting.id}").get_data(as_text=True)
    assert '<progress id="import-progress" max="100" value="0">0%</progress> 0%' in page
    assert "0 of 3 files done" in page and "Waiting for a worker to start the import." in page and 'http-equiv="refresh"' in page
    failed = client.get(f"/staff/analytics/imports/{jobs[1].id}").get_data(as_text=True)
    assert "<li><strong>broken.pb</strong>: broken.pb, line 1: expected the section title META</li>" in failed


def test_import_into_a_named_municipality(session):
    assen = make_municipality(session, slug="assen-test", population=70_000)
    [report] = import_pabulib([DATA / "Netherlands_Assen_2024.pb"], "assen-test")
    assert report.status == "imported", report.message
    assert report.record.municipality_id == assen.id
    assert report.record.selection_matches is True


def test_a_vote_naming_a_project_twice_is_imported_once_and_reported_with_its_line(app, session):
    # A copy of the Assen file with project ids repeated in three votes (its META comment says so).
    make_municipality(session, slug="assen-repeats", population=70_000)
    path = DATA / "Netherlands_Assen_2024__repeated_in_votes.pb"
    result = app.test_cli_runner().invoke(args=["pb", "import-pabulib", "--municipality", "assen-repeats", str(path)])
    assert result.exit_code == 0, result.output
    warnings = [line.strip() for line in result.output.splitlines() if line.strip().startswith("warning:")]
    assert [w.split(": voter")[0] for w in warnings] == [
        f"warning: {path.name}, line {n}" for n in (37, 39, 42)
    ]
    assert "names project '2' more than once; counted once" in warnings[0]
    assert "Summary: 1 imported, 0 skipped (imported before), 0 failed; 0 with a selection that differs from the file." in result.output


# --- the indicators of a constructed edition ---------------------------------------------------------


def test_suppression_hides_small_groups_and_the_next_smallest_when_one_alone_is_hidden():
    assert suppress_small_counts({"a": 12, "b": 3}) == {"a": None, "b": None}
    assert suppress_small_counts({"a": 12, "b": 3, "c": 4, "d": 30}) == {"a": 12, "b": None, "c": None, "d": 30}
    assert suppress_small_counts({"a": 12, "b": 30}) == {"a": 12, "b": 30}
    assert suppress_small_counts({"a": 10, "b": 9, "c": 11}) == {"a": None, "b": None, "c": 11}


def test_indicators_of_an_edition_are_exact(session, in_request, mailbox):
    town = make_municipality(session, population=1_000)
    edition = make_edition(session, town, Phase.IMPLEMENTATION, protest_days=1, year=2026)
    level = make_level(session, edition, max_choices=3)
    pool = make_pool(session, edition, level, budget=1_000_00, max_project_cost=None)
    author = make_user(session)
    a, b, c = admitted_projects(session, pool, author, [600_00, 500_00, 400_00])
    rejected = make_proposal(session, pool, author, Status.REJECTED)
    for stage, start, end in ((Stage.AUTHOR, Status.REJECTED, Status.APPEALED), (Stage.APPEAL, Status.APPEALED, Status.REJECTED)):
        session.add(ProposalEvent(municipality_id=town.id, proposal_id=rejected.id, stage=stage, from_status=start, to_status=end))
    groups = [({a.id: 1}, 5), ({b.id: 1}, 4), ({c.id: 1}, 3), ({a.id: 1, b.id: 1}, 2)]
    for choices, voters in groups:
        for _ in range(voters):
            cast_ballot(session, edition, {pool.id: choices})
    cast_ballot(session, edition, {pool.id: {a.id: 1}}, channel=Channel.PAPER, valid=False, invalid_reason="two marks")
    session.flush()
    records = list(session.scalars(tenant_select(VoterRecord, town, VoterRecord.edition_id == edition.id)))
    for n, record in enumerate(records):
        record.age_band = "25-34" if n < 12 else "65+"
    session.commit()

    compute_results(town, edition, actor=SYSTEM)
    publish_results(town, edition, actor=SYSTEM, notify=False)
    set_expenditure(town, 2026, 200_000_00, actor=SYSTEM)
    admin = make_official(session, town, Role.ADMIN)
    start = date(2026, 3, 1)
    post_update(town, a, UpdateData(ImplementationStatus.IN_PROGRESS, 50, started_on=start, planned_end_on=start + timedelta(days=60)), actor=admin)
    post_update(town, a, UpdateData(ImplementationStatus.COMPLETED, 100, actual_cost=660_00, planned_end_on=start + timedelta(days=90),
                                           completed_on=start + timedelta(days=70)), actor=admin)
    post_update(town, c, UpdateData(ImplementationStatus.IN_PROGRESS, 10), actor=admin)

    row = session.scalar(tenant_select(EditionIndicators, town, EditionIndicators.edition_id == edition.id))
    alternative = compute(Instance.from_data(1000, {str(a.id): 600, str(b.id): 500, str(c.id): 400},
                                             [[str(pid) for pid in choices] for choices, _ in groups], multiplicities=[n for _, n in groups]), "equalshares")
    satisfied_alternative = sum(n for choices, n in groups if {str(pid) for pid in choices} & set(alternative.selected))
    assert {
        "budget_total": row.budget_total, "budget_per_resident": row.budget_per_resident, "expenditure": row.expenditure,
        "budget_share_of_expenditure": row.budget_share_of_expenditure, "proposals_submitted": row.proposals_submitted,
        "proposals_admitted": row.proposals_admitted, "proposals_rejected": row.proposals_rejected,
        "proposals_appealed": row.proposals_appealed, "appeals_upheld": row.appeals_upheld, "projects_on_ballot": row.projects_on_ballot,
        "voters": row.voters, "turnout": row.turnout, "voters_online": row.voters_online, "voters_paper": row.voters_paper,
        "voters_channel_unknown": row.voters_channel_unknown, "invalid_ballots": row.invalid_ballots,
        "votes_per_voter": row.votes_per_voter, "voters_by_age": row.voters_by_age, "voters_by_sex": row.voters_by_sex,
        "funded_count": row.funded_count, "funded_cost": row.funded_cost, "funded_share": row.funded_share, "leftover": row.leftover,
        "funded_by_category": row.funded_by_category, "rule": row.rule, "alternative_rule": row.alternative_rule,
        "fairness": row.fairness, "fairness_alternative": row.fairness_alternative, "impl": (row.impl_planned, row.impl_in_progress, row.impl_completed, row.impl_abandoned),
        "completion_rate": row.completion_rate, "median_delay_days": row.median_delay_days, "cost_ratio": row.cost_ratio,
        "source": row.source, "partial_coverage": row.partial_coverage,
    } == {
        "budget_total": 1_000_00, "budget_per_resident": 1.0, "expenditure": 200_000_00, "budget_share_of_expenditure": 0.005,
        "proposals_submitted": 4, "proposals_admitted": 3, "proposals_rejected": 1, "proposals_appealed": 1, "appeals_upheld": 0,
        "projects_on_ballot": 3, "voters": 15, "turnout": 0.015, "voters_online": 14, "voters_paper": 1, "voters_channel_unknown": 0,
        "invalid_ballots": 1, "votes_per_voter": 16 / 14,
        # 3 voters over 65 are too few to show, and hiding them alone would show them as 15 - 12.
        "voters_by_age": {"25-34": None, "65+": None}, "voters_by_sex": {"unknown": 15},
        # Greedy funds A (7 votes) and C (3): B (6) no longer fits in the 400 zł left.
        "funded_count": 2, "funded_cost": 1_000_00, "funded_share": 1.0, "leftover": 0,
        "funded_by_category": {"": {"count": 2, "cost": 1_000_00}}, "rule": "greedy", "alternative_rule": "equalshares",
        "fairness": 10 / 14, "fairness_alternative": satisfied_alternative / 14, "impl": (0, 1, 1, 0),
        # Completed 20 days after the first planned end (day 60), although the plan later moved to day 90.
        "completion_rate": 0.5, "median_delay_days": 10.0, "cost_ratio": 1.1,
        "source": "platform", "partial_coverage": False,
    }
    session.refresh(a)
    assert a.status is Status.COMPLETED and [e.to_status for e in a.events][-2:] == [Status.IN_IMPLEMENTATION, Status.COMPLETED]


# --- implementation tracking ---------------------------------------------------------------------------


def _funded_project(session):
    town = make_municipality(session, population=10_000)
    edition = make_edition(session, town, Phase.IMPLEMENTATION, protest_days=1)
    pool = make_pool(session, edition, budget=1_000_00, max_project_cost=None)
    [project] = admitted_projects(session, pool, make_user(session), [500_00])
    cast_ballot(session, edition, {pool.id: {project.id: 1}})
    session.commit()
    compute_results(town, edition, actor=SYSTEM)
    publish_results(town, edition, actor=SYSTEM, notify=False)
    return town, edition, project


def test_officials_post_updates_residents_see_a_timeline_and_followers_get_mail(session, client, mailbox):
    town, edition, project = _funded_project(session)
    admin = make_official(session, town, Role.ADMIN)
    resident = make_user(session, email="follower@example.org")
    session.commit()

    login(client, resident)
    assert client.post(f"/{town.slug}/projects/{project.id}/follow").status_code == 302
    client.post("/account/logout")

    login(client, admin)
    form = client.get(f"/{town.slug}/office/projects/{project.id}/implementation")
    assert form.status_code == 200
    refused = client.post(f"/{town.slug}/office/projects/{project.id}/implementation", data={"status": "abandoned", "percent_done": "0", "reason": "", "note": ""})
    assert refused.status_code == 422 and "Napisz, dlaczego zrezygnowano z projektu (co najmniej 10 znaków)" in refused.get_data(as_text=True)
    posted = client.post(
        f"/{town.slug}/office/projects/{project.id}/implementation",
        data={"status": "in_progress", "percent_done": "35", "actual_cost": "120 000", "started_on": "2026-04-01",
              "planned_end_on": "2026-09-30", "note": "Trwają prace ziemne przy fundamentach.", "photos": (io.BytesIO(PNG_BYTES), "plac.png")},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    client.post("/account/logout")
    [photo] = session.scalars(tenant_select(ImplementationPhoto, town))
    shown = client.get(f"/{town.slug}/projects/{project.id}/implementation/photos/{photo.id}")
    # Re-encoded on upload, shown in the page (not downloaded), as everyone may see it.
    assert (shown.status_code, shown.mimetype, shown.headers["Content-Disposition"].split(";")[0]) == (200, "image/png", "inline")
    assert Image.open(io.BytesIO(shown.data)).size == (4, 2)

    page = client.get(f"/{town.slug}/proposals/{project.id}").get_data(as_text=True)
    assert "Trwają prace ziemne przy fundamentach." in page and "wykonano 35%" in page
    listing = client.get(f"/{town.slug}/editions/{edition.id}/implementation").get_data(as_text=True)
    assert project.title in listing and "W trakcie" in listing
    [mail] = mailbox.to("follower@example.org")
    assert project.title in mail["Subject"]
    assert "Trwają prace ziemne przy fundamentach." in mailbox.body(mail)
    session.refresh(project)
    assert project.status is Status.IN_IMPLEMENTATION


def test_a_resident_cannot_post_updates_and_only_funded_projects_are_followed(session, client):
    town, edition, project = _funded_project(session)
    pool = project.pool
    unfunded = make_proposal(session, pool, make_user(session), Status.SUBMITTED)
    resident = make_user(session)
    session.commit()
    login(client, resident)
    assert client.get(f"/{town.slug}/office/projects/{project.id}/implementation").status_code == 403
    assert client.post(f"/{town.slug}/projects/{unfunded.id}/follow").status_code == 404


# --- the dashboard: which cities with powiat rights had the highest turnout in 2023? -------------------------


@pytest.fixture
def cities_2023(session):
    """Three cities with powiat rights, a town of another kind, and another year."""
    made = {}
    for name, kind, population, voters, budget in (
        ("Miasto Alfa", MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, 200_000, 30_000, 10_000_000_00),
        ("Miasto Beta", MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, 400_000, 20_000, 8_000_000_00),
        ("Miasto Gamma", MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, 100_000, 12_000, 1_500_000_00),
        ("Gmina Delta", MunicipalityKind.URBAN_RURAL, 20_000, 9_000, 500_000_00),
    ):
        municipality = make_municipality(session, name=name, kind=kind, population=population)
        made[name] = make_indicators(session, municipality, 2023, voters=voters, budget_total=budget)
    make_indicators(session, made["Miasto Gamma"].edition.municipality, 2022, voters=50_000, budget_total=1_000_000_00)
    staff = make_user(session, staff=True)
    session.commit()
    return made, staff


def test_staff_answer_the_powiat_cities_turnout_question_and_export_it(session, client, cities_2023):
    _, staff = cities_2023
    login(client, staff)
    start = client.get("/staff/").get_data(as_text=True)
    assert "/staff/analytics/" in start
    query = "year=2023&kind=city_with_powiat_rights&sort=turnout&direction=desc"
    page = client.get(f"/staff/analytics/?{query}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # Turnout: Alfa 15 %, Gamma 12 %, Beta 5 %; the urban-rural town and 2022 are left out.
    positions = [page.index(name) for name in ("Miasto Alfa", "Miasto Gamma", "Miasto Beta")]
    assert positions == sorted(positions)
    assert "Gmina Delta" not in page.split("Editions and their indicators")[1].split("</table>")[0]
    assert "15.0%" in page and "50.00" in page  # Alfa: 10 million zł for 200,000 residents

    exported = client.get(f"/staff/analytics/?{query}&format=csv", headers={"Accept-Language": "en"})
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["Municipality"], r["Year"], r["Turnout (%)"], r["Budget per resident (zł)"]) for r in rows] == [
        ("Miasto Alfa", "2023", "15.0", "50.0"), ("Miasto Gamma", "2023", "12.0", "15.0"), ("Miasto Beta", "2023", "5.0", "20.0"),
    ]
    workbook = load_workbook(io.BytesIO(client.get(f"/staff/analytics/?{query}&format=xlsx", headers={"Accept-Language": "en"}).data))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    turnout, per_resident = header.index("Turnout (%)"), header.index("Budget per resident (zł)")
    assert [(r[0], r[turnout], r[per_resident]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("Miasto Alfa", 15.0, 50.0), ("Miasto Gamma", 12.0, 15.0), ("Miasto Beta", 5.0, 20.0),
    ]


def test_the_dashboard_is_for_staff_and_open_data_is_for_everyone(session, client, cities_2023):
    made, _ = cities_2023
    assert client.get("/staff/analytics/").status_code == 302
    official = make_official(session, made["Miasto Alfa"].edition.municipality, Role.ADMIN)
    session.commit()
    login(client, official)
    assert client.get("/staff/analytics/").status_code == 403
    client.post("/account/logout")
    page = client.get("/open-data/?year=2023&kind=city_with_powiat_rights&sort=turnout&direction=desc", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Miasto Alfa" in page.get_data(as_text=True)
    assert client.get("/open-data/methodology").status_code == 200


def test_stats_api_filters_and_sorts(session, client, cities_2023):
    answer = client.get("/api/v1/stats/editions?year=2023&kind=city_with_powiat_rights&sort=turnout&direction=desc").get_json()
    assert answer["count"] == 3
    assert [(e["municipality"], e["turnout"], e["budget_per_resident"]) for e in answer["editions"]] == [
        ("Miasto Alfa", 0.15, 50.0), ("Miasto Gamma", 0.12, 15.0), ("Miasto Beta", 0.05, 20.0),
    ]
    assert answer["editions"][0]["kind"] == "city_with_powiat_rights" and answer["editions"][0]["voivodeship"] == Voivodeship.POMORSKIE.value
    by_size = client.get("/api/v1/stats/editions?population_class=100k-500k&year=2023").get_json()
    assert sorted(e["municipality"] for e in by_size["editions"]) == ["Miasto Alfa", "Miasto Beta", "Miasto Gamma"]
    # A value that is not valid is a 422 naming each parameter, in the request's language
    # (ignoring a misspelt filter would answer with every edition as if all matched).
    refused = client.get("/api/v1/stats/editions?kind=castle&sort=nonsense&year=20x3", headers={"Accept-Language": "pl"})
    assert refused.status_code == 422
    assert refused.get_json()["message"] == "Część danych jest nieprawidłowa."
    assert refused.get_json()["errors"]["query"]["kind"] == ["Podaj jedną z wartości: city_with_powiat_rights, urban, urban_rural, rural."]
    assert refused.get_json()["errors"]["query"]["year"] == ["Podaj rok czterema cyframi, np. 2023."]
    assert set(refused.get_json()["errors"]["query"]) == {"kind", "sort", "year"}
    past = client.get("/api/v1/stats/editions?year=2023&kind=city_with_powiat_rights&per_page=2&page=3", headers={"Accept-Language": "en"})
    assert past.status_code == 422
    assert past.get_json()["errors"] == {"query": {"page": ["Page 3 is past the last page, 2."]}}
    nothing = client.get("/api/v1/stats/editions?year=1999").get_json()
    assert (nothing["count"], nothing["page"], nothing["pages"], nothing["editions"]) == (0, 1, 1, [])


def test_a_municipality_stands_among_those_of_its_kind(session, client, cities_2023):
    made, _ = cities_2023
    gamma = made["Miasto Gamma"].edition.municipality
    answer = client.get(f"/api/v1/stats/municipalities/{gamma.slug}").get_json()
    assert [e["year"] for e in answer["editions"]] == [2022, 2023]
    turnout = next(s for s in answer["standing"] if s["indicator"] == "turnout")
    # The latest editions of the three cities: 15 %, 12 %, 5 %.
    assert (turnout["value"], turnout["median"], turnout["lower_quartile"], turnout["upper_quartile"], turnout["rank"], turnout["peers"]) == (
        0.12, 0.12, pytest.approx(0.085), pytest.approx(0.135), 2, 3,
    )
    assert client.get(f"/open-data/municipalities/{gamma.slug}").status_code == 200


def test_a_selection_that_differs_is_explained_by_rule_threshold_money_and_variants():
    from pb_service.analytics.mismatch import explain_selection

    instance = read_pabulib(DATA / "Poland_Gdynia_2022_Witomino__small.pb")
    # Had the city funded the dance course instead of the seniors' lectures:
    lines = explain_selection(instance, "greedy-no-skip", ["2022/WIT/0002", "2022/WIT/0005", "2022/WIT/0007"])
    assert lines[0] == "rule: the file names 'greedy-no-skip', counted as 'greedy-no-skip' with ties to the cheaper project, threshold 50 (compared with votes)"
    assert lines[1] == "budget 43712 zł: the city's selection costs 38030 zł, ours 37310 zł"
    assert lines[2].startswith("2022/WIT/0001 (Cykliczne wykłady") and lines[2].endswith("cost 12780 zł, 372 votes, score 372; the city did not fund it, our count: funded")
    assert lines[3] == "2022/WIT/0007 (Bezpłatny kurs tańca towarzyskiego): cost 13500 zł, 357 votes, score 357; the city funded it, our count: did not fit in the money left (6402 left)"
    assert lines[4].startswith("no variant of the rule")
    # When a variant of the rule gives the city's selection, the report names the first that does.
    [last] = explain_selection(instance, "greedy-no-skip", ["2022/WIT/0002", "2022/WIT/0005", "2022/WIT/0001"])[-1:]
    assert last == "the city's selection is exactly what greedy by votes, skipping what does not fit gives: that is how the city counted"
