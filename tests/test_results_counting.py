"""Counting by the edition's rule: points, thresholds, ties and their seed, leftover policies, the
files that recount to the same outcome, and the "what if" panel's figures."""
from __future__ import annotations

from fractions import Fraction

import pytest

from pb_service.core.i18n import format_money
from pb_service.core.permissions import SYSTEM
from pb_service.editions.models import LeftoverPolicy, LevelKind, Phase
from pb_service.editions.rule_choices import VotingMethod
from pb_service.results.counting import lottery_seed
from pb_service.results.models import Outcome
from pb_service.results.services import compute_results, pool_file, publication_problems, result_warnings
from pb_service.results.whatif import what_if
from pb_service.rules import compute, parse_pabulib
from pb_service.voting.models import Channel
from tests.editions_factories import make_edition, make_level, make_pool
from tests.factories import make_municipality, make_user
from tests.results_factories import admitted_projects, cast_ballot

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases

ZL = 100


def _edition(session, method=VotingMethod.APPROVAL, points=(), **settings):
    town = make_municipality(session)
    edition = make_edition(session, town, Phase.RESULTS, **settings)
    level = make_level(session, edition, LevelKind.CITY, method, points=list(points), max_choices=len(points) or 3)
    return town, edition, level


def _pool(session, edition, level, budget_zl, costs_zl):
    pool = make_pool(session, edition, level, budget=budget_zl * ZL, max_project_cost=None)
    return pool, admitted_projects(session, pool, make_user(session), [cost * ZL for cost in costs_zl])


def _cast(session, edition, pool, ballots):
    """``ballots``: [(multiplicity, {project: points})]."""
    for count, chosen in ballots:
        for _ in range(count):
            cast_ballot(session, edition, {pool.id: {project.id: points for project, points in chosen.items()}})
    session.flush()


def _outcomes(pool_result) -> dict:
    return {p.proposal_id: (p.votes, p.score, p.outcome, p.selected) for p in pool_result.projects}


def _abc(session, **settings):
    """Budget 1000 zł; a 600, b 500, c 300 zł chosen by 5, 4 and 3 voters."""
    town, edition, level = _edition(session, **settings)
    pool, (a, b, c) = _pool(session, edition, level, 1_000, [600, 500, 300])
    _cast(session, edition, pool, [(5, {a: 1}), (4, {b: 1}), (3, {c: 1})])
    return town, edition, pool, (a, b, c)


def test_greedy_skips_what_no_longer_fits_and_keeps_the_leftover(session, in_request):
    town, edition, pool, (a, b, c) = _abc(session)
    count = compute_results(town, edition, actor=SYSTEM)
    result = count.pools[0]
    assert _outcomes(result) == {
        a.id: (5, 5, Outcome.FUNDED, True), b.id: (4, 4, Outcome.DID_NOT_FIT, False), c.id: (3, 3, Outcome.FUNDED, True),
    }
    assert (result.spent, result.leftover, result.top_up, result.remaining, result.voters) == (900 * ZL, 100 * ZL, 0, 100 * ZL, 12)
    assert [p.rank for p in result.projects] == [1, 2, 3]
    assert result.parameters == {"tie_breaking": "cheaper-first", "seed": lottery_seed(result.digest), "min_votes": 0}


def test_leftover_funds_the_next_project_with_the_municipality_adding_the_difference(session, in_request):
    town, edition, pool, (a, b, c) = _abc(session, leftover_policy=LeftoverPolicy.NEXT_PROJECTS)
    result = compute_results(town, edition, actor=SYSTEM).pools[0]
    assert _outcomes(result)[b.id] == (4, 4, Outcome.FUNDED_FROM_LEFTOVER, True)
    assert (result.spent, result.leftover, result.top_up, result.remaining) == (1_400 * ZL, 100 * ZL, 400 * ZL, 0)
    # The file marks it selected=2 (outside the rule), so a recount of the rule gives a and c.
    instance = parse_pabulib(pool_file(town, result))
    assert {pid: p.fields["selected"] for pid, p in instance.projects.items()} == {str(a.id): "1", str(b.id): "2", str(c.id): "1"}
    assert compute(instance).selected == [str(a.id), str(c.id)]
    assert instance.meta["comment"] == "#1: selected=2: funded from the leftover of 100.00 PLN by the leftover policy, the municipality adding 400.00 PLN; not part of the rule"


