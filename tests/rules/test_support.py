"""The app's semantics: a minimum of voters under every rule, and no project without support;
Pabulib files without the app's META key keep their own semantics."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pb_service.rules import RULES, Instance, Project, Status, compute, read_pabulib, write_pabulib
from pb_service.rules.cli import main
from pb_service.rules.tally import vote_counts

from .conftest import DATA

APPROVAL_RULES = [rule for rule in RULES if rule != "greedy-threshold"]


def _money_left_for_nobody_s_project() -> Instance:
    """Budget 20: a (8) and b (6) are chosen, z (1) nobody chose; y (5) only by one voter."""
    return Instance.from_data(
        20, {"a": 8, "b": 6, "y": 5, "z": 1}, [["a"], ["a", "b"], ["b", "y"]], "approval", [4, 3, 1],
    )


def test_the_file_s_semantics_may_fund_a_project_nobody_chose():
    instance = _money_left_for_nobody_s_project()
    assert compute(instance, "greedy").selected == ["a", "b", "y", "z"]
    assert "z" in compute(instance, "equalshares").selected  # by its greedy completion


@pytest.mark.parametrize("rule", APPROVAL_RULES)
def test_no_rule_funds_a_project_without_support_under_the_app_s_semantics(rule):
    result = compute(_money_left_for_nobody_s_project(), rule, min_votes=0)
    assert "z" not in result.selected
    assert (result.outcomes["z"].status, result.outcomes["z"].detail) == (Status.UNDER_THRESHOLD, "no support")
    assert result.details["min_votes"] == 0


@pytest.mark.parametrize("rule", APPROVAL_RULES)
def test_the_minimum_of_voters_applies_under_every_rule_and_completion(rule):
    result = compute(_money_left_for_nobody_s_project(), rule, min_votes=2)
    assert set(result.selected) <= {"a", "b"}
    assert (result.outcomes["y"].status, result.outcomes["y"].detail) == (Status.UNDER_THRESHOLD, "fewer than 2 votes")


def test_the_minimum_counts_voters_and_a_project_with_0_points_has_no_support():
    # a: 1 voter, 5 points; b: 2 voters, 2 points; c: listed with 0 points only.
    instance = Instance.from_data(100, {"a": 10, "b": 10, "c": 10}, [{"a": 5, "c": 0}, {"b": 1}, {"b": 1}], "cumulative")
    assert compute(instance, "greedy").selected == ["a", "b", "c"]
    result = compute(instance, "greedy", min_votes=2)
    assert result.selected == ["b"]
    assert [result.outcomes[pid].detail for pid in "ac"] == ["fewer than 2 votes", "no support"]
    assert compute(instance, "greedy", min_votes=0).selected == ["a", "b"]


def test_meta_min_project_votes_threshold_is_applied_whatever_the_rule(tmp_path, capsys):
    instance = _money_left_for_nobody_s_project()
    instance.meta.update(rule="equalshares", min_project_votes_threshold="2")
    assert set(compute(instance).selected) == {"a", "b"}
    assert compute(instance, min_votes=0).outcomes["y"].status is not Status.UNDER_THRESHOLD  # the argument wins
    path = tmp_path / "pool.pb"
    path.write_text(write_pabulib(instance))
    assert main(["tally", str(path), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["selected"]) == {"a", "b"}
    assert main(["tally", str(path), "--rule", "greedy", "--min-votes", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["selected"] == ["a", "b", "y"]


REAL_FILES = sorted(path.name for path in DATA.glob("*.pb"))


@pytest.mark.parametrize("name", REAL_FILES)
def test_on_real_files_the_app_s_semantics_fund_only_supported_projects(name, load):
    instance = load(name)
    votes = vote_counts(instance)
    by_file = compute(instance)
    by_app = compute(instance, min_votes=0)
    assert all(votes[pid] > 0 and by_app.outcomes[pid].score > 0 for pid in by_app.selected)
    # No shared real file has a project nobody chose, so both semantics agree on every one.
    assert sorted(by_app.selected) == sorted(by_file.selected)
    minimum = 100
    assert all(votes[pid] >= minimum for pid in compute(instance, min_votes=minimum).selected)


def test_on_a_real_file_with_a_project_nobody_chose_only_the_file_s_semantics_fund_it():
    instance = read_pabulib(DATA / "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb")
    leftover = compute(instance).leftover
    assert leftover > 0
    unchosen = replace(instance, projects={**instance.projects, "nobody": Project("nobody", leftover)})
    assert "nobody" in compute(unchosen).selected
    assert "nobody" not in compute(unchosen, min_votes=0).selected
    assert compute(unchosen, min_votes=0).selected == compute(instance).selected


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb"])
@pytest.mark.parametrize("rule", ["greedy", "equalshares", "equalshares/add1", "phragmen"])
def test_the_minimum_is_the_rule_on_the_ballot_without_the_projects_below_it(name, rule, load):
    """What docs/results.md tells an outside recount: take those projects off, run the rule."""
    instance = load(name)
    votes = vote_counts(instance)
    for minimum in (0, 20, 50):
        gone = {pid for pid, count in votes.items() if count < max(minimum, 1)}
        without = replace(
            instance, projects={pid: p for pid, p in instance.projects.items() if pid not in gone},
            ballots=[replace(b, projects=tuple(pid for pid in b.projects if pid not in gone)) for b in instance.ballots],
        )
        assert sorted(compute(instance, rule, min_votes=minimum).selected) == sorted(compute(without, rule).selected)
