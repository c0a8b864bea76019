"""Performance measures: every value re-checked by re-running the rule on the changed
instance (selected at the value, not one unit beyond), brute force on small instances with
ties and near ties, and exact values on a hand-made pool."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pb_service.rules import RULES, Ballot, Instance
from pb_service.rules.cli import main
from pb_service.rules.measures import (
    MEASURES,
    ConfiguredRule,
    _EqualSharesMeasures,
    choices_up_to,
    ending_step,
    measure,
    with_cost,
    with_singletons,
)
from pb_service.rules.mes_measures import MARGIN, EqualSharesOracle, Thresholds
from pb_service.rules.tally import Tally
from tests.examples import examples

GREEDY_FAMILY = ("greedy", "greedy-no-skip", "greedy-threshold")
TIE_ORDERS = ("cheaper-first", "more-votes-first", "lottery", "lexicographic")


def wins(rule: ConfiguredRule, instance: Instance, pid: str) -> bool:
    return pid in rule.selected(instance)


def check_by_rerun(instance: Instance, rule_name: str, found, **params) -> None:
    """Each value is a boundary of the rule itself, re-run on the changed instance."""
    rule = ConfiguredRule.of(instance, rule_name, **params)
    winners = set(rule.selected(instance))
    for pid, values in found.items():
        assert values.selected == (pid in winners)
        cost = values.max_winning_cost
        if cost is not None:
            assert wins(rule, with_cost(instance, pid, cost), pid)
            assert not wins(rule, with_cost(instance, pid, cost + 1), pid)
            assert (cost >= instance.projects[pid].cost) == values.selected
        else:
            assert not wins(rule, with_cost(instance, pid, 1), pid)
        added = values.singleton_add
        if added is not None and added > 0:
            assert wins(rule, with_singletons(instance, pid, added), pid)
            assert not wins(rule, with_singletons(instance, pid, added - 1), pid)
        assert (added == 0) == values.selected
        assert set(values.reasons) == {name for name in MEASURES if getattr(values, name) is None}


# Real files: the greedy family on every project, and the rules that are re-run on small pools.
@pytest.mark.parametrize("name", ["Poland_Wieliczka_2023_Green_Budget.pb", "Poland_Gdansk_2020_Oliwa.pb",
                                  "Poland_Krakow_2025_Debniki.pb", "Poland_Czestochowa_2025_Polnoc.pb",
                                  "US_Stanford_Dataset_PB_Chicago_39th_Ward_2021_vote_rankings.pb"])
@pytest.mark.parametrize("rule", GREEDY_FAMILY)
def test_greedy_measures_on_real_files_hold_when_the_rule_is_rerun(load, name, rule):
    instance = load(name)
    params = {"min_score": 150} if rule == "greedy-threshold" else {}
    found = measure(instance, rule, **params)
    if name.startswith("US_"):  # ranked ballots: a new voter ranks the project first
        assert any(values.singleton_add not in (None, 0) for values in found.values())
    check_by_rerun(instance, rule, found, **params)
    for values in found.values():
        if instance.vote_type == "approval":
            assert values.optimist_add == values.pessimist_add == values.singleton_add or (
                values.singleton_add is not None and values.optimist_add is None
            )


@pytest.mark.parametrize(
    ("name", "rule"),
    [("Netherlands_Amsterdam_643.pb", rule) for rule in sorted(set(RULES) - set(GREEDY_FAMILY))]
    + [("Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb", rule) for rule in ("equalshares", "phragmen")]
    + [pytest.param("Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb", "equalshares/add1", marks=pytest.mark.slow)],
)
def test_rerun_measures_on_real_files(load, name, rule):
    instance = load(name)
    found = measure(instance, rule)
    check_by_rerun(instance, rule, found)


# The completions on Łódź's file cost 2 minutes of re-runs: the suite re-checks them on
# Amsterdam's and Warsaw's files above, and `benchmarks/measures.py --sample` on every file.
@pytest.mark.parametrize(
    ("name", "rule"), [("Poland_Lodz_2024_Nad_Nerem.pb", "equalshares"), ("Poland_Czestochowa_2020_Grabowka.pb", "equalshares")],
)
def test_equal_shares_measures_on_real_files_hold_when_the_rule_is_rerun(load, name, rule):
    """Every project: value and one unit beyond, k and k - 1 voters."""
    instance = load(name)
    check_by_rerun(instance, rule, measure(instance, rule))


@pytest.mark.parametrize(
    ("name", "rule"), [("Poland_Lodz_2024_Nad_Nerem.pb", "equalshares"), ("Netherlands_Amsterdam_643.pb", "equalshares/add1-comparison")],
)
def test_equal_shares_oracle_answers_as_the_rule(load, name, rule):
    """The oracle (MES re-run only where the changed cost can matter) against the whole
    rule re-run, at costs around each project's own and its thresholds."""
    instance = load(name)
    configured = ConfiguredRule.of(instance, rule)
    oracle = EqualSharesOracle(instance, configured)
    for pid, project in instance.projects.items():
        for cost in {1, project.cost // 3, project.cost - 1, project.cost + 1, 2 * project.cost}:
            expected = wins(configured, with_cost(instance, pid, cost), pid)
            assert oracle.selected_at(pid, cost) == expected, (pid, cost)


@pytest.mark.slow
def test_wieliczka_2023_project_21_under_the_citys_rule(load):
    """The case study of docs/rules.md: the best-voted loser of the Green Million."""
    instance = load("Poland_Wieliczka_2023_Green_Budget.pb")
    found = measure(instance, "equalshares/add1-comparison", projects=["21"])
    assert (found["21"].max_winning_cost, found["21"].singleton_add) == (80189, 13)
    check_by_rerun(instance, "equalshares/add1-comparison", found)


def test_greedy_measures_apply_the_pools_minimum_of_voters(load):
    """META min_project_votes_threshold (the app writes it) holds for the direct measures:
    a project under it loses at any cost, and needs the voters that bring it to the minimum."""
    instance = load("Poland_Czestochowa_2020_Grabowka.pb")
    votes = ConfiguredRule.of(instance, "greedy").outcome(instance).outcomes
    fewest = min(votes, key=lambda pid: votes[pid].score)
    minimum = votes[fewest].score + 5
    changed = replace(instance, meta={**instance.meta, "min_project_votes_threshold": str(minimum)})
    found = measure(changed, "greedy")
    check_by_rerun(changed, "greedy", found)
    assert found[fewest].max_winning_cost is None
    assert found[fewest].reasons["max_winning_cost"] == f"fewer voters than the minimum of {minimum}"
    assert found[fewest].singleton_add >= 5
    assert measure(instance, "greedy")[fewest].singleton_add < found[fewest].singleton_add


def test_completions_are_not_monotone_in_cost():
    """The two cases docs/rules.md gives: a boundary, not the largest winning cost."""
    add1 = Instance.from_data(6, {"a": 2, "b": 6, "c": 2}, [["a", "c", "b"], ["a"], ["c", "a", "b"], ["b", "c", "a"]])
    rule = ConfiguredRule.of(add1, "equalshares/add1")
    assert [c for c in range(1, 8) if wins(rule, with_cost(add1, "a", c), "a")] == [1, 2, 3, 4, 6]
    assert measure(add1, "equalshares/add1")["a"].max_winning_cost == 4
    plus_one = Instance.from_data(7, {"a": 6, "b": 6, "c": 7}, [["c", "b"], ["a", "c"], ["c"], ["a"]])
    rule = ConfiguredRule.of(plus_one, "equalshares")
    assert [c for c in range(1, 9) if wins(rule, with_cost(plus_one, "b", c), "b")] == [2]
    # The old search (stepping down from 6: 5, 3, 1) missed it; the thresholds of the
    # completion's steps find the one winning cost.
    assert measure(plus_one, "equalshares")["b"].max_winning_cost == 2


def test_choices_of_a_large_pool_are_counted_up_to_the_limit():
    """Łódź 2022: the product of the groups' choices has tens of thousands of digits, more than
    Python turns into text; the count stops past the limit and the reason gives the limit."""
    assert choices_up_to([3, 5, 7], 512) == 105
    assert choices_up_to([2] * 20_000, 512) == 513
    voters = [[str(i % 7), str(i % 5 + 7)] for i in range(40)]
    instance = Instance.from_data(30, {str(i): 10 for i in range(12)}, voters)
    found = measure(instance, "phragmen", projects=["11"])["11"]
    assert found.reason_codes["optimist_add"] == "too_many_choices"
    assert found.reasons["optimist_add"] == (
        "exact only by trying every choice of voters: more than 512 choices among 32 voters who did not choose it")


def test_decimal_budget(load):
    """Ursus Północny's budget is 827838.5: money left and costs compare exactly."""
    instance = load("Poland_Warszawa_2018_Ursus_Polnocny.pb")
    check_by_rerun(instance, "greedy", measure(instance, "greedy"))


def test_exact_values_on_a_hand_made_pool():
    """Budget 100; by votes: a (5 votes, 60), b (4, 50), c (3, 30), d (1, 10).
    Greedy funds a, skips b (40 left), funds c, then d: 0 left."""
    instance = Instance.from_data(
        100, {"a": 60, "b": 50, "c": 30, "d": 10},
        [["a"], ["a", "b"], ["a", "b", "c"], ["b", "c", "d"], ["c"]],
        multiplicities=[2, 2, 1, 1, 1],
    )
    found = measure(instance, "greedy")
    # a is first: it wins at any cost up to the budget.
    assert found["a"].max_winning_cost == 100 and found["a"].singleton_add == 0
    # b comes after a: 40 left, so it may cost 40; or 1 singleton vote ties it with a and
    # the cheaper b goes first (50 <= 100).
    assert (found["b"].max_winning_cost, found["b"].singleton_add) == (40, 1)
    assert found["b"].optimist_add == found["b"].pessimist_add == 1
    # c: with b skipped, 40 left at c, then d needs 10: c may cost 40.
    assert found["c"].max_winning_cost == 40
    # d is last: 10 left.
    assert found["d"].max_winning_cost == 10
    no_skip = measure(instance, "greedy-no-skip")
    # Without skipping, greedy stops at b: c and d lose at any cost; b wins at 40.
    assert no_skip["b"].max_winning_cost == 40
    assert no_skip["c"].max_winning_cost is None
    assert no_skip["c"].reasons["max_winning_cost"] == "greedy stops before it at any cost"
    # One vote ties c with b and the cheaper c goes first (a, c fit: 90).
    assert no_skip["c"].singleton_add == 1
    threshold = measure(instance, "greedy-threshold", min_score=4)
    assert threshold["c"].max_winning_cost is None
    assert threshold["c"].singleton_add == 1  # 4 votes reach the threshold; b is skipped


def test_the_app_minimum_of_votes_holds_under_greedy():
    """The app's pools write META ``min_project_votes_threshold`` (a minimum of voters under
    every rule). c has 1 vote of the 2 needed: no cost makes it win, and 1 more voter does
    (a 60 first, b 50 no longer fits in 40, c 30 fits); the re-run agrees."""
    instance = Instance.from_data(
        100, {"a": 60, "b": 50, "c": 30}, [["a"], ["a", "b"], ["b"], ["c"]],
        multiplicities=[3, 2, 2, 1], meta={"rule": "greedy", "min_project_votes_threshold": "2"},
    )
    found = measure(instance)
    assert found["c"].max_winning_cost is None
    assert found["c"].reasons["max_winning_cost"] == "fewer voters than the minimum of 2"
    assert found["c"].singleton_add == 1
    assert (found["b"].max_winning_cost, found["b"].singleton_add) == (40, 1)
    check_by_rerun(instance, "greedy", found)
    given = measure(instance, "greedy", min_votes=3)  # a parameter overrides META, as in compute
    assert given["c"].singleton_add == 2 and given["b"].max_winning_cost == 40


def test_cli_explain_json(capsys):
    assen = str(Path(__file__).resolve().parent.parent / "data" / "Netherlands_Assen_2024.pb")
    assert main(["explain", assen, "--rule", "greedy", "--json"]) == 0
    projects = json.loads(capsys.readouterr().out)["projects"]
    assert len(projects) == 14
    for values in projects.values():
        assert set(values) == {"selected", *MEASURES, "reasons", "reason_codes"}
    assert main(["explain", assen, "--rule", "greedy", "--project", "nope"]) == 2
    assert capsys.readouterr().err == "error: unknown project 'nope'\n"


# Brute force on small instances.
# No shrinking: a failing example is printed as drawn (shrinking re-runs the brute force for minutes).
SMALL = settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@st.composite
def small_instances(draw, max_ballots=5, max_multiplicity=3):
    """2-4 projects with costs from a few values (equal costs and votes happen: ties)."""
    ids = draw(st.lists(st.sampled_from(["1", "2", "9", "10"]), min_size=2, max_size=4, unique=True))
    costs = {pid: draw(st.sampled_from([2, 3, 4, 6, 7])) for pid in ids}
    budget = draw(st.integers(2, sum(costs.values())))
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, unique=True), min_size=1, max_size=max_ballots))
    multiplicities = draw(st.lists(st.integers(1, max_multiplicity), min_size=len(ballots), max_size=len(ballots)))
    return Instance.from_data(budget, costs, ballots, multiplicities=multiplicities)


