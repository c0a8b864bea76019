"""The Method of Equal Shares (MES) with cost utilities, and its completions.

MES (Peters, Pierczyński, Skowron, "Proportional participatory budgeting with additive
utilities", NeurIPS 2021; https://equalshares.net/explanation/) gives every voter an equal share
of the budget.  A project can be bought by its supporters (the voters who chose it, whatever
the ballot type: with cost utilities only "chose it or not" matters) if they have enough money
left; its cost is split as equally as possible: each supporter pays ``min(money left, rho)``.
Each round buys the project with the smallest ``rho / cost`` (the largest "effective vote
count" ``cost / rho``), until no project is affordable.

Plain MES usually spends 60-70 % of the budget, hence the completions:

``equalshares``
    As pabutools' ``completion_by_rule_combination`` of ``exhaustion_by_budget_increase``
    (the budget MES shares out grows by 1 % of the real budget per step; stop at the first
    exhaustive outcome, or keep the previous outcome when a step overspends) then
    ``greedy_utilitarian_welfare`` with cost utilities (fund what still fits, by votes).
``equalshares/add1``
    What cities used (Wieliczka, Świecie, Assen), as in the equalshares.net compute tool
    and the Pabulib checker: start each voter at the budget divided by the number of voters,
    rounded down to a whole currency unit, and raise it one unit at a time; keep the last
    outcome before the next step would overspend.  Unlike pabutools'
    ``voter_budget_increment=1`` it does not stop at the first exhaustive outcome (that gets
    Wieliczka 2023 wrong: the city went on to 313 zł per voter).
``equalshares/add1-comparison``
    Then compare with greedy, as Wieliczka 2023 did (see :func:`comparison_step`).

Everything is exact.  Money is kept as Python integers: every amount is multiplied by a
common factor (the voters' shares, costs and budget all become integers), and whenever a
payment ``rho`` is fractional the factor is multiplied by its denominator.  Identical ballots
are grouped, so a group of voters with the same ballot is one entry.  Each round only
re-evaluates the projects whose previous ``rho / cost`` could still beat the best one found
so far (it can only grow as voters spend money), as in pabutools and equalshares.net.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from operator import mul

from .greedy import greedy_fill
from .model import Number, Result, Status, Tie, exact, format_decimal
from .tally import Tally

# Currencies whose unit is too small for "one unit more per voter" to be a sensible step;
# the add1 completion then steps by this many units.
SMALL_CURRENCY_UNITS = {"HUF": 100, "JPY": 100, "KRW": 1000, "IDR": 1000, "VND": 1000}


@dataclass
class MesRun:
    """One run of MES for a given share per voter."""

    share: Number
    selected: list[str]
    ties: list[Tie] = field(default_factory=list)
    spent: Number = 0
    overspent: bool = False


class EqualShares:
    """MES with cost utilities on one instance, runnable for any share per voter."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        projects = tally.instance.projects
        self.ids = [pid for pid in tally.eligible if projects[pid].cost > 0]
        index = {pid: j for j, pid in enumerate(self.ids)}
        groups: Counter[frozenset[int]] = Counter()
        for ballot in tally.instance.ballots:
            chosen = frozenset(index[pid] for pid in ballot.projects if pid in index)
            if chosen:
                groups[chosen] += ballot.multiplicity
        self.num_voters = tally.instance.num_voters
        self.weights = list(groups.values())
        supporters: list[list[int]] = [[] for _ in self.ids]
        for g, chosen in enumerate(groups):
            for j in chosen:
                supporters[j].append(g)
        self.supporters = supporters
        self.supporter_weights = [[self.weights[g] for g in sup] for sup in supporters]
        self.total_weight = [sum(ws) for ws in self.supporter_weights]
        self.costs = [Fraction(projects[pid].cost) for pid in self.ids]
        self.supported = [j for j in range(len(self.ids)) if self.total_weight[j] > 0]
        self.tie_keys = [tally.ties.key(pid) for pid in self.ids]

    def run(self, share: Number, cap: Number | None = None) -> MesRun:
        """MES giving each voter ``share``; stop early once more than ``cap`` is spent."""
        share = Fraction(share)
        scale = math.lcm(share.denominator, *(c.denominator for c in self.costs))
        budgets = [int(share * scale)] * len(self.weights)
        costs = [int(c * scale) for c in self.costs]
        alpha = {j: Fraction(1, self.total_weight[j]) for j in self.supported}
        remaining = set(self.supported)
        run = MesRun(share, [])
        spent = Fraction(0)
        while True:
            best_alpha = None
            tied: list[int] = []
            payment: dict[int, tuple[int, int]] = {}
            for j in sorted(remaining, key=alpha.__getitem__):
                if best_alpha is not None and alpha[j] > best_alpha:
                    break
                sup = self.supporters[j]
                money = list(map(budgets.__getitem__, sup))
                weights = self.supporter_weights[j]
                cost = costs[j]
                if sum(map(mul, money, weights)) < cost:
                    remaining.discard(j)
                    continue
                paid, rich = _split_cost(cost, money, weights, self.total_weight[j])
                alpha[j] = Fraction(cost - paid, rich * cost)
                payment[j] = (cost - paid, rich)
                if best_alpha is None or alpha[j] < best_alpha:
                    best_alpha, tied = alpha[j], [j]
                elif alpha[j] == best_alpha:
                    tied.append(j)
            if not tied:
                return run
            tied.sort(key=self.tie_keys.__getitem__)
            winner = tied[0]
            if len(tied) > 1:
                run.ties.append(self._tie(tied, len(run.selected) + 1))
            remaining.discard(winner)
            run.selected.append(self.ids[winner])
            spent += self.costs[winner]
            run.spent = exact(spent)
            if cap is not None and spent > cap:
                run.overspent = True
                return run
            numerator, denominator = payment[winner]
            divisor = math.gcd(numerator, denominator)
            numerator, denominator = numerator // divisor, denominator // divisor
            if denominator > 1:
                budgets = [b * denominator for b in budgets]
                costs = [c * denominator for c in costs]
            for g in self.supporters[winner]:
                budgets[g] = budgets[g] - numerator if budgets[g] > numerator else 0

    def _tie(self, tied: list[int], round_number: int) -> Tie:
        ids = tuple(self.ids[j] for j in tied)
        settled_by = self.tally.ties.settled_by(ids[0], ids[1])
        return Tie(ids, ids[:1], settled_by, f"round {round_number} of equal shares")


