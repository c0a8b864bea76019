"""The officials' "what if" panel: the same ballots and budget under other rules, side by side.

For each pool: greedy and the Method of Equal Shares (with completion), each with and without
the pool's minimum of votes (never funding a project without votes), next to the edition's own
rule, with fairness figures:

- the share of voters who supported at least one funded project;
- the share of the budget spent on projects a voter supported: the median voter's, and the
  lowest decile's (the voter at the 10th percentile: 90 % of voters have at least this);
- the projects funded differently from the edition's rule.

Equal shares values a project a voter chose at its cost, whatever the points, so on points
ballots it reads each ballot as the set of projects chosen (see docs/rules.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from pb_service.editions.models import Edition
from pb_service.results.counting import PoolCount, count_edition, grosze
from pb_service.rules import Instance, compute

#: The rule families compared (the rules engine's names).
FAMILIES = ("greedy", "equalshares")


@dataclass(frozen=True)
class Fairness:
    #: Voters who supported at least one funded project, as a share of all voters in the pool.
    with_funded: Fraction
    #: Share of the budget spent on projects the median voter supported.
    median_share: Fraction
    #: The same for the voter at the lowest decile.
    lowest_decile_share: Fraction


@dataclass
class Variant:
    #: "greedy", "equalshares", or the edition's rule when it is neither.
    family: str
    #: The minimum score applied, or None.
    threshold: int | None
    selected: list[str]
    spent: int
    leftover: int
    fairness: Fairness
    #: Whether this is the edition's own rule (the preliminary result).
    official: bool = False
    #: Funded here but not by the edition's rule, and the other way round.
    gained: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


@dataclass
class PoolComparison:
    count: PoolCount
    variants: list[Variant]

    @property
    def differing(self) -> list[str]:
        """Projects funded by some variants and not by others, in ranking order."""
        funded = [set(variant.selected) for variant in self.variants]
        union, common = set().union(*funded), set.intersection(*funded)
        return [pid for pid in self.count.ranking() if pid in union - common]


def fairness(instance: Instance, selected) -> Fairness:
    """Fairness figures of an outcome, weighting each ballot by how many voters cast it."""
    funded = set(selected)
    budget = Fraction(instance.budget)
    shares: list[tuple[Fraction, int]] = []
    voters = satisfied = 0
    for ballot in instance.ballots:
        supported_cost = sum((instance.projects[pid].cost for pid in ballot.projects if pid in funded), Fraction(0))
        voters += ballot.multiplicity
        satisfied += ballot.multiplicity if supported_cost else 0
        shares.append((supported_cost / budget if budget else Fraction(0), ballot.multiplicity))
    if not voters:
        return Fairness(Fraction(0), Fraction(0), Fraction(0))
    shares.sort()
    return Fairness(Fraction(satisfied, voters), _quantile(shares, voters, Fraction(1, 2)), _quantile(shares, voters, Fraction(1, 10)))


def _quantile(weighted: list[tuple[Fraction, int]], total: int, q: Fraction) -> Fraction:
    """The value of the voter at position ``floor(q * total)`` (0-based) in increasing order."""
    position = int(q * total)
    seen = 0
    for value, weight in weighted:
        seen += weight
        if seen > position:
            return value
    return weighted[-1][0]


def _variant(count: PoolCount, family: str, threshold: int | None) -> Variant:
    # Without the pool's minimum a project still needs a vote: no rule the app applies funds one without.
    result = compute(count.instance, family, min_votes=threshold or 0)
    return Variant(family, threshold, result.selected, grosze(result.spent), grosze(result.leftover), fairness(count.instance, result.selected))


def _official(count: PoolCount) -> Variant:
    parameters = count.parameters
    threshold = parameters.get("min_votes", parameters.get("min_score")) or None  # a minimum of 0 is no minimum
    family = {"greedy": "greedy", "greedy-threshold": "greedy", "equalshares": "equalshares"}.get(count.rule, count.rule)
    return Variant(
        family, threshold, count.selected, count.spent, count.final_leftover, fairness(count.instance, count.selected), official=True,
    )


def compare_pool(count: PoolCount) -> PoolComparison:
    official = _official(count)
    min_votes = count.pool.min_votes
    variants = [official] if official.family not in FAMILIES else []
    for family in FAMILIES:
        for threshold in (None, min_votes) if min_votes else (None,):
            if (family, threshold) == (official.family, official.threshold):
                variants.append(official)
            else:
                variants.append(_variant(count, family, threshold))
    for variant in variants:
        variant.gained = [pid for pid in variant.selected if pid not in official.selected]
        variant.lost = [pid for pid in official.selected if pid not in variant.selected]
    return PoolComparison(count, variants)


def what_if(tenant, edition: Edition) -> list[PoolComparison]:
    """Recount every pool from the ballots and compare the rules (nothing is stored)."""
    return [compare_pool(count) for count in count_edition(tenant, edition).pools]