def brute_force(instance: Instance, rule: ConfiguredRule, pid: str) -> tuple[int | None, int | None]:
    """The largest winning cost and the fewest singleton voters, by trying every value."""
    winning_costs = [c for c in range(1, int(instance.budget) + 2) if wins(rule, with_cost(instance, pid, c), pid)]
    limit = 3 * (instance.num_voters + 1)
    adds = [k for k in range(limit) if wins(rule, with_singletons(instance, pid, k), pid)]
    return max(winning_costs, default=None), min(adds, default=None)


@SMALL
@given(small_instances(), st.sampled_from(GREEDY_FAMILY), st.sampled_from(TIE_ORDERS))
def test_greedy_measures_equal_brute_force(instance, rule_name, tie_breaking):
    params = {"min_score": 2} if rule_name == "greedy-threshold" else {}
    rule = ConfiguredRule.of(instance, rule_name, tie_breaking, **params)
    found = measure(instance, rule_name, tie_breaking=tie_breaking, **params)
    for pid, values in found.items():
        assert (values.max_winning_cost, values.singleton_add) == brute_force(instance, rule, pid)


@settings(SMALL, max_examples=25)
@given(small_instances(), st.sampled_from(sorted(set(RULES) - set(GREEDY_FAMILY) - {"phragmen"})),
       st.sampled_from(TIE_ORDERS))
