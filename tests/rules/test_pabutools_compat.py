"""The pabutools-compatible door gives the BudgetAllocation pabutools 1.2.3 computes, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import (
    BudgetAllocation,
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import (
    TieBreakingRule,
    app_score_tie_breaking,
    lexico_tie_breaking,
    max_cost_tie_breaking,
    min_cost_tie_breaking,
    refuse_tie_breaking,
)

from pb_service.rules.pabutools_compat import allocation

DATA = Path(__file__).resolve().parent.parent / "data"
#: Real files of every ballot type on which pabutools' equal shares takes under a second.
FILES = [
    "Netherlands_Assen_2024.pb",  # approval
    "Netherlands_Amsterdam_643.pb",  # choose-1
    "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb",
    "Poland_Lodz_2024_Nad_Nerem.pb",
    "Worldwide_Mechanical_Turk_Knapsack_7.pb",
    "Poland_Czestochowa_2020_Grabowka.pb",  # cumulative
    "Poland_Katowice_2024_Zarzecze.pb",
    "Poland_Gdansk_2020_Oliwa.pb",
    "US_Stanford_Dataset_PB_Chicago_39th_Ward_2021_vote_rankings.pb",  # ordinal
    # A copy of the Assen file with project ids repeated in three votes: pabutools reads an
    # approval ballot as a set, and so do we.
    "Netherlands_Assen_2024__repeated_in_votes.pb",
]
TIE_BREAKINGS = {
    "lexico": lexico_tie_breaking,
    "min_cost": min_cost_tie_breaking,
    "max_cost": max_cost_tie_breaking,
    "app_score": app_score_tie_breaking,
}


def pabutools_allocation(instance, profile, rule: str, tie_breaking) -> BudgetAllocation:
    if rule == "greedy":
        return greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=tie_breaking)
    # pabutools' MES orders the projects tied on cost or approval score as its set of projects
    # comes (it changes with PYTHONHASHSEED: Knapsack 7 funds '12' or '2' first under
    # app_score_tie_breaking); its greedy orders them by name, and so do we: the reference
    # gets that order spelled out.
    mes = {"sat_class": Cost_Sat, "tie_breaking": then_by_name(tie_breaking)}
    if rule == "mes":
        return method_of_equal_shares(instance, profile, **mes)
    return completion_by_rule_combination(
        instance,
        profile,
        [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
        [{"rule": method_of_equal_shares, "rule_params": mes}, {"sat_class": Cost_Sat, "tie_breaking": tie_breaking}],
    )


def then_by_name(tie_breaking: TieBreakingRule) -> TieBreakingRule:
    return TieBreakingRule(lambda instance, profile, project: (tie_breaking.func(instance, profile, project), project.name))


@pytest.fixture(scope="module")
def elections():
    cache = {}

    def election(name: str):
        if name not in cache:
            cache[name] = parse_pabulib(str(DATA / name))
        return cache[name]

    return election


def names(projects) -> list[str]:
    return [project.name for project in projects]


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("rule", ["greedy", "equalshares", "mes"])
@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
def test_the_same_budget_allocation_as_pabutools(elections, name, rule, tie_breaking):
    instance, profile = elections(name)
    if tie_breaking == "app_score" and not hasattr(profile, "approval_score"):
        with pytest.raises(ValueError, match="approval profile"):
            allocation(instance, profile, rule, tie_breaking=TIE_BREAKINGS[tie_breaking])
        return
    theirs = pabutools_allocation(instance, profile.as_multiprofile(), rule, TIE_BREAKINGS[tie_breaking])
    ours = allocation(instance, profile, rule, tie_breaking=TIE_BREAKINGS[tie_breaking])
    assert isinstance(ours, BudgetAllocation)
    # The same projects in the same order of selection (a BudgetAllocation is a list).
    assert names(ours) == names(theirs)
    assert all(mine is project for mine, project in zip(ours, instance_order(instance, ours)))
    # A multiprofile gives the same answer as the profile it groups.
    assert names(allocation(instance, profile.as_multiprofile(), rule, tie_breaking=TIE_BREAKINGS[tie_breaking])) == names(ours)


def instance_order(instance, selected):
    """pabutools' own Project objects of ``selected``, found in ``instance``."""
    by_name = {project.name: project for project in instance}
    return [by_name[project.name] for project in selected]


def test_default_tie_breaking_is_pabutools_default(elections):
    instance, profile = elections("Poland_Lodz_2024_Nad_Nerem.pb")
    assert names(allocation(instance, profile)) == names(greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat))


def test_unsupported_requests_are_refused(elections):
    instance, profile = elections("Netherlands_Assen_2024.pb")
    with pytest.raises(ValueError, match="unknown rule 'phragmen'"):
        allocation(instance, profile, "phragmen")
    with pytest.raises(ValueError, match="unsupported tie-breaking rule"):
        allocation(instance, profile, tie_breaking=refuse_tie_breaking)
    with pytest.raises(ValueError, match="only resolute outcomes"):
        allocation(instance, profile, resoluteness=False)


def test_projects_of_cost_zero_count_as_chosen_by_nobody_as_in_pabutools():
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance, Project

    free, cheap, dear, unchosen = Project("free", 0), Project("cheap", 10), Project("dear", 30), Project("a-unchosen", 0)
    instance = Instance([free, cheap, dear, unchosen], budget_limit=30)
    profile = ApprovalProfile([ApprovalBallot([free, dear]), ApprovalBallot([dear]), ApprovalBallot([cheap, free])])
    for rule in ("greedy", "equalshares", "mes"):
        theirs = pabutools_allocation(instance, profile, rule, lexico_tie_breaking)
        assert names(allocation(instance, profile, rule)) == names(theirs), rule
    assert names(allocation(instance, profile, "greedy")) == ["dear", "a-unchosen", "free"]
