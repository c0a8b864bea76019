"""Equal shares, its completions, Phragmén; checked by hand and against pabutools."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pb_service.rules import Instance, Status, compute
from pb_service.rules.mes import EqualShares, _Run, increased_share
from pb_service.rules.tally import Tally

from tests.rules.pabutools_oracle import pabutools_outcome

SMALL_FILES = [
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2020_Grabowka.pb",
    "Switzerland_Zurich_D10.pb",
    "Worldwide_Mechanical_Turk_Knapsack_7.pb",
    "Netherlands_Amsterdam_643.pb",
    "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb",
    "Poland_Gdansk_2020_Oliwa.pb",
    "US_Stanford_Dataset_PB_Chicago_39th_Ward_2021_vote_rankings.pb",
]


def test_equal_shares_is_proportional_where_greedy_is_not():
    # 3 voters want red projects, 2 want blue ones; the budget buys 5 of the 10 projects.
    costs = {f"r{i}": 1 for i in range(5)} | {f"b{i}": 1 for i in range(5)}
    reds, blues = [f"r{i}" for i in range(5)], [f"b{i}" for i in range(5)]
    instance = Instance.from_data(5, costs, [reds, blues], multiplicities=[3, 2])
    assert sorted(compute(instance, "greedy").selected) == reds
    mes = compute(instance, "equalshares", tie_breaking="lexicographic")
    assert sorted(mes.selected) == ["b0", "b1", "r0", "r1", "r2"]
    assert mes.spent == 5


@pytest.mark.parametrize("name", SMALL_FILES)
@pytest.mark.parametrize("rule", ["greedy", "equalshares"])
def test_matches_pabutools_on_small_real_instances(load, name, rule):
    instance = load(name)
    ours = compute(instance, rule, tie_breaking="lexicographic", ranking="votes")
    assert set(ours.selected) == pabutools_outcome(instance, rule)


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Worldwide_Mechanical_Turk_Knapsack_7.pb"])
def test_phragmen_matches_pabutools(load, name):
    instance = load(name)
    ours = compute(instance, "phragmen", tie_breaking="lexicographic")
    assert set(ours.selected) == pabutools_outcome(instance, "phragmen")


def test_wieliczka_add1_comparison_keeps_equal_shares(load):
    result = compute(load("Poland_Wieliczka_2023_Green_Budget.pb"))
    assert result.rule == "equalshares/add1-comparison"
    # The city kept the equal-shares outcome: 1,615 voters preferred it, 873 greedy.
    assert result.details["prefer_equal_shares"] == 1615
    assert result.details["prefer_greedy"] == 873
    assert result.details["comparison"] == "equal-shares outcome kept"
    assert 313 <= result.details["share_per_voter"] <= 315  # same outcome from 308 to 315 zł


def test_add1_statuses_explain_unfunded_projects(load):
    result = compute(load("Poland_Swiecie_2023.pb"))
    statuses = {o.status for pid, o in result.outcomes.items() if pid not in result.selected}
    assert statuses <= {Status.DID_NOT_FIT, Status.NOT_REACHED}
    assert all(result.outcomes[pid].status is Status.FUNDED for pid in result.selected)


@pytest.mark.parametrize("name", [
    *SMALL_FILES, "Poland_Krakow_2025_Debniki.pb", "Poland_Wieliczka_2023_Green_Budget.pb",
    "Hungary_Budapest_2023_VIII_Jozsefvaros.pb", "Poland_Swiecie_2023.pb",
])
def test_compiled_runs_are_the_exact_runs_on_real_instances(load, name):
    """At every tenth step of the +1 % completion the compiled run answers, and is the run of
    the exact engine: the same winners, ties (Assen's and the Mechanical Turk's exact ties
    among projects whose supporters are all rich), amount spent and overspending."""
    instance = load(name)
    equal_shares = EqualShares(Tally.of(instance))
    budget = Fraction(instance.budget)
    for step in range(0, 101, 10):
        share = increased_share(budget, step, equal_shares.num_voters)
        exact = _Run(equal_shares, share).until(budget)
        assert equal_shares.run_compiled(share, budget) == (exact, None)  # nothing watched