def test_equal_shares_oracle_equals_the_rule_at_every_cost(instance, rule_name, tie_breaking):
    """Small instances with equal costs and votes (ties, and equal shares' near ties)."""
    rule = ConfiguredRule.of(instance, rule_name, tie_breaking)
    oracle = EqualSharesOracle(instance, rule)
    for pid in instance.projects:
        for cost in range(1, int(instance.budget) + 2):
            assert oracle.selected_at(pid, cost) == wins(rule, with_cost(instance, pid, cost), pid), (pid, cost)


@SMALL
@given(small_instances(), st.sampled_from(sorted(set(RULES) - set(GREEDY_FAMILY))), st.sampled_from(TIE_ORDERS))
def test_rerun_measures_equal_brute_force(instance, rule_name, tie_breaking):
    """Where winning is monotone in the cost, the value is the largest winning cost; where a
    completion makes it not monotone, it is still a boundary (checked by re-running) and the
    winning cost nearest below the project's cost is found whenever it is one of those the
    search steps on."""
    rule = ConfiguredRule.of(instance, rule_name, tie_breaking)
    found = measure(instance, rule_name, tie_breaking=tie_breaking)
    check_by_rerun(instance, rule_name, found, tie_breaking=tie_breaking)
    for pid, values in found.items():
        winning = [c for c in range(1, int(instance.budget) + 2) if wins(rule, with_cost(instance, pid, c), pid)]
        if winning == list(range(1, len(winning) + 1)):
            assert values.max_winning_cost == max(winning, default=None)
        added = [k for k in range(3 * (instance.num_voters + 1)) if wins(rule, with_singletons(instance, pid, k), pid)]
        if added and added == list(range(added[0], added[-1] + 1)):
            assert values.singleton_add == added[0]


