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
from .mes import (
    EqualShares, MesRun, _is_exhaustive, add1_increment, comparison_step, equal_shares, increased_share,
)
from .model import APPROVAL_TYPES, Instance, Number
from .tally import Tally
from .ties import TieBreaker

# Thresholds are floats; a reused run is trusted only for costs above the threshold widened
# by this relative margin (float errors of the engine are below 1e-12 relative).
MARGIN = 1e-9
# Iterations of a candidate's fixed point (each one run of MES) before it is tried as it is.
FIXED_POINT_ITERATIONS = 10


class Thresholds:
    """Watches a MES run (see :meth:`EqualShares.run`): for every project not bought (yet),
    the largest cost at which it would have been bought in some round, and the fewest new
    voters (each holding ``share`` and choosing only it) that would have had it bought.

    Each round costs a few passes over all (project, supporting group) pairs: the projects
    are solved together (:func:`largest_roots`)."""

    def __init__(self, mes: EqualShares, share: Number, watched: list[int] | None = None) -> None:
        self.mes = mes
        self.share = float(share)
        supported = set(mes.supported)
        self.watched = np.array([j for j in (mes.supported if watched is None else watched) if j in supported], dtype=np.intp)
        groups = [mes.supporters[j] for j in self.watched]
        if watched is None:  # every project with supporters: the pairs are the rule's own
            self.pair_groups, self.pair_weights = mes.pair_groups, mes.pair_weights
        else:
            self.pair_groups = np.concatenate(groups) if groups else np.zeros(0, dtype=np.intp)
            self.pair_weights = np.concatenate([mes.supporter_weights[j] for j in self.watched]) if groups else np.zeros(0)
        self.sizes = np.array([len(g) for g in groups], dtype=np.intp)
        self.starts = _starts(self.sizes)
        self.pair_owner = np.repeat(np.arange(len(groups)), self.sizes)
        self.costs = np.array([mes.float_costs[j] for j in self.watched])
        self.weights = np.array([mes.total_weight[j] for j in self.watched], dtype=np.float64)
        self.best = np.zeros(len(groups))  # the largest winning cost found, per watched project
        self.fewest = np.full(len(groups), math.inf)
        self.open = np.ones(len(groups), dtype=np.bool_)  # not bought yet
        self.position = {int(j): k for k, j in enumerate(self.watched)}
        # The largest winning cost found up to each round (after observing it), per project:
        # a changed run is the watched one until the first round whose value admits its cost.
        self.history: list[np.ndarray] = []
        self.cost = _Lookup(self, "best", 0.0)
        self.added = _Lookup(self, "fewest", math.inf)

    def per_project(self, values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, self.starts) if len(values) else np.zeros(len(self.starts))

    def round(self, run, winner: int, value) -> None:
        self.observe(run, value.alpha + value.error)  # an upper bound: costs found are upper bounds
        self.history.append(self.best.copy())
        if winner in self.position:
            self.open[self.position[winner]] = False

    def end(self, run) -> None:
        self.observe(run, None)

    def observe(self, run, alpha: float | None) -> None:
        if not len(self.watched):
            return
        amounts = run.money[self.pair_groups]
        totals = self.per_project(self.pair_weights * amounts)
        if alpha is None:  # nothing else is affordable: a project is bought if its supporters can pay
            self.best = np.where(self.open, np.maximum(self.best, totals), self.best)
            if self.share:
                needed = np.maximum(self.costs - totals, 0.0) / self.share
                self.fewest = np.where(self.open, np.minimum(self.fewest, needed), self.fewest)
            return
        if self.share:
            price = alpha * self.costs
            paid = self.per_project(self.pair_weights * np.minimum(amounts, price[self.pair_owner]))
            needed = np.maximum(self.costs - paid, 0.0) / np.minimum(self.share, price)
            self.fewest = np.where(self.open, np.minimum(self.fewest, needed), self.fewest)
        # Only where this round beats the best cost so far: f(alpha * best) >= best.
        at_best = self.per_project(self.pair_weights * np.minimum(amounts, (alpha * self.best)[self.pair_owner]))
        better = self.open & (totals > self.best) & (at_best >= self.best) & (alpha * self.weights >= 1 - MARGIN)
        if better.any():
            roots = np.zeros(len(better))
            roots[better] = self.largest_roots(amounts, totals, alpha, better)
            self.best = np.where(better, np.maximum(self.best, roots), self.best)

    def largest_roots(self, amounts: np.ndarray, totals: np.ndarray, alpha: float, chosen: np.ndarray) -> np.ndarray:
        """For the ``chosen`` projects (usually a few of those watched: only theirs are
        computed), the largest ``c`` with ``f(alpha * c) >= c`` (``f``: what its supporters
        pay at a price), by Newton's method from above on ``g(x) = f(x) - x / alpha``:
        ``g`` is concave and piecewise linear, so from the right of its largest root the steps
        stay right of it and end on it after a few segments."""
        pairs = chosen[self.pair_owner]
        amounts, weights, totals, sizes = amounts[pairs], self.pair_weights[pairs], totals[chosen], self.sizes[chosen]
        starts, owner = _starts(sizes), np.repeat(np.arange(len(sizes)), sizes)
        x = alpha * totals
        for _ in range(64):
            price = x[owner]
            paid = np.add.reduceat(weights * np.minimum(amounts, price), starts)
            rich = np.add.reduceat(weights * (amounts > price), starts)
            short = paid - x / alpha
            moving = short < -1e-12 * np.maximum(totals, 1.0)
            if not moving.any():
                break
            slope = rich - 1 / alpha
            step = np.where(moving & (slope < 0), short / np.where(slope < 0, slope, -1.0), 0.0)
            x = np.maximum(np.where(moving & (slope >= 0), 0.0, x - step), 0.0)
        return x / alpha

    def state(self) -> tuple:
        """What watching found, as arrays (to send to another process: :meth:`restore`)."""
        return self.best, self.fewest, self.open, np.array(self.history).reshape(len(self.history), len(self.watched))

    def restore(self, state: tuple) -> Thresholds:
        self.best, self.fewest, self.open, history = state
        self.history = list(history)
        return self

    def settle(self) -> Thresholds:
        """Drop what only watching a run needs (the arrays of its (project, group) pairs, as
        large as the supporters): a kept run's thresholds only answer lookups."""
        self.pair_groups = self.pair_weights = self.pair_owner = None
        return self

    def alone(self, j: int, rounds: int) -> Thresholds:
        """Project ``j``'s thresholds alone, as watching it from the start of a run whose first
        ``rounds`` rounds are this run's, before ``j`` was bought, leaves them (the added
        voters are not watched: share 0)."""
        k = self.position[j]
        single = Thresholds(self.mes, 0, watched=[j])
        single.history = [best[k:k + 1].copy() for best in self.history[:rounds]]
        if single.history:
            single.best = single.history[-1].copy()
        return single

    def cost_bound(self, j: int) -> float:
        """Above this cost project ``j`` is certainly not bought in the watched run."""
        return self.cost[j] * (1 + MARGIN) + MARGIN

    def first_round(self, j: int, cost: Number) -> int:
        """How many rounds of the watched run are certainly those of the run with project
        ``j`` at ``cost``: the rounds before the first whose widened threshold admits it
        (all of them if only the end of the run does)."""
        k = self.position[j]
        for rounds, best in enumerate(self.history):
            if cost <= best[k] * (1 + MARGIN) + MARGIN:
                return rounds
        return len(self.history)

    def added_bound(self, j: int) -> float:
        """Below this many new voters project ``j`` is certainly not bought in the watched run."""
        return self.added[j] * (1 - MARGIN) - MARGIN


