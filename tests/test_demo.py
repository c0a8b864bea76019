"""`flask pb demo`: loaded twice (it must be idempotent), then each part of the demo is checked.

Loading the demo imports real Pabulib editions and counts their ballots, which takes a while, so
one test per database loads it and the checks below look at what it made.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pb_service.accounts.models import Membership, User
from pb_service.accounts.services import user_by_email
from pb_service.analytics.services import edition_indicators
from pb_service.core.permissions import SYSTEM
from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_select, tenant_select
from pb_service.editions.models import Edition, LeftoverPolicy, LevelKind, Phase
from pb_service.editions.services import advance_phase
from pb_service.extensions import db
from pb_service.hub.models import GoodPractice
from pb_service.hub.services.practices import practice_edition
from pb_service.municipalities.models import Municipality
from pb_service.municipalities.services import municipality_by_slug
from pb_service.proposals.models import Proposal, Status
from pb_service.proposals.services import ballot_projects
from pb_service.results.models import ProtestStatus
from pb_service.results.services import (
    compute_results,
    current_count,
    pool_file,
    protest_window_open,
    protests_of,
    publication_problems,
    publish_results,
    published_count,
    receipt_hashes,
)
from pb_service.rules import compute, parse_pabulib
from pb_service.rules.tally import vote_counts
from pb_service.voting.models import Ballot, PaperEntry, PaperEntryStatus, VoterRecord
from pb_service.voting.services import paper_mismatches, paper_tallies
from tests.factories import make_municipality, make_official
from tests.results_factories import cast_ballot


@pytest.mark.slow
def test_demo_loads_twice_with_every_part_in_place(app, session, client, monkeypatch):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["pb", "demo"])
    assert first.exit_code == 0, first.output
    assert "staff@example.org" in first.output
    counts = _counts(session)
    second = runner.invoke(args=["pb", "demo"])
    assert second.exit_code == 0, second.output
    session.expire_all()
    assert _counts(session) == counts
    assert {"gdansk", "krakow"} <= set(session.scalars(select(Municipality.slug)))

    with app.test_request_context():
        _check_editions_in_their_phases(session)
        _check_paper_sheets_entered_twice_by_two_clerks(session)
        _check_youth_editions_after_their_vote(session)
        _check_past_editions_have_published_recountable_results(session, client)
        _check_good_practices_link_to_the_real_imported_editions(session)
        _check_voting_editions_counted_with_ballots_in_some_pools_only(session, client)
    _check_demo_codes_only_for_demo_officials(app, session, runner, monkeypatch)


def _counts(session) -> tuple[int, int, int]:
    return (
        session.scalar(select(db.func.count(Municipality.id))),
        session.scalar(select(db.func.count(User.id))),
        session.scalar(cross_tenant_select(db.func.count(Membership.id), reason="test: demo idempotence")),
    )


def _check_editions_in_their_phases(session) -> None:
    for slug in ("gdansk", "krakow"):
        city = municipality_by_slug(slug)
        editions = {e.phase: e for e in session.scalars(tenant_select(Edition, city))}
        # The demo's own four editions, and the real past editions imported from Pabulib (closed).
        assert set(editions) == {Phase.IMPLEMENTATION, Phase.VOTING, Phase.SUBMISSION, Phase.RESULTS, Phase.CLOSED}
        voting = editions[Phase.VOTING]
        assert [level.kind for level in voting.levels] == [LevelKind.CITY, LevelKind.DISTRICT]
        assert len(voting.levels[1].pools) == 3
        assert len(ballot_projects(city, voting)) == 36
        thematic = tenant_select(Proposal, city, Proposal.edition_id == editions[Phase.SUBMISSION].id)
        statuses = {proposal.status for proposal in session.scalars(thematic)}
        assert statuses == {Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.MERIT_REVIEW, Status.REJECTED, Status.ADMITTED}


def _check_paper_sheets_entered_twice_by_two_clerks(session) -> None:
    """Gdańsk's voting edition: P-0001 counted (two matching entries), P-0002 waiting for its second
    entry, P-0003's two entries differ; Kraków enters each sheet once."""
    gdansk = municipality_by_slug("gdansk")
    clerks = [user_by_email("clerk.gdansk@example.org"), user_by_email("clerk2.gdansk@example.org")]
    assert all(Role.CLERK in c.roles_in(gdansk) for c in clerks)
    voting = next(e for e in session.scalars(tenant_select(Edition, gdansk)) if e.phase is Phase.VOTING)
    assert voting.paper_double_entry
    entries = session.scalars(tenant_select(PaperEntry, gdansk, PaperEntry.edition_id == voting.id).order_by(PaperEntry.id))
    assert [(e.sheet_number, e.status, e.clerk_id) for e in entries] == [
        ("P-0002", PaperEntryStatus.WAITING, clerks[0].id),
        ("P-0003", PaperEntryStatus.MISMATCH, clerks[0].id), ("P-0003", PaperEntryStatus.MISMATCH, clerks[1].id),
    ]
    assert list(paper_mismatches(gdansk, voting)) == ["P-0003"]
    # Entries per clerk (both entries of a sheet count); one voter, P-0001's, has voted.
    assert sorted((tally.sheets, name) for tally, name in paper_tallies(gdansk, voting)) == [(2, "Barbara Protokolantka"), (3, "Jan Urzędnik")]
    assert _rows(session, gdansk, VoterRecord, VoterRecord.edition_id == voting.id) == 1
    krakow = municipality_by_slug("krakow")
    assert not next(e for e in session.scalars(tenant_select(Edition, krakow)) if e.phase is Phase.VOTING).paper_double_entry