@settings(SMALL, max_examples=examples(15))
@given(small_instances(max_ballots=5, max_multiplicity=1),
       st.sampled_from(sorted(set(RULES) - set(GREEDY_FAMILY))), st.sampled_from(TIE_ORDERS))
def test_optimist_and_pessimist_adds_equal_every_choice_of_voters(instance, rule_name, tie_breaking):
    """Voter by voter (not by groups of identical ballots, as the engine counts): the fewest
    non-supporters for whom some choice, and every choice, gets the project selected."""
    rule = ConfiguredRule.of(instance, rule_name, tie_breaking)
    found = measure(instance, rule_name, tie_breaking=tie_breaking)
    voters = [ballot.projects for ballot in instance.ballots for _ in range(ballot.multiplicity)]
    for pid, values in found.items():
        others = [i for i, projects in enumerate(voters) if pid not in projects]
        won = {}
        for k in range(len(others) + 1):
            won[k] = [
                wins(rule, replace(instance, ballots=[
                    Ballot((*projects, pid) if i in chosen else projects) for i, projects in enumerate(voters)
                ]), pid)
                for chosen in map(set, combinations(others, k))
            ]
        optimist = min((k for k, outcomes in won.items() if any(outcomes)), default=None)
        pessimist = min((k for k, outcomes in won.items() if all(outcomes)), default=None)
        assert (values.optimist_add, values.pessimist_add) == (optimist, pessimist), pid
        assert values.optimist_add is None or values.optimist_add <= values.pessimist_add