class _Lookup:
    """``thresholds.cost[j]`` / ``thresholds.added[j]`` by project index."""

    def __init__(self, owner: Thresholds, name: str, missing: float) -> None:
        self.owner, self.name, self.missing = owner, name, missing

    def __getitem__(self, j: int) -> float:
        k = self.owner.position.get(j)
        return self.missing if k is None else float(getattr(self.owner, self.name)[k])


class _WithoutEach:
    """Watches a run of the unchanged instance and, at each round, before the winner pays,
    runs the rest without it: a copy of the state with the winner costing more than all the
    money, gone on with (:meth:`EqualSharesOracle.without`).  ``watched`` holds the run's
    thresholds, found in this run if ``observe`` (else in an earlier one)."""

    def __init__(self, oracle: EqualSharesOracle, watched: Thresholds, share: Fraction, cap: Number | None,
                 observe: bool) -> None:
        self.oracle, self.watched, self.share, self.cap, self.observe = oracle, watched, share, cap, observe
        self.found: dict[str, tuple[MesRun, Thresholds]] = {}

    def round(self, state, winner: int, value) -> None:
        oracle = self.oracle
        pid = oracle.mes.ids[winner]
        thresholds = self.watched.alone(winner, len(state.run.selected))
        without = oracle.changed(pid, self.share * oracle.voters + 1)
        self.found[pid] = (state.copy_for(without, winner).until(self.cap, thresholds), thresholds.settle())
        if self.observe:
            self.watched.round(state, winner, value)

    def end(self, state) -> None:
        if self.observe:
            self.watched.end(state)


