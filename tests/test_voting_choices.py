"""Ballot validity per voting method (pure)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pb_service.voting.choices import MethodSpec, validate_pool_choices

COSTS = {1: 100_000_00, 2: 250_000_00, 3: 400_000_00, 4: 50_000_00}
BUDGET = 600_000_00

WARSAW = MethodSpec("approval", min_choices=1, max_choices=3)
KRAKOW = MethodSpec("points", points=(3, 2, 1), must_use_all=True)
GDANSK = MethodSpec("cumulative", total_points=5)
KNAPSACK = MethodSpec("knapsack", min_choices=1)


def check(spec, raw):
    result = validate_pool_choices(spec, COSTS, BUDGET, raw)
    return result.points, [str(e) for e in result.errors]


def test_approval():
    assert check(WARSAW, [1, 3]) == ({1: 1, 3: 1}, [])
    assert check(WARSAW, ["2"]) == ({2: 1}, [])
    assert check(WARSAW, []) == ({}, ["Choose at least 1 project."])
    assert check(WARSAW, [1, 2, 3, 4]) == ({}, ["Choose at most 3 projects."])
    assert check(WARSAW, [1, 1]) == ({}, ["A project is chosen more than once."])
    assert check(WARSAW, [1, 99]) == ({}, ["Some chosen projects are not on this ballot."])
    assert check(WARSAW, {1: 2}) == ({}, ["In this vote you choose projects; points are not used."])
    assert check(WARSAW, "1,2") == ({}, ["The choices are not in a form we understand."])


def test_points_krakow_must_use_3_2_1():
    assert check(KRAKOW, {1: 3, 2: 2, 4: 1}) == ({1: 3, 2: 2, 4: 1}, [])
    assert check(KRAKOW, {1: 3, 2: 2}) == ({}, ["Give out all the points: 3, 2, 1."])
    assert check(KRAKOW, {1: 3, 2: 3, 4: 1}) == ({}, ["Give each of the points 3, 2, 1 to one project at most."])
    assert check(KRAKOW, {1: 4, 2: 2, 4: 1}) == ({}, ["Give each of the points 3, 2, 1 to one project at most."])
    assert check(KRAKOW, {1: 1.5}) == ({}, ["The choices are not in a form we understand."])
    assert check(KRAKOW, {1: -3}) == ({}, ["Points cannot be negative."])


def test_cumulative_gdansk_up_to_5_points():
    assert check(GDANSK, {1: 5}) == ({1: 5}, [])
    assert check(GDANSK, {1: 2, 3: 2, 4: 1}) == ({1: 2, 3: 2, 4: 1}, [])
    assert check(GDANSK, {1: 4, 3: 2}) == ({}, ["You can give at most 5 points in total."])
    assert check(MethodSpec("cumulative", total_points=5, must_use_all=True), {1: 4}) == ({}, ["Give out exactly 5 points."])


def test_knapsack_running_total_within_budget():
    assert check(KNAPSACK, [1, 2, 4]) == ({1: 1, 2: 1, 4: 1}, [])
    assert check(KNAPSACK, [2, 3]) == ({}, ["The chosen projects cost more than the pool's budget."])


@given(st.one_of(
    st.lists(st.one_of(st.integers(-5, 100), st.text(max_size=3), st.booleans(), st.floats())),
    st.dictionaries(st.one_of(st.integers(-5, 100), st.text(max_size=3)), st.one_of(st.integers(-10, 10), st.floats(), st.text(max_size=2))),
    st.none(), st.integers(), st.text(),
))
@pytest.mark.parametrize("spec", [WARSAW, KRAKOW, GDANSK, KNAPSACK])
def test_any_input_is_either_valid_or_explained(spec, raw):
    result = validate_pool_choices(spec, COSTS, BUDGET, raw)
    assert not (result.errors and result.points)
    assert set(result.points) <= set(COSTS)
    if spec.method == "knapsack" and not result.errors:
        assert sum(COSTS[p] for p in result.points) <= BUDGET