def test_a_changed_run_goes_on_from_a_kept_state_only_where_its_rounds_are_the_same(load):
    """Resuming (mes_measures.EqualSharesOracle.resumed): a run with one project's cost
    changed, resumed from the state kept after the rounds that cost did not decide, is the run
    from the start; a kept state from further on is not used (the oracle runs from the start),
    nor one whose scale cannot hold the changed cost."""
    instance = load("Poland_Czestochowa_2020_Grabowka.pb")
    rule = ConfiguredRule.of(instance, "equalshares")
    oracle = EqualSharesOracle(instance, rule)
    share = oracle.step_share(3)
    run, thresholds = oracle.watched(share, oracle.budget)
    loser = "177"  # not bought at this share; bought in round 2 at its threshold, in round 1 at a cost of 1
    j = oracle.index[loser]
    assert loser not in run.selected
    for cost in (int(thresholds.cost[j]), 1):
        rounds = thresholds.first_round(j, cost)
        changed = oracle.changed(loser, cost)
        _, kept = oracle.mes.run_keeping(share, oracle.budget, rounds)
        assert len(kept.run.selected) == rounds and kept.run.selected == run.selected[:rounds]
        resumed = changed.resume(kept, oracle.budget, j)
        assert resumed.selected == changed.run(share, oracle.budget).selected
        assert loser in resumed.selected
    assert oracle.changed(loser, Fraction(1, 1_000_003)).resume(kept, oracle.budget, j) is None  # a prime
    # Asked about a high cost, then a low one (decided earlier): the state kept for the first
    # is after too many rounds for the second, which runs from the start; both as the rule.
    high, low = int(thresholds.cost[j]), 1
    assert thresholds.first_round(j, low) < thresholds.first_round(j, high)
    for cost in (high, low, high):
        assert oracle.selected_at(loser, cost) == wins(rule, with_cost(instance, loser, cost), loser)


def test_added_voters_under_equal_shares_take_two_tests_of_the_rule_per_loser(load, monkeypatch):
    """The guess of the completion (a few of its steps, found by a search from where the last
    guess ended) gives each loser's boundary: the rule is asked one voter below it, then at it."""
    instance = load("Poland_Czestochowa_2020_Grabowka.pb")
    asked: dict[str, list[int]] = {}
    original = _EqualSharesMeasures.selected_at

    def counted(self, pid, cost, singletons):
        if singletons:
            asked.setdefault(pid, []).append(singletons)
        return original(self, pid, cost, singletons)

    monkeypatch.setattr(_EqualSharesMeasures, "selected_at", counted)
    found = measure(instance, "equalshares")
    losers = [pid for pid, values in found.items() if not values.selected]
    assert losers and set(asked) == set(losers)
    for pid in losers:
        added = found[pid].singleton_add
        assert asked[pid] == [added - 1, added], pid
    check_by_rerun(instance, "equalshares", found)


