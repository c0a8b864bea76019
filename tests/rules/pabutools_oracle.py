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
    """Cost-utility greedy, MES completed by budget increase then greedy, or Phragmén."""
    election, profile = parse_pabulib_from_string(write_pabulib(instance))
    profile = profile.as_multiprofile()
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(election, profile, sat_class=Cost_Sat)
    elif rule == "equalshares":
        outcome = completion_by_rule_combination(
            election,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}},
                {"sat_class": Cost_Sat},
            ],
        )
    elif rule == "phragmen":
        outcome = sequential_phragmen(election, profile)
    else:
        raise ValueError(rule)
    return {project.name for project in outcome}