def _rows(session, tenant, model, *conditions) -> int:
    return len(session.scalars(tenant_select(model, tenant, *conditions)).all())


def _check_youth_editions_after_their_vote(session) -> None:
    """Counted, not published: Gdańsk's in its protest window with a resident's protest waiting;
    Kraków's window closed, nothing in the way of publishing (which the admin can do)."""
    resident = user_by_email("resident@example.org")
    for slug, voters, in_window in (("gdansk", 420, True), ("krakow", 380, False)):
        city = municipality_by_slug(slug)
        youth = next(e for e in session.scalars(tenant_select(Edition, city)) if e.phase is Phase.RESULTS)
        assert youth.name.startswith("Młodzieżowy Budżet Obywatelski")
        count = current_count(city, youth)
        assert count is not None and not count.is_published
        valid = _rows(session, city, Ballot, Ballot.edition_id == youth.id, Ballot.is_valid.is_(True))
        assert count.ballots == valid and _rows(session, city, Ballot, Ballot.edition_id == youth.id) == voters
        assert protest_window_open(youth) is in_window
        protests = [(p.number, p.status, p.author_id, p.pool_id) for p in protests_of(city, youth)]
        if in_window:
            assert protests == [(1, ProtestStatus.PENDING, resident.id, youth.pools[0].id)]
            assert publication_problems(city, youth, count) == [
                "Mieszkańcy mogą składać protesty do końca terminu na protesty; opublikuj wyniki po jego upływie.",
                "Protesty czekające na rozstrzygnięcie komisji: 1.",
            ]
        else:
            assert protests == [] and publication_problems(city, youth, count) == []
            assert publish_results(city, youth, actor=user_by_email("admin.krakow@example.org"), notify=False).is_published


def _check_past_editions_have_published_recountable_results(session, client) -> None:
    for slug, voters, policy in (("gdansk", 3_000, LeftoverPolicy.NEXT_PROJECTS), ("krakow", 2_600, LeftoverPolicy.MOVES_TO_POOL)):
        city = municipality_by_slug(slug)
        past = next(e for e in session.scalars(tenant_select(Edition, city)) if e.phase is Phase.IMPLEMENTATION)
        count = published_count(city, past)
        assert past.leftover_policy is policy and past.outcome_rule == "greedy"
        # A few paper ballots are invalid: counted in the protocol, not here.
        assert voters * 0.98 < count.ballots < voters and len(receipt_hashes(city, past)) == count.ballots
        assert [p.status for p in protests_of(city, past)] == [ProtestStatus.DISMISSED]
        for pool_result in count.pools:
            instance = parse_pabulib(pool_file(city, pool_result))
            rule_selected = [str(p.proposal_id) for p in pool_result.projects if p.selected and p.outcome.value == "funded"]
            assert sorted(compute(instance).selected) == sorted(rule_selected)
        assert 0 < sum(len(pool.funded) for pool in count.pools) < sum(len(pool.projects) for pool in count.pools)
        page = client.get(f"/{slug}/editions/{past.id}/results/pools/{count.pools[0].pool_id}")
        assert page.status_code == 200 and "chart__bar" in page.get_data(as_text=True)


