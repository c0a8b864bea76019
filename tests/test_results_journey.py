"""The issue's journey: ballots in, vote closed, counted, protested, published, recounted by anyone."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from datetime import timedelta

from pabutools.election import AdditiveSatisfaction, Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from flask_babel import force_locale, gettext
from pabutools.rules import greedy_utilitarian_welfare

from pb_service.core.audit import AuditEvent
from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from pb_service.editions.models import Phase
from pb_service.proposals.models import Status
from pb_service.results.counting import ballot_digest
from pb_service.results.models import ResultCount
from pb_service.rules import compute, parse_pabulib
from pb_service.voting.models import Channel
from tests.factories import login, make_municipality, make_official, make_user
from tests.results_factories import cast_ballot, cast_random_ballots, voting_edition

BALLOTS = 120
#: What only a count shows: the results table and chart, the protocol, counts in JSON and CSV.
COUNT_MARKERS = ("results-table", "chart__bar", "protocol-title", '"votes"', '"selected"', '"spent"', '"receipts"', "votes,points")


class PointsSat(AdditiveSatisfaction):
    """Points times cost: pabutools' greedy divides by cost, so this ranks by points, as cities do."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, lambda inst, prof, bal, project, pre: bal.get(project, 0) * project.cost)


def _pabutools_greedy(text: str) -> set[str]:
    election, profile = parse_pabulib_from_string(text)
    sat = Cost_Sat if election.meta["vote_type"] == "approval" else PointsSat
    return {project.name for project in greedy_utilitarian_welfare(election, profile, sat_class=sat)}


def _walk_public(client, slug, edition_id, pool_ids) -> dict[str, str]:
    """Every public page, download and API answer about the edition's results, by URL."""
    urls = [
        f"/{slug}/editions/{edition_id}/", f"/{slug}/editions/{edition_id}/results/", f"/{slug}/editions/{edition_id}/results.csv",
        f"/{slug}/editions/{edition_id}/results/receipts", f"/{slug}/editions/{edition_id}/protests/",
        f"/{slug}/editions/{edition_id}/projects", f"/api/v1/municipalities/{slug}/editions/{edition_id}",
        f"/api/v1/municipalities/{slug}/editions/{edition_id}/projects",
        f"/api/v1/municipalities/{slug}/editions/{edition_id}/results", f"/api/v1/municipalities/{slug}/editions/{edition_id}/receipts",
    ]
    for pool_id in pool_ids:
        urls += [
            f"/{slug}/editions/{edition_id}/results/pools/{pool_id}",
            f"/api/v1/municipalities/{slug}/editions/{edition_id}/pools/{pool_id}/ballots.pb",
        ]
    pages = {}
    for url in urls:
        response = client.get(url)
        pages[url] = (response.status_code, response.get_data(as_text=True))
    return pages


def _assert_no_count(pages: dict, count_routes: set) -> None:
    assert {url for url, (status, _) in pages.items() if status == 404} == count_routes
    for url, (status, body) in pages.items():
        assert status in (200, 404), url
        assert [marker for marker in COUNT_MARKERS if marker in body] == [], url