def test_leftover_moves_to_the_named_pool_and_is_counted_there(session, in_request):
    town, edition, pool, (a, b, c) = _abc(session, leftover_policy=LeftoverPolicy.MOVES_TO_POOL)
    target_level = make_level(session, edition, LevelKind.THEMATIC)
    target, (d,) = _pool(session, edition, target_level, 200, [250])
    edition.leftover_pool_id = target.id
    _cast(session, edition, target, [(2, {d: 1})])
    count = compute_results(town, edition, actor=SYSTEM)
    source, receiving = count.pool_result(pool.id), count.pool_result(target.id)
    assert (source.leftover, source.leftover_to_pool_id) == (100 * ZL, target.id)
    # d (250 zł) does not fit the pool's own 200 zł; with the 100 zł moved in it does.
    assert (receiving.budget, receiving.received, receiving.spent, receiving.leftover, receiving.leftover_to_pool_id) == (
        200 * ZL, 100 * ZL, 250 * ZL, 50 * ZL, None,
    )
    assert _outcomes(receiving) == {d.id: (2, 2, Outcome.FUNDED, True)}
    instance = parse_pabulib(pool_file(town, receiving))
    assert instance.budget == 300 and compute(instance).selected == [str(d.id)]


APPROVAL_RULES = ["greedy", "greedy-no-skip", "equalshares", "equalshares/add1", "equalshares/add1-comparison", "phragmen"]


@pytest.mark.parametrize("rule", APPROVAL_RULES)
def test_the_pools_minimum_of_votes_applies_under_every_rule_and_its_file_says_so(session, in_request, rule):
    town, edition, pool, (a, b, c) = _abc(session, outcome_rule=rule)
    pool.min_votes = 4
    result = compute_results(town, edition, actor=SYSTEM).pools[0]
    outcomes = {pid: outcome for pid, (_, _, outcome, _) in _outcomes(result).items()}
    assert outcomes[c.id] is Outcome.UNDER_THRESHOLD and str(c.id) not in [str(p.proposal_id) for p in result.funded]
    assert result.parameters["min_votes"] == 4
    instance = parse_pabulib(pool_file(town, result))
    assert (instance.meta["rule"], instance.meta["min_project_votes_threshold"], instance.meta["min_project_score_threshold"]) == (rule, "4", "4")
    assert sorted(compute(instance).selected) == sorted(str(p.proposal_id) for p in result.funded)


def test_the_minimum_counts_voters_not_points(session, in_request):
    town, edition, level = _edition(session, VotingMethod.POINTS, points=(3, 2, 1))
    pool, (p, q, r) = _pool(session, edition, level, 1_000, [400, 300, 200])
    pool.min_votes = 3
    # p: 2 voters, 6 points; q: 3 voters, 4 points; r: 1 voter, 1 point.
    _cast(session, edition, pool, [(2, {p: 3, q: 1}), (1, {q: 2, r: 1})])
    result = compute_results(town, edition, actor=SYSTEM).pools[0]
    assert _outcomes(result) == {
        p.id: (2, 6, Outcome.UNDER_THRESHOLD, False), q.id: (3, 4, Outcome.FUNDED, True), r.id: (1, 1, Outcome.UNDER_THRESHOLD, False),
    }
    instance = parse_pabulib(pool_file(town, result))
    assert compute(instance).selected == [str(q.id)]


