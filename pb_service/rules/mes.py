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
are grouped, and during a run voters are kept in *budget classes* (voters with the same money
left; see :class:`_RunState`), so that evaluating a project costs the number of classes among
its supporters, and a class's amount is brought to a new common factor only when it is read.
Each round only re-evaluates the
projects whose previous ``rho / cost`` (a lower bound: it can only grow as voters spend
money) does not exceed the best one found so far, as in pabutools and equalshares.net.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, deque
from dataclasses import dataclass, field
from fractions import Fraction
from operator import mul

from .greedy import greedy_fill
from .model import Number, Result, Status, Tie, exact, format_decimal
from .tally import Tally

# Currencies whose unit is too small for "one unit more per voter" to be a sensible step;
# the add1 completion then steps by this many units.
SMALL_CURRENCY_UNITS = {"HUF": 100, "JPY": 100, "KRW": 1000, "IDR": 1000, "VND": 1000}

# Ballot groups of at most this many voters are counted voter by voter (see EqualShares).
LIGHT_GROUP = 8


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
        self.total_weight = [sum(self.weights[g] for g in sup) for sup in supporters]
        # For counting supporters per budget class at C speed (Counter): a group of a few
        # voters is listed once per voter; bigger groups are kept as (group, weight).
        self.light = [[g for g in sup for _ in range(self.weights[g]) if self.weights[g] <= LIGHT_GROUP]
                      for sup in supporters]
        self.heavy = [[(g, self.weights[g]) for g in sup if self.weights[g] > LIGHT_GROUP]
                      for sup in supporters]
        self.costs = [Fraction(projects[pid].cost) for pid in self.ids]
        self.supported = [j for j in range(len(self.ids)) if self.total_weight[j] > 0]
        self.tie_keys = [tally.ties.key(pid) for pid in self.ids]

    def run(self, share: Number, cap: Number | None = None) -> MesRun:
        """MES giving each voter ``share``; stop early once more than ``cap`` is spent."""
        share = Fraction(share)
        scale = math.lcm(share.denominator, *(c.denominator for c in self.costs))
        state = _RunState(int(share * scale), self.weights)
        # Costs at the run's first scale; state.scaled(cost) brings one to the current scale.
        costs = [int(c * scale) for c in self.costs]
        # Lazy evaluation: a project's rho / cost can only grow as voters spend money, so the
        # value it had when last computed is a lower bound; a heap keeps these bounds.
        bounds = [(Fraction(1, self.total_weight[j]), j) for j in self.supported]
        heapq.heapify(bounds)
        run = MesRun(share, [])
        spent = Fraction(0)
        while True:
            best_alpha = None
            tied: list[int] = []
            found: dict[int, tuple[Fraction, int, int, dict[int, int]]] = {}
            # Evaluate every project whose bound does not exceed the best value found: all
            # projects with exactly the best value are then known (the ties).
            while bounds and (best_alpha is None or bounds[0][0] <= best_alpha):
                j = heapq.heappop(bounds)[1]
                weights = state.class_weights(self.light[j], self.heavy[j])
                cost = state.scaled(costs[j])
                split = state.split_cost(cost, weights)
                if split is None:
                    continue  # its supporters cannot afford it, now or later
                left, rich = split
                alpha = Fraction(left, rich * cost)
                found[j] = (alpha, left, rich, weights)
                if best_alpha is None or alpha < best_alpha:
                    best_alpha, tied = alpha, [j]
                elif alpha == best_alpha:
                    tied.append(j)
            if not tied:
                return run
            tied.sort(key=self.tie_keys.__getitem__)
            winner = tied[0]
            if len(tied) > 1:
                run.ties.append(self._tie(tied, len(run.selected) + 1))
            for j, (alpha, *_) in found.items():
                if j != winner:
                    heapq.heappush(bounds, (alpha, j))
            run.selected.append(self.ids[winner])
            spent += self.costs[winner]
            run.spent = exact(spent)
            if cap is not None and spent > cap:
                run.overspent = True
                return run
            _, left, rich, weights = found[winner]
            divisor = math.gcd(left, rich)
            rho, denominator = left // divisor, rich // divisor
            if denominator > 1:
                state.rescale(denominator)
            state.pay(self.supporters[winner], weights, rho)

    def _tie(self, tied: list[int], round_number: int) -> Tie:
        ids = tuple(self.ids[j] for j in tied)
        settled_by = self.tally.ties.settled_by(ids[0], ids[1])
        return Tie(ids, ids[:1], settled_by, f"round {round_number} of equal shares")