def _split_cost(cost: int, money: list[int], weights: list[int], total: int) -> tuple[int, int]:
    """How much the poor supporters pay (all they have) and how many rich ones share the rest.

    The rich each pay ``rho = (cost - paid) / rich``; a supporter is poor when their money is
    below ``rho``, compared as integers: ``money * rich < cost - paid``.  Supporters are
    visited by increasing money; to sort plain integers (much faster than pairs) each
    (money, weight) is packed as ``money * base + weight``.
    """
    if min(money) * total >= cost:
        return 0, total
    base = total + 1
    paid, rich = 0, total
    for packed in sorted([amount * base + weight for amount, weight in zip(money, weights)]):
        amount, weight = divmod(packed, base)
        if amount * rich >= cost - paid:
            break
        paid += amount * weight
        rich -= weight
    return paid, rich


def _is_exhaustive(tally: Tally, selected: list[str], budget: Number) -> bool:
    left = budget - sum(tally.cost(pid) for pid in selected)
    chosen = set(selected)
    return not any(tally.cost(pid) <= left for pid in tally.eligible if pid not in chosen)


def equal_shares(tally: Tally, rule: str = "equalshares") -> Result:
    """MES completed like pabutools: +1 % of the budget per step, then greedy by votes."""
    mes = EqualShares(tally)
    budget = Fraction(tally.instance.budget)
    voters = max(mes.num_voters, 1)
    previous = MesRun(Fraction(0), [])
    step = 0
    while step <= 100 * voters:  # pabutools' bound: the budget times (voters + 1)
        run = mes.run(budget * (100 + step) / 100 / voters, cap=budget)
        if run.overspent:
            run = previous
            break
        if _is_exhaustive(tally, run.selected, budget):
            break
        previous, step = run, step + 1
    details = {"share_per_voter": exact(run.share), "budget_increase_steps": step}
    return _complete_with_greedy(tally, mes, run, rule, details)


def _complete_with_greedy(
    tally: Tally, mes: EqualShares, run: MesRun, rule: str, details: dict[str, object]
) -> Result:
    """Fund, by votes, whatever still fits after MES (pabutools' greedy completion)."""
    chosen = set(run.selected)
    rest = [pid for pid in tally.eligible if pid not in chosen]
    left = tally.instance.budget - sum(tally.cost(pid) for pid in run.selected)
    added, statuses, ties = greedy_fill(tally, rest, tally.votes, left)
    details["completed_by_greedy"] = list(added)
    return _mes_result(tally, rule, run, run.selected + added, statuses, run.ties + ties, details)