@pytest.mark.parametrize("rule", APPROVAL_RULES)
@pytest.mark.parametrize("policy", list(LeftoverPolicy))
def test_a_project_without_votes_is_never_funded(session, in_request, rule, policy):
    """Money is left for every unchosen project, under every rule and leftover policy."""
    town, edition, level = _edition(session, outcome_rule=rule, leftover_policy=policy)
    pool, (a, b, nobody, nobody_either) = _pool(session, edition, level, 1_000, [300, 200, 100, 50])
    other, (d,) = _pool(session, edition, level, 100, [80])
    if policy is LeftoverPolicy.MOVES_TO_POOL:
        edition.leftover_pool_id = pool.id
    _cast(session, edition, pool, [(3, {a: 1}), (2, {a: 1, b: 1})])
    count = compute_results(town, edition, actor=SYSTEM)
    result, empty = count.pools
    assert _outcomes(result)[nobody.id] == (0, 0, Outcome.UNDER_THRESHOLD, False)
    assert _outcomes(result)[nobody_either.id] == (0, 0, Outcome.UNDER_THRESHOLD, False)
    assert {p.proposal_id for p in result.funded} <= {a.id, b.id}
    # A pool without ballots funds nothing.
    assert (empty.voters, empty.funded, _outcomes(empty)[d.id]) == (0, [], (0, 0, Outcome.UNDER_THRESHOLD, False))
    for pool_result in count.pools:
        assert sorted(compute(parse_pabulib(pool_file(town, pool_result))).selected) == sorted(
            str(p.proposal_id) for p in pool_result.projects if p.outcome is Outcome.FUNDED
        )


def test_points_ballots_are_ranked_by_points_and_ties_go_by_the_edition_order(session, in_request):
    town, edition, level = _edition(session, VotingMethod.POINTS, points=(3, 2, 1))
    pool, (p, q, r) = _pool(session, edition, level, 1_000, [400, 400, 400])
    # A voter may skip a rank (3 and 1, no 2): the points are kept as given, never re-ranked.
    _cast(session, edition, pool, [(2, {p: 3, q: 2, r: 1}), (1, {q: 3, r: 2, p: 1}), (1, {r: 3, q: 1})])
    result = compute_results(town, edition, actor=SYSTEM).pools[0]
    # Points: p 7, q 8, r 7; voters: p 3, q 4, r 4. p and r tie on points and cost; r has more votes.
    assert _outcomes(result) == {
        p.id: (3, 7, Outcome.LOST_TIE, False), q.id: (4, 8, Outcome.FUNDED, True), r.id: (4, 7, Outcome.FUNDED, True),
    }
    assert result.ties == [{"projects": [str(r.id), str(p.id)], "winners": [str(r.id)], "settled_by": "votes", "context": "equal score 7"}]
    text = pool_file(town, result)
    assert f";{r.id},{q.id};3,1\n" in text  # best first, with its points
    instance = parse_pabulib(text)
    assert instance.vote_type == "scoring" and compute(instance).selected == [str(q.id), str(r.id)]


@pytest.mark.parametrize("tie_break", ["cheaper-first", "more-votes-first", "lottery"])
def test_a_tie_is_settled_the_same_way_by_the_app_and_by_a_recount_of_the_file(session, in_request, tie_break):
    town, edition, level = _edition(session, tie_break=tie_break)
    pool, (x, y, z) = _pool(session, edition, level, 700, [400, 400, 300])
    _cast(session, edition, pool, [(3, {x: 1}), (3, {y: 1}), (2, {z: 1})])  # x and y tie on votes and cost
    first = compute_results(town, edition, actor=SYSTEM).pools[0]
    selected = [str(p.proposal_id) for p in first.funded]
    assert first.parameters == {"tie_breaking": tie_break, "seed": lottery_seed(first.digest), "min_votes": 0}
    assert first.ties == [{"projects": first.ties[0]["projects"], "winners": first.ties[0]["projects"][:1], "settled_by": "lottery", "context": "equal score 3"}]
    assert sorted(first.ties[0]["projects"]) == sorted([str(x.id), str(y.id)]) and len(selected) == 2
    instance = parse_pabulib(pool_file(town, first))
    assert (instance.meta["tie_breaking"], int(instance.meta["tie_breaking_seed"])) == (tie_break, lottery_seed(first.digest))
    assert sorted(compute(instance).selected) == sorted(selected)
    # Counting again: the same digest, the same seed, the same winners.
    again = compute_results(town, edition, actor=SYSTEM).pools[0]
    assert (again.digest, [str(p.proposal_id) for p in again.funded], again.pabulib_sha256) == (first.digest, selected, first.pabulib_sha256)