class _RunState:
    """The voters' money during one MES run, kept per *budget class*.

    Voters who chose the same funded projects so far have the same money left (they started
    with the same share and paid the same ``rho`` for each, or everything they had), so money
    is stored once per class: ``money[c]``, with ``class_of[g]`` the class of ballot group
    ``g``; class 0 holds the voters who have nothing left.  Paying moves the payers of each
    class to a new class (two classes reaching the same amount by different purchases would
    behave alike, but that is rare, so they are not merged).

    Amounts are integers: the real amount times the current *scale*.  When a payment ``rho``
    is fractional the scale is multiplied by its denominator, which starts a new *epoch*.
    Rescaling every class at once cost about 1 ms per purchase on the Warszawa district files
    (thousands of classes with 400-800-bit amounts), and most classes are not read before
    the next rescale, so each class remembers the epoch its amount is written in and is
    brought to the current scale only when read (:meth:`refresh`).
    """

    def __init__(self, share: int, weights: list[int]) -> None:
        self.money: list[int] = [0]  # class -> money left, at the scale of epoch[class]
        self.epoch: list[int] = [0]  # class -> the epoch its money is written in
        self.scales: list[int] = [1]  # epoch -> its scale, relative to the first epoch
        self._factors: dict[int, int] = {}  # epoch -> factor to the current scale (cache)
        first = 0
        if share > 0:
            first = 1
            self.money.append(share)
            self.epoch.append(0)
        self.class_of = [first] * len(weights)

    def scaled(self, amount: int) -> int:
        """An amount written at the first epoch's scale, at the current scale."""
        return amount * self.scales[-1]

    def rescale(self, factor: int) -> None:
        """Multiply the scale by ``factor`` (amounts are brought to it when read)."""
        self.scales.append(self.scales[-1] * factor)
        self._factors.clear()

    def refresh(self, classes) -> None:
        """Bring the money of ``classes`` to the current scale."""
        money, epoch, now = self.money, self.epoch, len(self.scales) - 1
        for c in classes:
            e = epoch[c]
            if e != now:
                factor = self._factors.get(e)
                if factor is None:
                    factor = self._factors[e] = self.scales[-1] // self.scales[e]
                money[c] *= factor
                epoch[c] = now

    def class_weights(self, light: list[int], heavy: list[tuple[int, int]]) -> dict[int, int]:
        """Voters per class with money left (class 0 is left out) among some supporters:
        ``light`` lists a group once per voter, ``heavy`` gives (group, weight) pairs."""
        totals = Counter(map(self.class_of.__getitem__, light))
        for g, w in heavy:
            totals[self.class_of[g]] += w
        totals.pop(0, None)
        return totals

    def split_cost(self, cost: int, weights: dict[int, int]) -> tuple[int, int] | None:
        """:func:`_split_cost` for supporters counted per class (``weights``).

        (Walking only the poor end of the classes, ordered by a float approximation of their
        money, was tried: late in a run most classes among a project's supporters are poor,
        so it saved nothing.)
        """
        self.refresh(weights)
        return _split_cost(cost, self.money, weights)

    def pay(self, groups: list[int], weights: dict[int, int], rho: int) -> None:
        """Each of ``groups`` (``weights`` voters per class) pays ``rho``, or all it has."""
        self.refresh(weights)
        money, epoch = self.money, self.epoch
        now = len(self.scales) - 1
        moved = {0: 0}
        for c in weights:
            left = money[c] - rho
            if left > 0:
                moved[c] = len(money)
                money.append(left)
                epoch.append(now)
            else:
                moved[c] = 0
        # class_of[g] = moved[class_of[g]] for every payer, looped over in C.
        class_of = self.class_of
        deque(map(class_of.__setitem__, groups, map(moved.__getitem__, map(class_of.__getitem__, groups))), maxlen=0)


def _split_cost(cost: int, money: list[int], weights: dict[int, int]) -> tuple[int, int] | None:
    """Split ``cost`` among supporters: ``(cost - paid by the poor, number of rich)``.

    ``weights`` gives the supporters per budget class, ``money`` each class's money.  The
    rich each pay ``rho = (cost - paid) / rich``; a class is poor when its money is below
    ``rho``, compared as integers: ``money * rich < cost - paid``.  ``None`` when they
    cannot pay ``cost``.
    """
    if sum(map(mul, map(money.__getitem__, weights), weights.values())) < cost:
        return None
    paid, rich = 0, sum(weights.values())
    for c in sorted(weights, key=money.__getitem__):
        amount = money[c]
        if amount * rich >= cost - paid:
            break
        paid += amount * weights[c]
        rich -= weights[c]
    return cost - paid, rich


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