def _mes_result(
    tally: Tally,
    rule: str,
    run: MesRun,
    selected: list[str],
    statuses: dict[str, tuple[Status, str]],
    ties: list[Tie],
    details: dict[str, object],
) -> Result:
    statuses = dict(statuses)
    for pid in run.selected:
        statuses[pid] = (Status.FUNDED, "equal shares")
    left = tally.instance.budget - sum(tally.cost(pid) for pid in selected)
    for pid in tally.eligible:
        if pid in statuses or pid in selected:
            continue
        if tally.cost(pid) > left:
            statuses[pid] = (Status.DID_NOT_FIT, f"{format_decimal(left)} left")
        else:
            statuses[pid] = (Status.NOT_REACHED, "its supporters' shares could not pay for it")
    return tally.result(rule, selected, statuses, ties, details, score=tally.votes)


def add1_increment(tally: Tally) -> int:
    """One currency unit, or more for currencies with a very small unit (forint)."""
    currency = tally.instance.meta.get("currency", "").strip().upper()
    return SMALL_CURRENCY_UNITS.get(currency, 1)


def add1_run(tally: Tally, increment: int | None = None) -> tuple[EqualShares, MesRun, dict]:
    """The equalshares.net / Pabulib-checker "add1" completion (see the module docstring).

    The budget is floored to a whole unit, as the checker does.  When all projects together
    fit the budget, plain MES is run with the exact share, as equalshares.net does.
    """
    mes = EqualShares(tally)
    budget = math.floor(tally.instance.budget)
    voters = max(mes.num_voters, 1)
    increment = add1_increment(tally) if increment is None else increment
    if sum(tally.cost(pid) for pid in tally.eligible) <= budget:
        run = mes.run(Fraction(tally.instance.budget, voters))
        return mes, run, {"share_per_voter": exact(run.share), "add1_steps": 0}
    run = mes.run(budget // voters)
    steps = 0
    everything = len(mes.supported)
    while len(run.selected) < everything:
        following = mes.run(run.share + increment, cap=budget)
        if following.overspent:
            break
        run, steps = following, steps + 1
    return mes, run, {"share_per_voter": exact(run.share), "add1_steps": steps, "increment": increment}


def equal_shares_add1(tally: Tally, rule: str = "equalshares/add1", increment: int | None = None) -> Result:
    """MES with the add1 completion (no greedy afterwards)."""
    _, run, details = add1_run(tally, increment)
    return _mes_result(tally, rule, run, run.selected, {}, run.ties, details)


def comparison_step(tally: Tally, selected: list[str]) -> tuple[list[str], dict[str, object]]:
    """Keep ``selected`` unless more voters prefer the greedy outcome.

    The comparison of the equalshares.net compute tool (``comparisonStep`` in
    https://github.com/equalshares/equalshares-compute-tool, mode "satisfaction", the one
    described for Wieliczka's Green Million at https://equalshares.net/resources/zielony-milion/)
    and of the Pabulib checker (https://github.com/pabulib/checker): greedy funds projects by
    number of votes, skipping those that do not fit; each voter counts the projects they
    chose that each outcome funds; a voter with more under one outcome prefers it.  The
    greedy outcome replaces ours only if strictly more voters prefer it.
    """
    greedy_selected, _, _ = greedy_fill(tally, tally.eligible, tally.votes, tally.instance.budget)
    ours, theirs = set(selected), set(greedy_selected)
    prefer_ours = prefer_greedy = 0
    for ballot in tally.instance.ballots:
        a = sum(pid in ours for pid in ballot.projects)
        b = sum(pid in theirs for pid in ballot.projects)
        if a > b:
            prefer_ours += ballot.multiplicity
        elif b > a:
            prefer_greedy += ballot.multiplicity
    details = {"prefer_equal_shares": prefer_ours, "prefer_greedy": prefer_greedy}
    if prefer_greedy > prefer_ours:
        details["comparison"] = "greedy outcome kept"
        return greedy_selected, details
    details["comparison"] = "equal-shares outcome kept"
    return list(selected), details


def equal_shares_add1_comparison(
    tally: Tally, rule: str = "equalshares/add1-comparison", increment: int | None = None
) -> Result:
    """MES with the add1 completion, then the comparison with greedy (Wieliczka 2023)."""
    _, run, details = add1_run(tally, increment)
    selected, comparison = comparison_step(tally, run.selected)
    details.update(comparison)
    if selected == run.selected:
        return _mes_result(tally, rule, run, selected, {}, run.ties, details)
    statuses = {pid: (Status.FUNDED, "greedy outcome preferred") for pid in selected}
    greedy_run = MesRun(run.share, [])
    return _mes_result(tally, rule, greedy_run, selected, statuses, run.ties, details)
