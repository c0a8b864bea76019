"""pabutools 1.2.3 as the reference, on our Instance objects (a test-only dependency)."""

from __future__ import annotations

from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import (
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from pb_service.rules import Instance, write_pabulib


def pabutools_outcome(instance: Instance, rule: str) -> set[str]:
    """pabutools' outcome on one of our instances (see :func:`reference_selection`)."""
    election, profile = parse_pabulib_from_string(write_pabulib(instance))
    return {project.name for project in reference_selection(election, profile.as_multiprofile(), rule)}


def reference_selection(election, profile, rule: str):
    """Cost-utility greedy, MES completed by budget increase then greedy, or Phragmén, as
    pabutools computes them (the benchmarks call this too, on pabutools' own parse of a file)."""
    if rule == "greedy":
        return greedy_utilitarian_welfare(election, profile, sat_class=Cost_Sat)
    if rule == "equalshares":
        return completion_by_rule_combination(
            election,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}},
                {"sat_class": Cost_Sat},
            ],
        )
    if rule == "phragmen":
        return sequential_phragmen(election, profile)
    raise ValueError(rule)