def test_measures_in_processes_are_those_of_one_process(load):
    """``jobs=2`` shares the projects between two forked processes: the same values, in the
    same order."""
    instance = load("Poland_Lodz_2024_Nad_Nerem.pb")
    alone = measure(instance, "equalshares")
    shared = measure(instance, "equalshares", jobs=2)
    assert list(shared) == list(alone) == list(instance.projects)
    assert {pid: values.as_dict() for pid, values in shared.items()} == {pid: values.as_dict() for pid, values in alone.items()}


def test_the_step_a_guess_of_the_completion_ends_at():
    """Searched outwards from the step given: down while the steps end it, up while they do not."""
    asked = []

    def ends_from(first):
        def ends(step):
            asked.append(step)
            return step >= first
        return ends

    assert ending_step(ends_from(7), 3, 100) == 7
    assert ending_step(ends_from(7), 40, 100) == 7
    assert ending_step(ends_from(7), 7, 100) == 7
    assert ending_step(ends_from(0), 0, 100) == 0
    asked.clear()
    # Step 0 is not asked from elsewhere (the rule checks the guess): taken not to end it.
    assert ending_step(ends_from(0), 5, 100) == 1 and 0 not in asked
    assert ending_step(ends_from(1000), 5, 100) == 100  # none ends it: the last step
    asked.clear()
    assert ending_step(ends_from(51), 50, 100) == 51 and asked == [50, 51]


def test_a_run_after_its_first_winners_is_the_run(load):
    """``EqualShares.run_after`` pays for the first winners of a run given (it evaluates no
    other project in those rounds), then goes on as a run does: the same run, after any
    number of its rounds (but the one that overspent)."""
    instance = load("Poland_Czestochowa_2020_Grabowka.pb")
    oracle = EqualSharesOracle(instance, ConfiguredRule.of(instance, "equalshares"))
    for step, cap, overspent in ((0, None, False), (138, oracle.budget, False), (238, oracle.budget, True)):
        share = oracle.step_share(step)
        run = oracle.mes.run(share, cap)
        assert run.overspent == overspent
        for rounds in range(len(run.selected) + 1 - run.overspent):
            again = oracle.mes.run_after(share, [oracle.index[pid] for pid in run.selected[:rounds]], cap)
            assert (again.selected, again.spent, again.overspent) == (run.selected, run.spent, run.overspent)


def test_runs_without_each_selected_project_are_those_run_alone(load):
    """Before the questions, every run without a project that the unchanged run bought at a
    step (``every_without``: one more run of it, going on from a copy of its state before each
    purchase) is the run of the instance with that project out of reach, from the start; and
    its thresholds are those of the run without it asked alone (``without``: the rounds
    before replayed), up to the last bits of floats (other projects evaluated)."""
    instance = load("Poland_Czestochowa_2025_Polnoc.pb")
    rule = ConfiguredRule.of(instance, "equalshares")
    eager, alone = EqualSharesOracle(instance, rule), EqualSharesOracle(instance, rule)
    for step in (0, 5):
        share, cap = eager.step_share(step), eager.budget
        unchanged, _ = eager.watched(share, cap)
        found = eager.every_without(share, cap)
        assert list(found) == unchanged.selected
        for pid, (run, thresholds) in found.items():
            j = eager.index[pid]
            out_of_reach = eager.changed(pid, share * eager.voters + 1).run(share, cap)
            replayed, replayed_thresholds = alone.without(pid, share, cap)
            assert run.selected == out_of_reach.selected == replayed.selected
            assert len(thresholds.history) == len(replayed_thresholds.history) == len(run.selected)
            assert thresholds.cost[j] == pytest.approx(replayed_thresholds.cost[j], rel=1e-12)
            for cost in (thresholds.cost[j] / 2, thresholds.cost[j]):
                assert thresholds.first_round(j, cost) == replayed_thresholds.first_round(j, cost)