class EqualSharesOracle:
    """Whether a project is selected by an equal-shares rule, completion included, at a
    changed cost; exact, re-running MES only where the change can matter."""

    def __init__(self, instance: Instance, rule) -> None:
        self.instance = instance
        self.rule = rule
        self.min_votes = rule.min_votes(instance)
        self.tally = Tally.of(instance, rule.tie_breaking, rule.seed, self.min_votes)
        self.mes = EqualShares(self.tally)
        self.mes.compiling = True
        self.index = {pid: j for j, pid in enumerate(self.mes.ids)}
        self.runs: dict[tuple, tuple[MesRun, Thresholds]] = {}
        self.budget = Fraction(instance.budget)
        self.voters = max(self.mes.num_voters, 1)
        self.increment = rule.params.get("increment")
        if self.increment is None:
            self.increment = add1_increment(self.tally)
        self.changed_runs = 0  # MES runs on a changed instance (for the benchmark)
        # States of runs with a changed cost, to go on from (see :meth:`resumed`).
        self.kept_for: str | None = None
        self.kept: dict[tuple, object] = {}
        self.voters_mes: EqualShares | None = None  # MES with the new voters of the question asked
        # Under ``equalshares``, per number of new voters of the project asked about (voters_for),
        # their MES and its runs at the completion's steps (see with_voters).
        self.voters_for: str | None = None
        self.with_added: dict[int, tuple[EqualShares, dict[int, MesRun]]] = {}
        self.last_share = Fraction(0)  # the share the completion ended at in the last question
        self.last_ending_step: int | None = None  # under ``equalshares``, the step it ended at then

    # The unchanged instance, watched.
    def watched(self, share: Fraction, cap: Number | None) -> tuple[MesRun, Thresholds]:
        key = (share, cap)
        if key not in self.runs:
            self.runs[key] = self.watched_run(share, cap, Thresholds(self.mes, share))
        return self.runs[key]

    def watched_run(self, share: Fraction, cap: Number | None, thresholds: Thresholds,
                    without: str | None = None) -> tuple[MesRun, Thresholds]:
        """The run at ``share`` (without project ``without``, out of reach from the start: its
        rounds before the one that bought it are the unchanged run's), watched by
        ``thresholds``: compiled on large pools where the compiled run can decide, else in
        Python."""
        left_out = -1 if without is None else self.index[without]
        compiled = self.mes.compiled(share, cap, left_out, thresholds.watched, thresholds.share, MARGIN)
        if compiled is not None:
            run, state = compiled
            return run, thresholds.settle().restore(state)
        if without is None:
            return self.mes.run(share, cap, thresholds), thresholds.settle()
        return self.replayed_without(without, share, cap)

    def watch_the_completion(self) -> None:
        """The watched runs of the unchanged instance at every share its completion tries
        (every cost question walks them): the completion of a project at its own cost."""
        if self.mes.ids:
            pid = self.mes.ids[0]
            self.final_run(pid, self.instance.projects[pid].cost, self.tally)

    def without(self, pid: str, share: Fraction, cap: Number | None = None) -> tuple[MesRun, Thresholds]:
        """The run at ``share`` without ``pid`` (costing more than all the voters' money),
        watched: at any cost above ``pid``'s threshold there, the run is this one.  Until the
        round that bought ``pid``, it is the unchanged run: those rounds' winners are only
        paid for, and ``pid``'s thresholds after them are the unchanged run's."""
        key = (pid, share, cap)
        if key not in self.runs:
            self.runs[key] = self.watched_run(share, cap, Thresholds(self.mes, 0, watched=[self.index[pid]]), pid)
        return self.runs[key]

    def replayed_without(self, pid: str, share: Fraction, cap: Number | None) -> tuple[MesRun, Thresholds]:
        """:meth:`without` in Python: the rounds before ``pid`` was bought replayed."""
        # A run watching pid: the one of every project, else (at a share no completion step
        # takes) the one of pid alone if there is one.
        alone = self.runs.get(("added", pid, share)) if cap is None else None
        unchanged, watched = self.runs.get((share, cap)) or alone or self.watched(share, cap)
        rounds = _rounds_before(unchanged, pid)
        thresholds = watched.alone(self.index[pid], rounds)
        first = [self.index[q] for q in unchanged.selected[:rounds]]
        run = self.changed(pid, share * self.voters + 1).run_after(share, first, cap, thresholds)
        return run, thresholds.settle()

    def completion_keys(self) -> list[tuple]:
        """The (share, cap) of every watched run of the unchanged instance (see
        :meth:`watch_the_completion`)."""
        return [key for key in self.runs if len(key) == 2]

    def completion_steps(self, steps: int) -> list[tuple]:
        """Under ``equalshares``, the (share, cap) of the completion's runs when it ends at
        ``steps`` (the outcome's), as :meth:`final_run` asks for them."""
        return [(self.step_share(step), self.budget) for step in range(min(steps, self.last_step()) + 1)]

    def every_without(self, share: Fraction, cap: Number | None) -> dict[str, tuple[MesRun, Thresholds]]:
        """The runs without each project that the unchanged run at ``share`` bought (see
        :meth:`without`), from one run of it (the watched one, if it is not yet) that,
        before each purchase, goes on from a copy of its state without the project bought:
        no round is run twice.  Where runs are compiled, each run without a project is
        compiled from the start instead (:meth:`without`: faster than going on in Python)."""
        key = (share, cap)
        if self.mes.compiles():  # each compiled from the start instead
            run, _ = self.watched(share, cap)
            return {pid: self.without(pid, share, cap) for pid in run.selected}
        observe = key not in self.runs
        watched = Thresholds(self.mes, share) if observe else self.runs[key][1]
        forking = _WithoutEach(self, watched, share, cap, observe)
        run = self.mes.run(share, cap, forking)
        if observe:
            self.runs[key] = (run, watched.settle())
        for pid, found in forking.found.items():
            self.runs[(pid, share, cap)] = found
        return forking.found

    def portable_step(self, share: Fraction, cap: Number | None) -> tuple:
        """:meth:`every_without` as plain data, for another process (:meth:`adopt_step`): the
        watched run if it was run here, and the runs without each project, with their
        thresholds' arrays."""
        watched = (share, cap) not in self.runs
        found = {pid: (run, thresholds.state()) for pid, (run, thresholds) in self.every_without(share, cap).items()}
        run, thresholds = self.runs[(share, cap)]
        return ((run, thresholds.state()) if watched else None), found

    def adopt_step(self, share: Fraction, cap: Number | None, portable: tuple) -> None:
        watched, found = portable
        if watched is not None and (share, cap) not in self.runs:
            run, state = watched
            self.runs[(share, cap)] = (run, Thresholds(self.mes, share).settle().restore(state))
        for pid, (run, state) in found.items():
            self.runs[(pid, share, cap)] = (run, Thresholds(self.mes, 0, watched=[self.index[pid]]).settle().restore(state))

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

    def run_at(self, pid: str, cost: Number, share: Fraction, cap: Number | None, added: int = 0) -> MesRun:
        run, thresholds = self.watched(share, cap)
        j = self.index[pid]
        if added:  # new voters choosing only pid, each holding ``share`` (cost unchanged)
            if pid not in run.selected and added < thresholds.added_bound(j):
                return run
            self.changed_runs += 1
            return self.voters_mes.run(share, cap)
        if cost == self.instance.projects[pid].cost:
            return run
        if pid in run.selected:
            run, thresholds = self.without(pid, share, cap)
        if cost > thresholds.cost_bound(j):
            return run
        self.changed_runs += 1
        return self.resumed(pid, cost, share, cap, run, thresholds.first_round(j, cost))

    def resumed(self, pid: str, cost: Number, share: Fraction, cap: Number | None, watched: MesRun,
                rounds: int) -> MesRun:
        """MES at ``share`` with ``pid`` at ``cost``, whose first ``rounds`` rounds are those
        of the ``watched`` run (unchanged, or without ``pid``): compiled from the start on
        large pools (:meth:`EqualShares.compiled`); else resumed from a state kept by an
        earlier run of the same project at this share after at most that many rounds, or run
        after those rounds' winners (:meth:`EqualShares.run_after`) keeping the state after
        them for the next question.  Only the states of the project asked about are kept (one
        per share)."""
        changed = self.changed(pid, cost)
        compiled = changed.compiled(share, cap)
        if compiled is not None:
            return compiled[0]
        if self.kept_for != pid:
            self.kept_for, self.kept = pid, {}
        key = (share, cap)
        kept = self.kept.get(key)
        if kept is not None and len(kept.run.selected) <= rounds:
            run = changed.resume(kept, cap, self.index[pid])
            if run is not None:
                return run
        rounds = min(rounds, _rounds_before(watched, None))
        run, state = changed.run_keeping(share, cap, rounds, [self.index[q] for q in watched.selected[:rounds]])
        if state is not None:
            self.kept[key] = state
        return run

    # The completions, as in mes.py, on the instance with pid at cost (and ``added`` new voters).
    def final_run(self, pid: str, cost: Number, tally: Tally, added: int = 0) -> MesRun:
        voters = max(self.mes.num_voters + added, 1)
        if self.rule.name == "equalshares":
            previous, step, last = MesRun(Fraction(0), []), 0, self.last_step(added)
            while step <= last:
                run = self.run_at(pid, cost, increased_share(self.budget, step, voters), self.budget, added)
                if run.overspent:
                    return previous
                if _is_exhaustive(tally, run.selected, self.budget):
                    return run
                previous, step = run, step + 1
            return run
        budget = math.floor(self.budget)
        if sum(tally.cost(q) for q in tally.eligible) <= budget:
            return self.run_at(pid, cost, self.budget / voters, None, added)
        run = self.run_at(pid, cost, Fraction(budget // voters), None, added)
        while len(run.selected) < len(self.mes.supported):
            following = self.run_at(pid, cost, run.share + self.increment, budget, added)
            if following.overspent:
                break
            run = following
        return run

    def cost_probe(self, pid: str, cost: Number):
        """:meth:`completion_probe` for ``pid`` at ``cost`` (no new voters), on the runs
        :meth:`final_run` takes (reused where the changed cost cannot matter)."""
        return self.probe(pid, self.changed_tally(pid, cost),
                          lambda step: self.run_at(pid, cost, self.step_share(step), self.budget))

    def completion_probe(self, pid: str, added: int):
        """For guessing, not exactly, what ``equalshares`` does with ``added`` new voters
        choosing only ``pid`` without running every step from 0: see :meth:`probe`.  The
        tally is this one with the project's votes raised (its points are not: a guess)."""
        votes = {**self.tally.votes, pid: self.tally.votes[pid] + added}
        ties = self.tally.ties
        costs = {q: p.cost for q, p in self.instance.projects.items()}
        tally = replace(self.tally, votes=votes, ties=TieBreaker(ties.kind, costs, votes, ties.seed))
        mes, runs = self.with_voters(pid, added, tally)
        voters = max(mes.num_voters, 1)

        def run_of_step(step: int) -> MesRun:
            if step not in runs:
                runs[step] = mes.run(increased_share(self.budget, step, voters), cap=self.budget)
            return runs[step]

        return self.probe(pid, tally, run_of_step)

    def with_voters(self, pid: str, added: int, tally: Tally) -> tuple[EqualShares, dict[int, MesRun]]:
        """The MES of this instance with ``added`` new voters choosing only ``pid`` (made from
        ours, :meth:`EqualShares.with_voters`) and its runs at the steps of the +1 % completion
        made so far: the guesses of the completion and the tests of the rule run the same
        instance (the same runs: their tallies differ at most in points, which MES does not
        use), so each step is run once.  Kept for the project asked about only."""
        if self.voters_for != pid:
            self.voters_for, self.with_added = pid, {}
        if added not in self.with_added:
            self.with_added[added] = (self.mes.with_voters(tally, pid, added), {})
        return self.with_added[added]

    def probe(self, pid: str, tally: Tally, run_of_step):
        """``ends(step)``: whether the run at that step (``run_of_step``, each run once) ends the
        +1 % completion (it overspends or is exhaustive); ``selected(step)``: whether ``pid``
        is selected if the completion ends there (the step before, if that run overspends)."""
        runs: dict[int, MesRun] = {-1: MesRun(Fraction(0), [])}

        def run(step: int) -> MesRun:
            if step not in runs:
                runs[step] = run_of_step(step)
            return runs[step]

        def ends(step: int) -> bool:
            return run(step).overspent or _is_exhaustive(tally, run(step).selected, self.budget)

        def selected(step: int) -> bool:
            final = run(step - 1) if run(step).overspent else run(step)
            return self.decided(pid, tally, final)

        return ends, selected

    def selected_with_voters(self, pid: str, instance: Instance, added: int) -> bool:
        """Whether ``pid`` is selected in ``instance``: this one with ``added`` new voters
        choosing only ``pid``.  Under ``equalshares`` the rule is run on it (every share of
        the +1 % completion changes with the number of voters).  Under the add1 completions,
        whose shares are whole units whatever the number of voters, at each share the run of
        the unchanged instance is reused where ``pid`` is not in it and ``added`` is below its
        threshold there (the new voters' money then buys nothing, and the others' runs are as
        they were)."""
        j = self.index.get(pid)
        min_votes = self.rule.min_votes(instance)
        if instance.vote_type in APPROVAL_TYPES:
            tally = self.tally.with_approvals(instance, pid, added, min_votes)
        else:
            tally = Tally.of(instance, self.rule.tie_breaking, self.rule.seed, min_votes)
        if self.rule.name == "equalshares":
            # The rule itself, as compute() runs it on this tally; its MES made from ours (the
            # same projects, one more group of voters) instead of grouping every ballot again.
            ours = j is not None and tally.eligible == self.tally.eligible
            mes, runs = self.with_voters(pid, added, tally) if ours else (None, None)
            outcome = equal_shares(tally, mes=mes, runs=runs)
        elif j is None or not self.mes.total_weight[j]:
            outcome = self.rule.outcome(instance)
        else:
            self.voters_mes = EqualShares(tally)
            return self.decided(pid, tally, self.final_run(pid, self.instance.projects[pid].cost, tally, added))
        self.last_share = Fraction(outcome.details.get("share_per_voter", 0))
        self.last_ending_step = outcome.details.get("budget_increase_steps")
        return pid in outcome.selected

    def selected_at(self, pid: str, cost: Number) -> bool:
        if pid not in self.index:
            return pid in self.rule.selected(_with_cost(self.instance, pid, cost))
        tally = self.changed_tally(pid, cost)
        return self.decided(pid, tally, self.final_run(pid, cost, tally))

    def decided(self, pid: str, tally: Tally, run: MesRun) -> bool:
        """Whether the rule selects ``pid`` after the completion's final ``run`` on ``tally``."""
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

    def last_step(self, added: int = 0) -> int:
        """The last step the +1 % completion may try (pabutools' bound), with ``added`` new voters."""
        return 100 * max(self.mes.num_voters + added, 1)

    # The shares the completion tries, by step number.
    def step_share(self, step: int) -> Fraction:
        if self.rule.name == "equalshares":
            return increased_share(self.budget, step, self.voters)
        return Fraction(math.floor(self.budget) // self.voters + step * self.increment)

    def step_of(self, share: Fraction) -> int:
        if self.rule.name == "equalshares":
            return math.floor(share * 100 * self.voters / self.budget) - 100
        return math.floor((share - math.floor(self.budget) // self.voters) / self.increment)

    # Candidates from one watched run at the final share.
    def cost_candidate(self, pid: str, share: Fraction) -> int | None:
        """The largest whole cost at which MES at ``share`` buys ``pid`` (or the greedy
        completion funds it), from one watched run: a candidate, to verify."""
        j = self.index.get(pid)
        if j is None:
            return None
        run, thresholds = self.watched(share, None)
        if pid in run.selected:
            run, thresholds = self.without(pid, share)
        found = thresholds.cost[j] * (1 + 4 * MARGIN)
        best = math.floor(found) if found >= 1 else None
        if self.rule.name == "equalshares":
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

    def watching(self, pid: str, share: Fraction) -> tuple[MesRun, Thresholds]:
        """The run of the unchanged instance at ``share`` (no cap) watching ``pid`` alone."""
        key = ("added", pid, share)
        if key not in self.runs:
            self.runs[key] = self.watched_run(share, None, Thresholds(self.mes, share, watched=[self.index[pid]]))
        return self.runs[key]

    def added_needed(self, pid: str, share: Fraction) -> int | None:
        """The fewest voters choosing only ``pid`` that MES at ``share`` needs to buy it, each
        holding ``share``, from one run of the unchanged instance watching ``pid`` alone."""
        j = self.index.get(pid)
        if j is None:
            return None
        needed = self.watching(pid, share)[1].added[j]
        return None if math.isinf(needed) else max(math.ceil(needed * (1 - 4 * MARGIN)), 1)

    def added_for_money(self, pid: str, money: Fraction, limit: int) -> int | None:
        """A candidate for the fewest voters choosing only ``pid`` when the completion shares
        out ``money`` among the voters and them: the smallest ``k`` at least the voters MES
        needs at the share ``money / (voters + k)``, by iterating from ``k = 0`` (the needed
        voters grow as the share falls, by a small fraction of ``k``: a few iterations)."""
        added = 0
        for _ in range(FIXED_POINT_ITERATIONS):
            share = money / (self.mes.num_voters + added)
            needed = min((k for k in (self.added_needed(pid, share), self.greedy_added(pid, share)) if k is not None),
                         default=None)
            if needed is None or needed > limit:
                return None
            if needed <= added:
                return added
            added = needed
        return added

    def greedy_added(self, pid: str, share: Fraction) -> int | None:
        """The fewest voters choosing only ``pid`` that put it where the greedy completion after
        MES at ``share`` (without it) still has its cost left: a candidate under ``equalshares``
        (the run itself changes with the voters)."""
        if self.rule.name != "equalshares" or pid not in self.index:
            return None
        run, _ = self.watching(pid, share)
        if pid in run.selected:
            run, _ = self.without(pid, share)
        tally, cost = self.tally, self.tally.cost(pid)
        chosen = set(run.selected)
        left = tally.instance.budget - sum(tally.cost(q) for q in run.selected)
        if cost > left:
            return None
        rest = sorted((q for q in tally.eligible if q not in chosen and q != pid),
                      key=lambda q: (-tally.votes[q], tally.ties.key(q)))
        # The first project greedy funds that leaves less than the cost: pid must come before it.
        for q in rest:
            if tally.cost(q) <= left:
                if left - tally.cost(q) < cost:
                    added = max(tally.votes[q] - tally.votes[pid], 0)
                    mine = (-(tally.votes[pid] + added), tally.ties.key_with(pid, None, tally.votes[pid] + added))
                    return added if mine < (-tally.votes[q], tally.ties.key(q)) else added + 1
                left -= tally.cost(q)
        return 0

    def added_candidate(self, pid: str, share: Fraction) -> int | None:
        """The fewest voters choosing only ``pid`` that MES at ``share`` needs to buy it."""
        j = self.index.get(pid)
        if j is None:
            return None
        _, thresholds = self.watched(share, None)
        needed = thresholds.added[j]
        return None if math.isinf(needed) else max(math.ceil(needed * (1 - 4 * MARGIN)), 1)


def _rounds_before(run: MesRun, pid: str | None) -> int:
    """The rounds of ``run`` before the one that bought ``pid`` (all its purchases but one
    that overspent, if ``pid`` was not bought or is ``None``)."""
    if pid in run.selected:
        return run.selected.index(pid)
    return len(run.selected) - run.overspent


def _starts(sizes: np.ndarray) -> np.ndarray:
    """Where each of consecutive segments of these sizes starts."""
    return np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.intp)


def _with_cost(instance: Instance, pid: str, cost: Number) -> Instance:
    projects = dict(instance.projects)
    projects[pid] = replace(projects[pid], cost=cost)
    return replace(instance, projects=projects)
