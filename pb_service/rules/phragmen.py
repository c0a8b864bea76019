"""Sequential Phragmén for approval ballots (Brill, Freeman, Janson, Lackner, "Phragmén's
voting methods and justified representation", AAAI 2017; for budgets: Los, Christoff,
Grossi, "Proportional budget allocation in participatory budgeting", 2022).

Voters earn virtual money continuously at the same rate.  As soon as the supporters of a
project together hold its cost, they buy it and everyone of them spends all they have; the
rule stops at the first project due this way that no longer fits the budget, also when it
is tied with one that would fit (as pabutools' ``sequential_phragmen`` does).  Equivalently, each round picks the project with
the smallest new maximal load ``(cost + sum of its supporters' loads) / number of supporters``
and sets its supporters' loads to it.

Loads are exact fractions.  A voter's load is always the new load of the last project they
approve that was bought (or 0), so for each project we only keep how many of its supporters
have each such "last project": a round then costs one small sum per project.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from .model import APPROVAL_TYPES, Result, Status, Tie, format_decimal
from .tally import Tally


def sequential_phragmen(tally: Tally, rule: str = "phragmen") -> Result:
    """Sequential Phragmén; only for approval and choose-1 ballots."""
    instance = tally.instance
    if instance.vote_type not in APPROVAL_TYPES:
        raise ValueError("sequential Phragmén needs approval ballots")
    # Like pabutools, leave out projects nobody approved or that cost more than the budget.
    candidates = [
        pid
        for pid in tally.eligible
        if tally.votes[pid] > 0 and tally.cost(pid) <= instance.budget
    ]
    groups: Counter[frozenset[str]] = Counter()
    for ballot in instance.ballots:
        groups[frozenset(ballot.projects)] += ballot.multiplicity
    # last_bought[pid][k]: supporters of pid whose load is that of bought project k (None: 0)
    last_bought = {pid: Counter({None: tally.votes[pid]}) for pid in candidates}
    group_last: dict[frozenset[str], str | None] = dict.fromkeys(groups)
    load_of: dict[str | None, Fraction] = {None: Fraction(0)}
    selected: list[str] = []
    statuses: dict[str, tuple[Status, str]] = {}
    ties: list[Tie] = []
    left = instance.budget
    remaining = list(candidates)
    while remaining:
        new_load = {
            pid: (tally.cost(pid) + sum(load_of[k] * n for k, n in last_bought[pid].items()))
            / tally.votes[pid]
            for pid in remaining
        }
        lowest = min(new_load.values())
        tied = tally.ties.order(pid for pid in remaining if new_load[pid] == lowest)
        # As in pabutools: the rule stops when any of the projects due now does not fit, even
        # if the tie-break would have picked one that does.
        too_dear = [pid for pid in tied if tally.cost(pid) > left]
        if too_dear:
            for pid in too_dear:
                statuses[pid] = (Status.DID_NOT_FIT, f"{format_decimal(left)} left; Phragmén stops here")
            break
        winner = tied[0]
        if len(tied) > 1:
            settled_by = tally.ties.settled_by(tied[0], tied[1])
            ties.append(Tie(tuple(tied), (winner,), settled_by, f"round {len(selected) + 1}"))
        selected.append(winner)
        statuses[winner] = (Status.FUNDED, "")
        left -= tally.cost(winner)
        remaining.remove(winner)
        load_of[winner] = lowest
        for group, weight in groups.items():
            if winner in group:
                previous = group_last[group]
                group_last[group] = winner
                for pid in group:
                    if pid in last_bought:
                        last_bought[pid][previous] -= weight
                        last_bought[pid][winner] += weight
    for pid in tally.eligible:
        if tally.cost(pid) > instance.budget:
            statuses.setdefault(pid, (Status.DID_NOT_FIT, "costs more than the budget"))
        statuses.setdefault(pid, (Status.NOT_REACHED, ""))
    return tally.result(rule, selected, statuses, ties, {}, score=tally.votes)