def test_invalid_ballots_are_never_counted(session, in_request):
    town, edition, pool, (a, b, c) = _abc(session)
    cast_ballot(session, edition, {pool.id: {b.id: 1}}, channel=Channel.PAPER, valid=False, invalid_reason="dwa znaki")
    session.flush()
    count = compute_results(town, edition, actor=SYSTEM)
    assert (count.ballots, count.pools[0].voters, _outcomes(count.pools[0])[b.id][0]) == (12, 12, 4)


def test_counting_waits_for_the_end_of_voting(session, in_request):
    town = make_municipality(session)
    edition = make_edition(session, town, Phase.VOTING)
    with pytest.raises(Exception) as refused:
        compute_results(town, edition, actor=SYSTEM)
    assert refused.value.errors == {"": [
        "Counting the votes is possible only in this phase of the edition: Results, Implementation, Closed. "
        "The edition is now in the phase: Voting."
    ]}


def test_what_if_compares_rules_with_fairness_figures(session, in_request):
    town, edition, pool, (a, b, c) = _abc(session)
    pool.min_votes = 4
    compute_results(town, edition, actor=SYSTEM)
    (comparison,) = what_if(town, edition)
    variants = {(v.family, v.threshold): v for v in comparison.variants}
    assert list(variants) == [("greedy", None), ("greedy", 4), ("equalshares", None), ("equalshares", 4)]
    official = variants[("greedy", 4)]
    assert official.official and official.selected == [str(a.id)]
    without = variants[("greedy", None)]
    assert not without.official and without.selected == [str(a.id), str(c.id)]
    # 8 of 12 voters chose a funded project; shares 0 (4 voters), 0.3 (3), 0.6 (5).
    assert (without.fairness.with_funded, without.fairness.median_share, without.fairness.lowest_decile_share) == (
        Fraction(2, 3), Fraction(3, 10), Fraction(0),
    )
    assert (without.gained, without.lost, official.spent, official.leftover) == ([str(c.id)], [], 600 * ZL, 400 * ZL)
    assert str(c.id) in comparison.differing


def test_officials_are_warned_of_what_residents_would_find_surprising(session, in_request):
    town, edition, pool, (a, b, c) = _abc(session)
    other, (d,) = _pool(session, edition, edition.levels[0], 500, [100])
    count = compute_results(town, edition, actor=SYSTEM)
    result, empty = count.pools
    # 5 and 3 votes of 12 ballots; 100 zł left, less than b's 500 zł.
    assert result_warnings(result) == [
        f"Funded with very few votes: {a.title}, 5 of 12 ballots.", f"Funded with very few votes: {c.title}, 3 of 12 ballots.",
    ]
    assert result_warnings(empty) == ["No ballots were cast in this pool, so no project is funded and the whole budget is left over."]
    pool.min_votes = 4
    assert publication_problems(town, edition, count)[-1] == (
        f"These pools were counted without their current minimum of votes: {pool.name}. Count the votes again."
    )
    result = compute_results(town, edition, actor=SYSTEM).pools[0]
    assert result_warnings(result)[-1] == (
        f"The leftover of {format_money(400 * ZL)} would pay for {c.title} ({format_money(300 * ZL)}); "
        "its outcome: Not funded: fewer votes than the minimum."
    )
