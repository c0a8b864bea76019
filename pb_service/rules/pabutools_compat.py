"""A pabutools-compatible door: our engine's outcome as the ``BudgetAllocation`` pabutools returns.

For researchers who hold pabutools objects (its ``Instance`` and ``Profile``, e.g. from
``pabutools.election.parse_pabulib``) and want the same outcome faster::

    from pabutools.election import parse_pabulib
    from pabutools.tiebreaking import min_cost_tie_breaking
    from pb_service.rules.pabutools_compat import allocation

    instance, profile = parse_pabulib("Poland_Warszawa_2026.pb")
    outcome = allocation(instance, profile, "equalshares")      # a pabutools BudgetAllocation
    outcome = allocation(instance, profile, "greedy", tie_breaking=min_cost_tie_breaking)

``rule`` is one of :data:`RULES`, each the outcome of a pabutools 1.2.3 call with cost
satisfaction (``Cost_Sat``: a voter values a project they name at its cost, whatever the
ballot type):

``"greedy"``
    ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=...)``.
``"equalshares"``
    ``completion_by_rule_combination(instance, profile, [exhaustion_by_budget_increase,
    greedy_utilitarian_welfare], [{"rule": method_of_equal_shares, "rule_params":
    {"sat_class": Cost_Sat, "tie_breaking": ...}}, {"sat_class": Cost_Sat, "tie_breaking": ...}])``:
    MES whose budget grows by 1 % per step until its outcome is exhaustive, then greedy.
``"mes"``
    ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=...)``.

``tie_breaking`` is one of pabutools' ``lexico_tie_breaking`` (its default),
``min_cost_tie_breaking``, ``max_cost_tie_breaking`` or ``app_score_tie_breaking``.  Projects
tied on cost or approval score are then taken by name, as pabutools' greedy does (it sorts
projects by name first); pabutools' MES takes them in the order its set of projects comes,
which changes from run to run with ``PYTHONHASHSEED``, so there our answer is the one of
its possible answers that the name decides.  Other tie-breaking rules and irresolute
outcomes are refused with a ``ValueError``.

The projects in the answer are pabutools' own ``Project`` objects, in the order pabutools
selects them.  As with cost satisfaction, a project of cost 0 counts as chosen by nobody
(greedy funds it among the projects without votes).  Two differences, both outside the real
Pabulib files we hold: a project costing exactly 999,999,999 is Pabulib's mark of a
withdrawn project, never funded here; and ``app_score_tie_breaking`` counts no votes for a
project of cost 0, where pabutools counts its approvals.

This module imports pabutools (not a dependency of the engine: install it to use this door);
``import pb_service.rules`` does not import this module.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from pabutools.election import AbstractProfile
from pabutools.election import Instance as PabutoolsInstance
from pabutools.rules import BudgetAllocation
from pabutools.tiebreaking import (
    TieBreakingRule,
    app_score_tie_breaking,
    lexico_tie_breaking,
    max_cost_tie_breaking,
    min_cost_tie_breaking,
)

from .engine import compute
from .model import Ballot, Instance, Number, Project, exact
from .tally import Tally

RULES = ("greedy", "equalshares", "mes")

#: pabutools' tie-breaking rules and the order of :mod:`pb_service.rules.ties` that is theirs.
_TIE_BREAKINGS = {
    lexico_tie_breaking: "lexicographic",
    min_cost_tie_breaking: "min-cost-lexicographic",
    max_cost_tie_breaking: "max-cost-lexicographic",
    app_score_tie_breaking: "more-votes-lexicographic",
}


def allocation(
    instance: PabutoolsInstance,
    profile: AbstractProfile,
    rule: str = "greedy",
    *,
    tie_breaking: TieBreakingRule | None = None,
    resoluteness: bool = True,
) -> BudgetAllocation:
    """The ``BudgetAllocation`` pabutools computes for ``rule`` (see the module's docstring)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; use one of {', '.join(RULES)}")
    if not resoluteness:
        raise ValueError("only resolute outcomes (one budget allocation) are computed")
    order = _TIE_BREAKINGS.get(lexico_tie_breaking if tie_breaking is None else tie_breaking)
    if order is None:
        raise ValueError(
            "unsupported tie-breaking rule; use lexico_tie_breaking, min_cost_tie_breaking, "
            "max_cost_tie_breaking or app_score_tie_breaking"
        )
    if order == "more-votes-lexicographic" and not hasattr(profile, "approval_score"):
        raise ValueError("app_score_tie_breaking needs an approval profile (as in pabutools)")
    ours = engine_instance(instance, profile)
    if rule == "greedy":
        selected = compute(ours, "greedy", tie_breaking=order, ranking="votes").selected
    elif rule == "equalshares":
        selected = compute(ours, "equalshares", tie_breaking=order).selected
    else:
        from .mes import EqualShares

        voters = max(ours.num_voters, 1)
        selected = EqualShares(Tally.of(ours, order)).run(Fraction(ours.budget) / voters).selected
    projects = {project.name: project for project in instance}
    return BudgetAllocation(projects[name] for name in selected)


def engine_instance(instance: PabutoolsInstance, profile: AbstractProfile) -> Instance:
    """Our :class:`~pb_service.rules.model.Instance` for pabutools' election, as cost
    satisfaction sees it: every ballot is the set of projects it names, identical ballots are
    one ballot with their multiplicity, and a project of cost 0 is chosen by nobody (it gives
    no satisfaction)."""
    costs = {project.name: _exact(project.cost) for project in instance}
    worthless = {name for name, cost in costs.items() if cost == 0}
    chosen: Counter[tuple[str, ...]] = Counter()
    for ballot in profile:
        names = tuple(sorted(project.name for project in ballot if project.name not in worthless))
        chosen[names] += profile.multiplicity(ballot)
    ballots = [Ballot(names, multiplicity=count) for names, count in chosen.items()]
    return Instance(_exact(instance.budget_limit), [Project(name, cost) for name, cost in costs.items()], ballots)


def _exact(value) -> Number:
    """pabutools' numbers (int, gmpy2 ``mpq``, ``Fraction``, float) as our exact numbers."""
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return exact(Fraction(value))
    return exact(Fraction(int(value.numerator), int(value.denominator)))