def test_ballots_counted_protested_published_and_recounted_by_anyone(app, session, client, mailbox, tmp_path):
    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    evaluator = make_official(session, town, Role.EVALUATOR)
    resident = make_user(session)
    edition, city, districts, projects = voting_edition(session, town, protest_days=3)
    receipts = cast_random_ballots(session, edition, city, districts, projects, BALLOTS)
    # Two invalid paper ballots: in the protocol, never in the count or the file.
    cast_ballot(session, edition, {city.id: {projects[city.id][0].id: 1}}, channel=Channel.PAPER, valid=False, invalid_reason="two marks")
    cast_ballot(session, edition, {}, channel=Channel.PAPER, valid=False, invalid_reason="torn")
    session.commit()
    pool_ids = [city.id] + [d.id for d in districts]

    # While voting goes on, and after it ends, no count is visible anywhere before publication.
    count_routes = {
        f"/{town.slug}/editions/{edition.id}/results.csv", f"/{town.slug}/editions/{edition.id}/results/receipts",
        f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/results",
        f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/receipts",
        *(f"/{town.slug}/editions/{edition.id}/results/pools/{p}" for p in pool_ids),
        *(f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/pools/{p}/ballots.pb" for p in pool_ids),
    }
    _assert_no_count(_walk_public(client, town.slug, edition.id, pool_ids), count_routes)

    # Closing the vote (the operations command) counts it.
    runner = app.test_cli_runner()
    closed = runner.invoke(args=["pb", "edition", "advance", str(edition.id), "--to", "results", "--reason", "Koniec głosowania zgodnie z harmonogramem"])
    assert closed.exit_code == 0, closed.output
    assert f"{BALLOTS} valid ballots" in closed.output
    session.expire_all()
    assert edition.phase is Phase.RESULTS
    count = session.scalar(tenant_select(ResultCount, town, ResultCount.edition_id == edition.id))
    first = (count.digest, {p.pool_id: [r.proposal_id for r in p.funded] for p in count.pools})
    assert count.ballots == BALLOTS and count.published_at is None

    # Still nothing public: the preliminary result is for officials.
    _assert_no_count(_walk_public(client, town.slug, edition.id, pool_ids), count_routes)

    # Recounting the same ballots gives the same digest and the same result.
    recount = runner.invoke(args=["pb", "results", "compute", str(edition.id)])
    assert recount.exit_code == 0, recount.output
    session.expire_all()
    count = session.scalar(tenant_select(ResultCount, town, ResultCount.edition_id == edition.id))
    assert (count.digest, {p.pool_id: [r.proposal_id for r in p.funded] for p in count.pools}) == first

    # A resident protests within the window; publishing waits for the window and the panel.
    login(client, resident)
    lodged = client.post(f"/{town.slug}/editions/{edition.id}/protests/new", data={"pool_id": str(city.id), "grounds": "Punkt głosowania przy ul. Długiej był zamknięty o 15:00."})
    assert lodged.status_code == 302
    refused = runner.invoke(args=["pb", "results", "publish", str(edition.id)])
    assert refused.exit_code == 1
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        assert refused.output == "Error: " + "; ".join([
            gettext("Residents may protest until the end of the protest window; publish after it closes."),
            gettext("Protests waiting for the panel's decision: %(count)s.", count=1),
        ]) + "\n"
    client.post("/account/logout")
    login(client, evaluator)
    protest_id = session.scalar(tenant_select(AuditEvent, town, AuditEvent.action == "protest.lodge")).object_ref.split(":")[1]
    decided = client.post(
        f"/{town.slug}/office/editions/{edition.id}/protests/{protest_id}/decide",
        data={f"p{protest_id}-outcome": "dismissed", f"p{protest_id}-justification": "Punkt był czynny do 21:00 według protokołu komisji."},
    )
    assert decided.status_code == 302
    received, decision = mailbox.to(resident.email)
    assert "Punkt był czynny do 21:00 według protokołu komisji." in mailbox.body(decision)
    assert "Punkt był czynny" not in mailbox.body(received)
    # The window closes (three days pass).
    for column in ("voting_starts_at", "results_starts_at"):
        setattr(edition, column, getattr(edition, column) - timedelta(days=4))
    session.commit()

    published = runner.invoke(args=["pb", "results", "publish", str(edition.id)])
    assert published.exit_code == 0, published.output
    session.expire_all()
    assert session.scalar(tenant_select(AuditEvent, town, AuditEvent.action == "results.publish")).actor_id is None

    # Now the same walk finds every count (which shows that the markers above would catch one).
    after = _walk_public(client, town.slug, edition.id, pool_ids)
    assert {url for url, (status, _) in after.items() if status != 200} == set()
    shown = {marker for _, body in after.values() for marker in COUNT_MARKERS if marker in body}
    assert shown == set(COUNT_MARKERS)

    results = client.get(f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/results").get_json()
    assert results["ballots"] == BALLOTS and results["ballots_sha256"] == first[0]
    page = client.get(f"/{town.slug}/editions/{edition.id}/results/").get_data(as_text=True)
    for pool in results["pools"]:
        selected = {str(p["id"]) for p in pool["projects"] if p["selected"]}
        assert [p["id"] for p in pool["projects"] if p["selected"]] == first[1][pool["pool_id"]]
        # The file: its SHA-256 on the page, the rule in META, ballots equal to the valid ballots.
        response = client.get(f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/pools/{pool['pool_id']}/ballots.pb")
        text = response.get_data(as_text=True)
        assert hashlib.sha256(text.encode()).hexdigest() == pool["file_sha256"]
        assert pool["file_sha256"] in page
        instance = parse_pabulib(text)
        assert instance.meta["rule"] == pool["rule"] == "greedy"
        assert instance.num_voters == pool["voters"]
        canonical = Counter()
        for ballot in instance.ballots:
            canonical[tuple(sorted((int(pid), int(points)) for pid, points in zip(ballot.projects, ballot.points or [1] * len(ballot.projects))))] += ballot.multiplicity
        assert ballot_digest(canonical) == pool["ballots_sha256"]
        # Recounted by our engine, by its command line, and independently by pabutools.
        assert set(compute(instance).selected) == selected
        path = tmp_path / f"pool-{pool['pool_id']}.pb"
        path.write_text(text, encoding="utf-8")
        tally = subprocess.run([sys.executable, "-m", "pb_service.rules", "tally", str(path), "--json"], capture_output=True, text=True, check=True)
        assert set(json.loads(tally.stdout)["selected"]) == selected
        assert _pabutools_greedy(text) == selected

    # Ballots in the files equal the valid ballots cast: each chose in the city pool and one district.
    assert {p["pool_id"]: p["voters"] for p in results["pools"]} == {city.id: BALLOTS, districts[0].id: BALLOTS // 2, districts[1].id: BALLOTS // 2}

    # Every receipt given at voting is in the list, and the checker finds it.
    listed = set(client.get(f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/receipts").get_json()["receipts"])
    assert {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in receipts} == listed
    found = client.post(f"/{town.slug}/editions/{edition.id}/results/receipts", data={"receipt": receipts[5].lower()})
    assert "notice--success" in found.get_data(as_text=True)
    missing = client.post(f"/{town.slug}/editions/{edition.id}/results/receipts", data={"receipt": "AAAA-BBBB-CCCC-DDDD"})
    assert "notice--warning" in missing.get_data(as_text=True) and "notice--success" not in missing.get_data(as_text=True)

    # Projects are marked through the workflow; the published result never changes.
    session.expire_all()
    for pool_projects in projects.values():
        for project in pool_projects:
            selected_ids = first[1][project.pool_id]
            assert project.status is (Status.SELECTED if project.id in selected_ids else Status.NOT_SELECTED)
    again = runner.invoke(args=["pb", "results", "compute", str(edition.id)])
    assert again.exit_code == 1
