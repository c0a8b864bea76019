"""Equal shares' performance measures from one run of the rule (Boehmer et al., IJCAI 2024,
arXiv:2312.14723, section on MES), made exact for the rule as the engine runs it.

At a fixed share per voter, whether project p is bought is decided round by round: p at
cost ``c`` is bought in round ``t`` (instead of that round's winner) iff its supporters can
pay ``c`` and p's ``rho(c) / c`` is below the winner's (or equal, with p first in the
tie-breaking order).  Until p is bought the run is the run without p, so p is bought at cost
``c`` iff some round of the run without p admits it: one run gives, per round, the largest
cost and the fewest added single-project voters that would have made p the winner
(:class:`Thresholds`).  With cost utilities ``rho(c) / c`` never falls as ``c`` grows, so
each round's set of winning costs is an interval from 0 and so is their union.

The completions change the share with the instance, so :class:`EqualSharesOracle` answers
"is p selected by the whole rule at cost c?" exactly, re-running MES only at the shares where
p's change can matter: at each share the completion tries, the run of the unchanged instance
is reused whenever p is not in it and ``c`` is above p's threshold there (then p's change
leaves that run as it was).
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np

from .greedy import greedy_fill
from .mes import EqualShares, MesRun, _is_exhaustive, add1_increment, comparison_step
from .model import Instance, Number
from .tally import Tally
from .measures import min_votes_of
from .ties import TieBreaker

# Thresholds are floats; a reused run is trusted only for costs above the threshold widened
# by this relative margin (float errors of the engine are below 1e-12 relative).
MARGIN = 1e-9


def cost_threshold(amounts: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """The largest ``c`` with ``rho(c) / c <= alpha`` for supporters holding ``amounts``.

    ``rho(c) <= alpha * c`` iff ``f(alpha * c) >= c`` where ``f(x) = sum(w * min(a, x))`` is
    what the supporters pay at price ``x``; ``f(x) / x`` does not grow, so the answer is
    ``x* / alpha`` for the largest root ``x*`` of ``f(x) = x / alpha``, found segment by
    segment of the piecewise-linear ``f``."""
    order = np.argsort(amounts, kind="stable")
    sorted_amounts, sorted_weights = amounts[order], weights[order]
    poor_money = np.concatenate(([0.0], np.cumsum(sorted_weights * sorted_amounts)[:-1]))
    rich = float(weights.sum()) - np.concatenate(([0.0], np.cumsum(sorted_weights)[:-1]))
    short = np.flatnonzero(poor_money + sorted_amounts * rich < sorted_amounts / alpha)
    if not len(short):
        return float(np.dot(weights, amounts))  # affordable is all it takes
    m = short[0]
    root = poor_money[m] / (1 / alpha - rich[m])
    return root / alpha


class Thresholds:
    """Watches a MES run (see :meth:`EqualShares.run`): for every project not bought (yet),
    the largest cost at which it would have been bought in some round, and the fewest new
    voters (each holding ``share`` and choosing only it) that would have had it bought."""

    def __init__(self, mes: EqualShares, share: Number, watched: list[int] | None = None) -> None:
        self.mes = mes
        self.watched = mes.supported if watched is None else [j for j in watched if j in set(mes.supported)]
        self.share = float(share)
        count = len(mes.ids)
        self.cost = np.zeros(count)
        self.added = np.full(count, math.inf)
        self.bought: set[int] = set()

    def round(self, run, winner: int, value) -> None:
        alpha = value.alpha + value.error  # an upper bound: costs found are upper bounds
        self.observe(run, alpha)
        self.bought.add(winner)

    def end(self, run) -> None:
        self.observe(run, None)

    def observe(self, run, alpha: float | None) -> None:
        mes = self.mes
        for j in self.watched:
            if j in self.bought:
                continue
            groups, weights = mes.supporters[j], mes.supporter_weights[j]
            amounts = run.money[groups]
            total = float(np.dot(weights, amounts))
            cost = mes.float_costs[j]
            if alpha is None:  # nothing else is affordable: p is bought if its supporters can pay
                self.cost[j] = max(self.cost[j], total)
                self.added[j] = min(self.added[j], max(cost - total, 0.0) / self.share) if self.share else math.inf
                continue
            if total > self.cost[j] and alpha * mes.total_weight[j] >= 1 - MARGIN:
                self.cost[j] = max(self.cost[j], cost_threshold(amounts, weights, alpha))
            if self.share:
                price = alpha * cost
                paid = float(np.dot(weights, np.minimum(amounts, price)))
                self.added[j] = min(self.added[j], max(cost - paid, 0.0) / min(self.share, price))

    def cost_bound(self, j: int) -> float:
        """Above this cost project ``j`` is certainly not bought in the watched run."""
        return self.cost[j] * (1 + MARGIN) + MARGIN


class EqualSharesOracle:
    """Whether a project is selected by an equal-shares rule, completion included, at a
    changed cost; exact, re-running MES only where the change can matter."""

    def __init__(self, instance: Instance, rule) -> None:
        self.instance = instance
        self.rule = rule
        self.min_votes = min_votes_of(instance, rule)
        self.tally = Tally.of(instance, rule.tie_breaking, rule.seed, self.min_votes)
        self.mes = EqualShares(self.tally)
        self.index = {pid: j for j, pid in enumerate(self.mes.ids)}
        self.runs: dict[tuple, tuple[MesRun, Thresholds]] = {}
        self.budget = Fraction(instance.budget)
        self.voters = max(self.mes.num_voters, 1)
        self.increment = rule.params.get("increment")
        if self.increment is None:
            self.increment = add1_increment(self.tally)
        self.changed_runs = 0  # MES runs on a changed instance (for the benchmark)
        self.last_share = Fraction(0)  # the share the completion ended at in the last question

    # The unchanged instance, watched.
    def watched(self, share: Fraction, cap: Number | None) -> tuple[MesRun, Thresholds]:
        key = (share, cap)
        if key not in self.runs:
            thresholds = Thresholds(self.mes, share)
            self.runs[key] = (self.mes.run(share, cap, thresholds), thresholds)
        return self.runs[key]

    def without(self, pid: str, share: Fraction, cap: Number | None = None) -> tuple[MesRun, Thresholds]:
        """The run at ``share`` without ``pid`` (costing more than all the voters' money),
        watched: at any cost above ``pid``'s threshold there, the run is this one."""
        key = (pid, share, cap)
        if key not in self.runs:
            thresholds = Thresholds(self.mes, share, watched=[self.index[pid]])
            run = self.changed(pid, share * self.voters + 1).run(share, cap, thresholds)
            self.runs[key] = (run, thresholds)
        return self.runs[key]

    def changed(self, pid: str, cost: Number) -> EqualShares:
        return self.mes.with_cost(pid, cost, self.tally.ties.key_with(pid, cost, self.tally.votes[pid]))

    def changed_tally(self, pid: str, cost: Number) -> Tally:
        projects = dict(self.instance.projects)
        projects[pid] = replace(projects[pid], cost=cost)
        costs = {q: p.cost for q, p in projects.items()}
        ties = self.tally.ties
        return replace(
            self.tally, instance=replace(self.instance, projects=projects),
            ties=TieBreaker(ties.kind, costs, self.tally.votes, ties.seed),
        )

    def run_at(self, pid: str, cost: Number, share: Fraction, cap: Number | None) -> MesRun:
        run, thresholds = self.watched(share, cap)
        j = self.index[pid]
        if cost == self.instance.projects[pid].cost:
            return run
        if pid in run.selected:
            run, thresholds = self.without(pid, share, cap)
        if cost > thresholds.cost_bound(j):
            return run
        self.changed_runs += 1
        return self.changed(pid, cost).run(share, cap)

    # The completions, as in mes.py, on the instance with pid at cost.
    def final_run(self, pid: str, cost: Number, tally: Tally) -> MesRun:
        if self.rule.name == "equalshares":
            previous, step = MesRun(Fraction(0), []), 0
            while step <= 100 * self.voters:
                run = self.run_at(pid, cost, self.budget * (100 + step) / 100 / self.voters, self.budget)
                if run.overspent:
                    return previous
                if _is_exhaustive(tally, run.selected, self.budget):
                    return run
                previous, step = run, step + 1
            return run
        budget = math.floor(self.budget)
        if sum(tally.cost(q) for q in tally.eligible) <= budget:
            return self.run_at(pid, cost, self.budget / self.voters, None)
        run = self.run_at(pid, cost, Fraction(budget // self.voters), None)
        while len(run.selected) < len(self.mes.supported):
            following = self.run_at(pid, cost, run.share + self.increment, budget)
            if following.overspent:
                break
            run = following
        return run

    def selected_at(self, pid: str, cost: Number) -> bool:
        if pid not in self.index:
            return pid in self.rule.selected(_with_cost(self.instance, pid, cost))
        tally = self.changed_tally(pid, cost)
        run = self.final_run(pid, cost, tally)
        self.last_share = Fraction(run.share)
        if self.rule.name == "equalshares":
            if pid in run.selected:
                return True
            rest = [q for q in tally.eligible if q not in set(run.selected)]
            left = tally.instance.budget - sum(tally.cost(q) for q in run.selected)
            return pid in greedy_fill(tally, rest, tally.votes, left)[0]
        if self.rule.name == "equalshares/add1-comparison":
            return pid in comparison_step(tally, run.selected)[0]
        return pid in run.selected

    # Candidates from one watched run at the final share.
    def cost_candidate(self, pid: str, share: Fraction) -> int | None:
        """The largest whole cost at which MES at ``share`` buys ``pid`` (or the greedy
        completion funds it), from one watched run: a candidate, to verify."""
        j = self.index.get(pid)
        if j is None:
            return None
        run, thresholds = self.watched(share, None)
        if pid in run.selected:
            thresholds = self.without(pid, share)[1]
        found = thresholds.cost[j] * (1 + 4 * MARGIN)
        best = math.floor(found) if found >= 1 else None
        if self.rule.name == "equalshares" and pid not in run.selected:
            left = self.greedy_room(pid, run)
            if left >= 1 and (best is None or left > best):
                best = math.floor(left)
        return best

    def greedy_room(self, pid: str, run: MesRun) -> Number:
        """The money left when the greedy completion after ``run`` reaches ``pid``."""
        tally = self.tally
        chosen = set(run.selected)
        left = tally.instance.budget - sum(tally.cost(q) for q in run.selected)
        place = (-tally.votes[pid], tally.ties.key(pid))
        for q in sorted((q for q in tally.eligible if q not in chosen and q != pid),
                        key=lambda q: (-tally.votes[q], tally.ties.key(q))):
            if (-tally.votes[q], tally.ties.key(q)) > place:
                break
            if tally.cost(q) <= left:
                left -= tally.cost(q)
        return left

    def added_candidate(self, pid: str, share: Fraction) -> int | None:
        """The fewest voters choosing only ``pid`` that MES at ``share`` needs to buy it."""
        j = self.index.get(pid)
        if j is None:
            return None
        _, thresholds = self.watched(share, None)
        needed = thresholds.added[j]
        return None if math.isinf(needed) else max(math.ceil(needed * (1 - 4 * MARGIN)), 1)


def _with_cost(instance: Instance, pid: str, cost: Number) -> Instance:
    projects = dict(instance.projects)
    projects[pid] = replace(projects[pid], cost=cost)
    return replace(instance, projects=projects)
