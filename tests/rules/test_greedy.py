"""The greedy family: skipping, stopping, thresholds, scores by ballot type, ties."""

from __future__ import annotations

import pytest

from pb_service.rules import Instance, Status, compute
from pb_service.rules.tally import project_scores


def approval(budget, costs, ballots, multiplicities=None, **meta):
    return Instance.from_data(budget, costs, ballots, "approval", multiplicities, meta)


def test_greedy_skips_what_does_not_fit_and_no_skip_stops():
    instance = approval(10, {"a": 6, "b": 5, "c": 4}, [["a"], ["b"], ["c"]], [3, 2, 1])
    skip = compute(instance, "greedy")
    assert skip.selected == ["a", "c"] and skip.spent == 10 and skip.leftover == 0
    assert skip.outcomes["b"].status is Status.DID_NOT_FIT
    stop = compute(instance, "greedy-no-skip")
    assert stop.selected == ["a"]
    assert stop.outcomes["b"].status is Status.DID_NOT_FIT
    assert stop.outcomes["c"].status is Status.NOT_REACHED


def test_threshold_is_inclusive_and_compares_points():
    instance = Instance.from_data(
        10, {"a": 3, "b": 3, "c": 3}, [{"a": 3, "b": 1}, {"b": 1, "c": 2}], "cumulative"
    )
    result = compute(instance, "greedy-threshold", min_score=2)
    assert result.selected == ["a", "b", "c"]
    assert compute(instance, "greedy-threshold", min_score=3).selected == ["a"]
    assert compute(instance, "greedy-threshold", min_score=3).outcomes["c"].status is Status.UNDER_THRESHOLD


def test_threshold_comes_from_meta_or_is_required():
    instance = approval(10, {"a": 3}, [["a"]], min_project_score_threshold="2")
    assert compute(instance, "greedy-threshold").selected == []
    with pytest.raises(ValueError, match="min_project_score_threshold"):
        compute(approval(10, {"a": 3}, [["a"]]), "greedy-threshold")


def test_points_and_votes_rankings_differ_on_cumulative_ballots():
    instance = Instance.from_data(
        5, {"a": 5, "b": 5}, [{"a": 10}, {"b": 1}, {"b": 1}], "cumulative"
    )
    assert compute(instance, "greedy").selected == ["a"]
    assert compute(instance, "greedy", ranking="votes").selected == ["b"]


def test_krakow_positional_scores_match_the_score_column(load):
    for name in ("Poland_Krakow_2020_Bronowice.pb", "Poland_Krakow_2025_Debniki.pb"):
        instance = load(name)
        scores = project_scores(instance)
        assert {pid: int(p.fields["score"]) for pid, p in instance.projects.items()} == scores


def test_cheaper_project_wins_a_tie_and_the_tie_is_reported():
    instance = approval(10, {"big": 8, "small": 6}, [["big", "small"]])
    result = compute(instance)
    assert result.selected == ["small"]
    (tie,) = result.ties
    assert tie.projects == ("small", "big") and tie.winners == ("small",)
    assert tie.settled_by == "cost"
    assert result.outcomes["big"].status is Status.TIE


def test_lottery_settles_full_ties_with_a_recorded_seed():
    instance = approval(5, {"x": 5, "y": 5}, [["x", "y"]])
    winners = {compute(instance, seed=seed).selected[0] for seed in range(20)}
    assert winners == {"x", "y"}
    result = compute(instance, seed=7)
    assert result.ties[0].settled_by == "lottery" and "seed 7" in result.tie_breaking
    assert compute(instance, seed=7).selected == result.selected


def test_lexicographic_tie_breaking_mimics_pabutools():
    instance = approval(5, {"9": 5, "10": 5}, [["9", "10"]])
    assert compute(instance, tie_breaking="lexicographic").selected == ["10"]


def test_ties_that_change_nothing_are_not_reported():
    instance = approval(100, {"a": 10, "b": 20}, [["a", "b"]])
    assert compute(instance).ties == []


def test_withdrawn_projects_are_never_funded():
    instance = approval(10**10, {"a": 5, "w": 999_999_999}, [["a", "w"]])
    result = compute(instance)
    assert result.selected == ["a"]
    assert result.outcomes["w"].status is Status.WITHDRAWN


def test_file_rule_is_the_default(load):
    instance = load("Poland_Poznan_2025_13_-_Jezyce_Sw.Lazarz__large.pb")
    result = compute(instance)
    assert result.rule == "greedy-no-skip"
    assert result.details["file_rule"] == "greedy-custom"