def test_compiled_watched_runs_are_the_python_ones(load, monkeypatch):
    """On a large pool the watched runs are compiled: the unchanged run watching every
    project, each run without a project the unchanged run bought (left out from the start;
    in Python, the rounds before its purchase replayed) watching it, and a run watching one
    project's added voters.  The same runs as in Python, and the same thresholds within the
    margin they are used with (sums in another order; the largest costs are found by
    Newton's method from above, which stops within 1e-12 of the total: a few more or fewer
    steps move them by up to about 1e-10)."""
    instance = load("Poland_Krakow_2025_Debniki.pb")
    oracle = EqualSharesOracle(instance, ConfiguredRule.of(instance, "equalshares"))
    mes = oracle.mes

    def both(share, cap, watched, added_share=0, without=None):
        compiled = oracle.watched_run(share, cap, Thresholds(mes, added_share, watched=watched), without)
        with monkeypatch.context() as python_only:
            python_only.setattr(mes, "compiling", False)
            in_python = oracle.watched_run(share, cap, Thresholds(mes, added_share, watched=watched), without)
        return compiled, in_python

    for step in (0, 7):
        share, cap = oracle.step_share(step), oracle.budget
        assert mes.compiled(share, cap, watched=np.array(mes.supported), added_share=float(share)) is not None
        unchanged = mes.run(share, cap)
        assert len(unchanged.selected) == 16
        loser = next(pid for pid in mes.ids if pid not in unchanged.selected)
        cases = [both(share, cap, None, share), both(share, None, [oracle.index[loser]], share)]
        cases += [both(share, cap, [oracle.index[pid]], 0, pid) for pid in unchanged.selected]
        for (run, thresholds), (python_run, python_thresholds) in cases:
            assert (run.selected, run.spent, run.overspent) == (python_run.selected, python_run.spent,
                                                                python_run.overspent)
            assert len(thresholds.history) == len(python_thresholds.history) == len(run.selected)
            assert thresholds.best == pytest.approx(python_thresholds.best, rel=MARGIN)
            assert thresholds.fewest == pytest.approx(python_thresholds.fewest, rel=MARGIN)
            assert list(thresholds.open) == list(python_thresholds.open)
            for j in thresholds.position:
                for cost in (thresholds.cost[j] / 2, thresholds.cost[j] * 0.9):
                    assert thresholds.first_round(j, cost) == python_thresholds.first_round(j, cost)


@pytest.mark.parametrize("min_votes", [None, 85])
def test_the_tally_with_added_approvals_is_the_tally_counted_again(load, min_votes):
    """The tally of a pool with new voters choosing one project, as the tests of added voters
    make it from the pool's (its votes and scores raised), is the one counted from every
    ballot again: votes, scores, eligible and excluded projects (at least 85 votes: the
    three projects with 80 to 84 become eligible with 9 voters more), the tie-breaking order."""
    instance = load("Poland_Wieliczka_2023_Green_Budget.pb")
    tally = Tally.of(instance, "cheaper-first", 3, min_votes)
    for pid in instance.projects:
        for added in (1, 9, 500):
            changed = with_singletons(instance, pid, added)
            derived = tally.with_approvals(changed, pid, added, min_votes)
            counted = Tally.of(changed, "cheaper-first", 3, min_votes)
            assert (derived.votes, derived.scores, derived.eligible, derived.excluded) == (
                counted.votes, counted.scores, counted.eligible, counted.excluded)
            assert list(map(derived.ties.key, instance.projects)) == list(map(counted.ties.key, instance.projects))
            if min_votes and added == 9:
                assert (pid in tally.excluded) == (tally.votes[pid] < 85) and pid in derived.eligible


def test_measures_of_a_pool_are_those_of_each_project_asked_alone(load):
    """Measuring a whole pool prepares every run without a selected project at every step
    first; asking one project at a time does not (each such run replays the rounds before
    it): the same values."""
    instance = load("Poland_Czestochowa_2020_Grabowka.pb")
    together = measure(instance, "equalshares")
    for pid in instance.projects:
        assert measure(instance, "equalshares", projects=[pid])[pid].as_dict() == together[pid].as_dict(), pid


@pytest.mark.parametrize("name", ["Poland_Czestochowa_2020_Grabowka.pb", "Netherlands_Assen_2024.pb"])
def test_the_steps_known_from_the_outcome_are_those_the_completion_runs(load, name):
    """Under ``equalshares`` the preparation runs each step of the completion in processes
    before running the completion: the steps it takes from the outcome are the ones the
    completion asks for, in order."""
    instance = load(name)
    rule = ConfiguredRule.of(instance, "equalshares")
    oracle = EqualSharesOracle(instance, rule)
    oracle.watch_the_completion()
    assert oracle.completion_steps(rule.outcome(instance).details["budget_increase_steps"]) == oracle.completion_keys()