def _check_voting_editions_counted_with_ballots_in_some_pools_only(session, client) -> None:
    """Ballots in the city-wide pool and one district only, then closed, counted and published:
    every pool's file recounts to its funded projects, none without votes or below the minimum."""
    for slug in ("gdansk", "krakow"):
        city = municipality_by_slug(slug)
        edition = next(e for e in session.scalars(tenant_select(Edition, city)) if e.phase is Phase.VOTING)
        by_pool: dict[int, list[Proposal]] = {}
        for project in ballot_projects(city, edition):
            by_pool.setdefault(project.pool_id, []).append(project)
        city_pool, district = edition.pools[0], edition.pools[1]
        points = edition.levels[0].points or [1, 1, 1]
        for n in range(160):
            # The first project of each pool is everyone's first choice; the others get a few votes each.
            city_choice = [by_pool[city_pool.id][0]] + by_pool[city_pool.id][1 + n % 5: 3 + n % 5]
            choices = {city_pool.id: {p.id: q for p, q in zip(city_choice, points)}}
            if n < 70:
                choices[district.id] = {p.id: q for p, q in zip([by_pool[district.id][0], by_pool[district.id][1 + n % 3]], points)}
            cast_ballot(session, edition, choices, district_pool_ids=[district.id])
        session.flush()
        advance_phase(city, edition, "Koniec głosowania według harmonogramu.", actor=SYSTEM)
        compute_results(city, edition, actor=SYSTEM)
        edition.results_starts_at -= timedelta(days=edition.protest_days)  # the protest window is over
        count = publish_results(city, edition, actor=SYSTEM, notify=False)
        # Gdańsk's one paper sheet counted (P-0001, entered twice) chose city-wide projects only.
        paper = 1 if edition.paper_double_entry else 0
        assert [r.voters for r in count.pools] == [160 + paper, 70] + [0] * (len(count.pools) - 2)
        for pool_result in count.pools:
            instance = parse_pabulib(pool_file(city, pool_result))
            funded = sorted(str(p.proposal_id) for p in pool_result.projects if p.outcome.value == "funded")
            assert sorted(compute(instance).selected) == funded
            assert int(instance.meta["min_project_votes_threshold"]) == max(pool_result.pool.min_votes, 1)
            votes = vote_counts(instance)
            assert all(votes[pid] >= max(pool_result.pool.min_votes, 1) for pid in funded)
        # The favourites pass the minimum (100 city-wide, 50 in districts); the others do not.
        assert [[p.proposal_id for p in r.funded] for r in count.pools[:2]] == [[by_pool[city_pool.id][0].id], [by_pool[district.id][0].id]]
        assert all(not r.funded for r in count.pools[2:])
        page = client.get(f"/{slug}/editions/{edition.id}/results/pools/{count.pools[2].pool_id}").get_data(as_text=True)
        assert "Nikt nie głosował w tej puli, więc żaden projekt nie jest finansowany." in page


def _check_good_practices_link_to_the_real_imported_editions(session) -> None:
    linked = {}
    for practice in session.scalars(select(GoodPractice).order_by(GoodPractice.id)):
        found = practice_edition(practice)
        linked[practice.municipality.slug] = (found.edition.year, found.indicators.source)
        assert found.indicators.id == edition_indicators(practice.municipality, found.edition.id).id
    # Gdańsk 2020 (Oliwa and Piecki-Migowo), Kraków 2025 (Dębniki), from the bundled Pabulib files.
    assert linked == {"gdansk": (2020, "pabulib"), "krakow": (2025, "pabulib")}


def _check_demo_codes_only_for_demo_officials(app, session, runner, monkeypatch) -> None:
    code = runner.invoke(args=["pb", "demo-code", "admin.gdansk@example.org"])
    assert code.exit_code == 0 and re.fullmatch(r"\d{6}\n", code.output)
    assert runner.invoke(args=["pb", "demo-code", "resident@example.org"]).exit_code == 2
    make_official(session, make_municipality(session), email="real.official@example.org")
    assert runner.invoke(args=["pb", "demo-code", "real.official@example.org"]).exit_code == 2
    monkeypatch.setitem(app.config, "PB_ENV", "production")
    refused = runner.invoke(args=["pb", "demo-code", "admin.gdansk@example.org"])
    assert refused.exit_code == 2 and "production" in refused.output
