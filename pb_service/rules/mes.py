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

Every decision is the exact one.  Identical ballots are grouped; a run keeps each group's
money as a float with a proven error bound and decides in floats only when the values compared
are further apart than their bounds, computing ties and near ties exactly, and every price
exactly (see :class:`_Run`).  Each round only re-evaluates the projects whose previous
``rho / cost`` (a lower bound: it can only grow as voters spend money) does not exceed the
best one found so far, as in pabutools and equalshares.net.
"""

from __future__ import annotations

import copy
import heapq
import importlib
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from itertools import chain, compress, repeat
from operator import mul

import numpy as np

try:  # the C functions np.einsum and np.count_nonzero call: their Python wrappers cost as much
    from numpy._core.multiarray import c_einsum as _einsum, count_nonzero as _count_nonzero
except ImportError:  # numpy before 2.0
    _einsum, _count_nonzero = np.einsum, np.count_nonzero

from .float_bounds import EPSILON, MAX_FLOAT_PASSES, down as _down, up as _up
from .greedy import greedy_fill
from .model import Number, Result, Status, Tie, exact, format_decimal
from .tally import Tally, identical_ballots

# Currencies whose unit is too small for "one unit more per voter" to be a sensible step;
# the add1 completion then steps by this many units.
SMALL_CURRENCY_UNITS = {"HUF": 100, "JPY": 100, "KRW": 1000, "IDR": 1000, "VND": 1000}

# A round finding its first projects unaffordable (usually the last round, where all are)
# drops at once those certainly so (see _Run.without_unaffordable) when it costs less than
# evaluating those left one by one: one evaluation costs about as much as summing this many
# (project, group) pairs at once (on Łódź 2022, 690 pairs per project, dropping gained nothing).
PAIRS_PER_EVALUATION = 300
# The performance measures compile their runs (:mod:`.mes_compiled`) on instances with at least
# this many (project, supporting group) pairs; on smaller ones compiling (about 5 s, once per
# machine) costs more than it saves.
COMPILED_FROM_PAIRS = 5000


@dataclass
class MesRun:
    """One run of MES for a given share per voter."""

    share: Number
    selected: list[str]
    ties: list[Tie] = field(default_factory=list)
    spent: Number = 0
    overspent: bool = False


class EqualShares:
    """MES with cost utilities on one instance, runnable for any share per voter.

    ``compiling``: whether unwatched runs are compiled where the instance is large enough
    (:meth:`compiles`).  The performance measures, which make thousands of runs, turn it on
    for their instance (its changed copies keep it); the rule itself, one completion, runs
    in Python and never waits for the compiler."""

    compiling = False

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        projects = tally.instance.projects
        self.ids = [pid for pid in tally.eligible if projects[pid].cost > 0]
        index = {pid: j for j, pid in enumerate(self.ids)}
        # Identical ballots form one group of voters (weights are whole numbers, exact as floats).
        groups = identical_ballots(tally.instance.ballots)
        self.num_voters = tally.instance.num_voters
        self.group_weights = np.array(list(groups.values()), dtype=np.float64)
        # Each project's supporting groups, from the (project, group) pairs of eligible
        # projects, sorted (and made unique) by project and then group.
        sizes = np.fromiter(map(len, groups), dtype=np.intp, count=len(groups))
        chosen = np.fromiter(map(index.get, chain.from_iterable(groups), repeat(-1)), dtype=np.intp, count=int(sizes.sum()))
        owners = np.repeat(np.arange(len(groups)), sizes)
        eligible = chosen >= 0
        pairs = _distinct(chosen[eligible] * len(groups) + owners[eligible])
        pair_projects, pair_groups = np.divmod(pairs, max(len(groups), 1))
        starts = np.searchsorted(pair_projects, np.arange(1, len(self.ids)))
        self.supporters = np.split(pair_groups, starts) if self.ids else []
        self.supporter_weights = [self.group_weights[groups_of_j] for groups_of_j in self.supporters]
        self.total_weight = [int(weights.sum()) for weights in self.supporter_weights]
        self.costs = [Fraction(projects[pid].cost) for pid in self.ids]
        self.float_costs = [float(cost) for cost in self.costs]
        self.supported = [j for j in range(len(self.ids)) if self.total_weight[j] > 0]
        self.tie_keys = [tally.ties.key(pid) for pid in self.ids]
        self.index_pairs()

    def index_pairs(self) -> None:
        """Every (project, supporting group) pair in arrays, to sum over all projects at once."""
        self.pair_groups = np.concatenate(self.supporters) if self.ids else np.zeros(0, dtype=np.intp)
        self.pair_weights = np.concatenate(self.supporter_weights) if self.ids else np.zeros(0)
        sizes = np.array([len(groups) for groups in self.supporters], dtype=np.intp)
        self.pair_owner = np.repeat(np.arange(len(self.ids)), sizes)
        self.pair_starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.intp)
        self.roundings = 2 * (sizes + 2) * EPSILON  # as value() has them
        self.weight_array = np.array(self.total_weight, dtype=np.float64)
        self.index_costs()

    def index_costs(self) -> None:
        """The costs in arrays (as floats, and as whole numbers where they all are)."""
        self.cost_array = np.array(self.float_costs, dtype=np.float64)
        whole = [cost.numerator for cost in self.costs if cost.denominator == 1]  # with_cost's hot path: no int()
        self.whole_costs_ok = len(whole) == len(self.costs)
        self.whole_costs = np.array(whole if self.whole_costs_ok else [], dtype=np.int64)
        order = sorted(range(len(self.ids)), key=self.tie_keys.__getitem__)
        self.tie_ranks = np.empty(len(self.ids), dtype=np.int64)
        self.tie_ranks[order] = np.arange(len(self.ids))

    def run(self, share: Number, cap: Number | None = None, watch=None) -> MesRun:
        """MES giving each voter ``share``; stop early once more than ``cap`` is spent.

        ``watch`` (see :class:`~pb_service.rules.mes_measures.Thresholds`) is shown each round's
        state before the winner pays (``watch.round(run, winner, value)``) and the state at
        the end (``watch.end(run)``): what the performance measures track.

        With :attr:`compiling` on, unwatched runs on large instances are compiled where they
        can be decided in floats (:meth:`compiled`): the same run."""
        share = Fraction(share)
        compiled = self.compiled(share, cap) if watch is None else None
        return compiled[0] if compiled else _Run(self, share).until(cap, watch)

    def compiles(self) -> bool:
        """Whether runs are compiled here: :attr:`compiling` on, a large instance, numba there."""
        return self.compiling and len(self.pair_groups) >= COMPILED_FROM_PAIRS and _compiler_installed()

    def compiled(self, share: Fraction, cap: Number | None, without: int = -1, watched: np.ndarray | None = None,
                 added_share: float = 0.0, margin: float = 0.0) -> tuple[MesRun, tuple | None] | None:
        """:meth:`run_compiled` where runs are compiled here (:meth:`compiles`), else ``None``."""
        return self.run_compiled(share, cap, without, watched, added_share, margin) if self.compiles() else None

    def run_compiled(self, share: Fraction, cap: Number | None, without: int = -1, watched: np.ndarray | None = None,
                     added_share: float = 0.0, margin: float = 0.0) -> tuple[MesRun, tuple | None] | None:
        """The run, compiled (:func:`~pb_service.rules.mes_compiled.compiled_run`, which says
        what ``without``, ``watched``, ``added_share`` and ``margin`` are), with what watching
        found (``None`` if nothing is watched); ``None`` where the compiled run cannot decide."""
        from .mes_compiled import compiled_run  # numba: imported only where it is used

        found = compiled_run(self, share, cap, without, watched, added_share, margin)
        if found is None:
            return None
        winners, tied, spent, overspent, state = found
        ties = [self.tie(sorted(projects, key=self.tie_ranks.__getitem__), round_index + 1)
                for round_index, projects in tied.items()]
        return MesRun(share, [self.ids[j] for j in winners], ties, spent, overspent), state

    def run_keeping(self, share: Number, cap: Number | None, keep_at: int,
                    first: list[int] = ()) -> tuple[MesRun, _Run | None]:
        """:meth:`run`, keeping a copy of the state at the start of round ``keep_at + 1``
        (after ``keep_at`` purchases; ``None`` if the run ends before); the ``first`` winners
        as :meth:`run_after` takes them."""
        runner = self.replayed(share, first)
        return runner.until(cap, keep_at=keep_at), runner.kept

    def run_after(self, share: Number, first: list[int], cap: Number | None = None, watch=None) -> MesRun:
        """:meth:`run`, given that its first rounds buy the projects ``first`` (indices), in
        this order: another run's rounds known to be this one's.  Only their prices are
        computed (a round of a run evaluates every project that may win it); ``watch`` sees
        the rounds after them."""
        return self.replayed(share, first).until(cap, watch)

    def replayed(self, share: Number, first: list[int]) -> _Run:
        """The state of a run at ``share`` after buying ``first`` in order (see
        :meth:`run_after`; the ties of those rounds are not recorded)."""
        runner = _Run(self, Fraction(share))
        for j in first:
            value = runner.value(j)
            if value is None:
                raise ValueError(f"{self.ids[j]} is not affordable: not the rounds of a run at this share")
            runner.buy(j, value, None)
        return runner

    def resume(self, kept: _Run, cap: Number | None, changed: int) -> MesRun | None:
        """Go on from a kept state of a run on an instance that differs from this one only in
        project ``changed``'s cost, which did not decide any round before: the rounds kept are
        then this instance's too.  ``None`` if the kept scale cannot hold the changed cost."""
        if (self.costs[changed] * kept.scale).denominator != 1:
            return None
        return kept.copy_for(self, changed).until(cap)

    def with_cost(self, pid: str, cost: Number, tie_key: tuple) -> EqualShares:
        """The same voters with project ``pid`` costing ``cost`` (a shallow copy)."""
        changed = copy.copy(self)
        j = self.ids.index(pid)
        changed.costs, changed.float_costs, changed.tie_keys = list(self.costs), list(self.float_costs), list(self.tie_keys)
        changed.costs[j], changed.float_costs[j], changed.tie_keys[j] = Fraction(cost), float(cost), tie_key
        changed.index_costs()
        return changed

    def with_voters(self, tally: Tally, pid: str, added: int) -> EqualShares:
        """The same voters and ``added`` new ones choosing only ``pid``, one more ballot group
        (a shallow copy; ``tally`` is the changed instance's)."""
        changed = copy.copy(self)
        j, group = self.ids.index(pid), len(self.group_weights)
        changed.tally, changed.num_voters = tally, self.num_voters + added
        changed.group_weights = np.append(self.group_weights, float(added))
        changed.supporters, changed.supporter_weights = list(self.supporters), list(self.supporter_weights)
        changed.supporters[j] = np.append(self.supporters[j], group)
        changed.supporter_weights[j] = np.append(self.supporter_weights[j], float(added))
        changed.total_weight, changed.tie_keys = list(self.total_weight), list(self.tie_keys)
        changed.total_weight[j] += added
        changed.tie_keys[j] = tally.ties.key(pid)
        changed.supported = sorted({*self.supported, j})
        changed.index_pairs()
        return changed

    def tie(self, tied: list[int], round_number: int) -> Tie:
        ids = tuple(self.ids[j] for j in tied)
        settled_by = self.tally.ties.settled_by(ids[0], ids[1])
        return Tie(ids, ids[:1], settled_by, f"round {round_number} of equal shares")


@dataclass
class _Split:
    """How a project's cost splits exactly: the price each rich supporter pays (at the run's
    scale, the fraction ``owed / rich``), and which of its supporting groups keep money after
    paying (``keep``; the others are left with nothing), with their float money."""

    owed: int
    rich: int
    keep: np.ndarray
    amounts: np.ndarray


@dataclass(slots=True)  # not frozen: a frozen dataclass is several times slower to build
class _Value:
    """A project's ``rho / cost`` in a round: ``alpha`` within ``error`` of the exact value.

    ``rho`` and ``rho_error`` are the float price and its bound when they are certified (they
    narrow down the exact split), with the supporters' float money they were found from
    (``amounts``: the split in the same round needs it again); ``split`` and ``exact`` are
    set once it is computed exactly.
    """

    alpha: float
    error: float
    rho: float | None = None
    rho_error: float = 0.0
    amounts: np.ndarray | None = None
    split: _Split | None = None
    exact: Fraction | None = None

    @property
    def lower(self) -> float:
        return self.alpha - self.error

    @property
    def upper(self) -> float:
        return self.alpha + self.error


# A value not known at all in floats: computed exactly, every class walked.
UNKNOWN = _Value(0.0, math.inf)


class _Run:
    """One MES run: decisions in floating point where they are clear, exact where they are not.

    Every decision of MES is discrete (which project has the smallest ``rho / cost``; whether
    its supporters can afford a project), while the amounts behind them depend continuously on
    the amounts before.  Each ballot group's money is kept as a float within a known bound
    (:attr:`error`) of the exact amount, and a decision is taken in floats only when the
    values compared are further apart than their bounds; otherwise (ties, near ties) the
    values are computed exactly.  The price of every purchase is computed exactly, so float
    errors never build on each other: a group's float money is its share minus the exact
    prices it paid, each rounded once.

    Exact amounts are integers: the real amount times the run's *scale*, which is multiplied
    by the denominator of each fractional price.  A group's exact money is not stored: while it
    is :attr:`alive` (not left with nothing), it is the share minus the prices of the rounds it
    paid (``paid[r, g]``).  An exact sum of the money of many groups is then their weight times
    the share, minus per round its price times the weight of those who paid it.  On the 48
    shared real instances this is about 4 times faster than keeping every amount exactly
    (amounts grow to hundreds of bits).  (Recording the rounds per set of groups that paid the
    same ones instead made each purchase dearer: the sets that paid had to be renamed.)
    """

    def __init__(self, mes: EqualShares, share: Fraction) -> None:
        self.mes = mes
        self.scale = math.lcm(share.denominator, *(c.denominator for c in mes.costs))
        self.share = int(share * self.scale)
        self.prices: list[int] = []  # each round's price, at the current scale
        self.float_share = float(share)
        groups = len(mes.group_weights)
        first = 1 if share > 0 else 0
        self.money = np.full(groups, self.float_share if first else 0.0)
        self.alive = np.full(groups, bool(first))
        self.paid = np.zeros((0, groups), dtype=np.bool_)  # rows grow with the rounds
        self.rho_below = [0.0] * len(mes.ids)  # a lower bound of each project's rho
        self.run = MesRun(share, [])
        self.spent: Number = 0  # an int while the costs are (Fraction sums are slow)
        self.error = self.error_after(0)
        self.kept: _Run | None = None

    def copy_for(self, mes: EqualShares, changed: int | None) -> _Run:
        """A copy of this state to go on with on ``mes`` (project ``changed``'s cost may differ:
        its lower bound of rho is dropped, it was for the other cost)."""
        copied = copy.copy(self)
        copied.mes = mes
        copied.money, copied.alive = self.money.copy(), self.alive.copy()
        copied.paid = self.paid[: len(self.prices)].copy()
        copied.prices, copied.rho_below = list(self.prices), list(self.rho_below)
        if changed is not None:
            copied.rho_below[changed] = 0.0
        run = self.run
        copied.run = MesRun(run.share, list(run.selected), list(run.ties), run.spent, run.overspent)
        copied.kept = None
        return copied

    def error_after(self, rounds: int) -> float:
        """A bound on |float money - exact money| of any group: one rounding of the share,
        and per round one of the price and one of the subtraction (doubled to spare)."""
        return 2 * (rounds + 2) * EPSILON * self.float_share

    def until(self, cap: Number | None, watch=None, keep_at: int | None = None) -> MesRun:
        mes, run = self.mes, self.run
        cap = exact(cap)  # an int compares with the spent amount faster than a Fraction
        # Lazy evaluation: a project's rho / cost can only grow as voters spend money, so a
        # lower bound of it stays one; a heap keeps these bounds (from 1 / supporters, a
        # lower bound at any time, also when a kept state goes on: without what it bought).
        bought = set(run.selected)
        bounds = [((1 - 2 * EPSILON) / mes.total_weight[j], j) for j in mes.supported if mes.ids[j] not in bought]
        heapq.heapify(bounds)
        while True:
            if keep_at == len(run.selected):
                self.kept = self.copy_for(mes, None)
            found: dict[int, _Value] = {}
            best_upper = math.inf
            dropping = len(bounds) * PAIRS_PER_EVALUATION >= len(mes.pair_groups)
            # Evaluate every project whose bound does not exceed the best value found.
            while bounds and bounds[0][0] <= best_upper:
                j = heapq.heappop(bounds)[1]
                value = self.value(j)
                if value is not None:
                    found[j] = value
                    best_upper = min(best_upper, value.upper)
                elif not found and dropping:
                    bounds, dropping = self.without_unaffordable(bounds), False
            if not found:
                if watch is not None:
                    watch.end(self)
                return run
            tied = self.best(found, best_upper)
            winner = tied[0]
            if watch is not None:
                watch.round(self, winner, found[winner])
            if len(tied) > 1:
                run.ties.append(mes.tie(tied, len(run.selected) + 1))
            for j, value in found.items():
                if j != winner:
                    heapq.heappush(bounds, (value.lower, j))
            if not self.buy(winner, found[winner], cap):
                return run

    def buy(self, winner: int, value: _Value, cap: Number | None) -> bool:
        """``winner`` is bought (its supporters pay, unless this overspends ``cap``: the run
        then ends); whether the run goes on."""
        run = self.run
        run.selected.append(self.mes.ids[winner])
        cost = self.mes.costs[winner]
        self.spent += cost.numerator if cost.denominator == 1 else cost
        run.spent = exact(self.spent)
        if cap is not None and self.spent > cap:
            run.overspent = True
            return False
        self.pay(winner, value)
        return True

    def without_unaffordable(self, bounds: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """The heap ``bounds`` without the projects that :meth:`value` would find unaffordable
        now, and so at any later time (it drops them): its test, for all projects at once
        (its bound holds for float sums in any order)."""
        mes = self.mes
        totals = np.bincount(mes.pair_owner, mes.pair_weights * self.money.take(mes.pair_groups), len(mes.ids))
        off = mes.weight_array * self.error + mes.roundings * np.maximum(totals, mes.cost_array)
        unaffordable = (totals + off < mes.cost_array).tolist()
        kept = [bound for bound in bounds if not unaffordable[bound[1]]]
        heapq.heapify(kept)
        return kept

    def best(self, found: dict[int, _Value], best_upper: float) -> list[int]:
        """The projects with the smallest value, in tie-breaking order (``best_upper``: the
        smallest upper bound of their values)."""
        close = [j for j, value in found.items() if value.lower <= best_upper]
        if len(close) == 1:
            return close
        # Too close to call in floats: compute them exactly.
        for j in close:
            found[j] = self.exact_value(j, found[j])
        smallest = min(found[j].exact for j in close)
        return sorted((j for j in close if found[j].exact == smallest), key=self.mes.tie_keys.__getitem__)

    def value(self, j: int) -> _Value | None:
        """Project ``j``'s ``rho / cost`` now, ``None`` if its supporters cannot afford it.

        In floats, with a bound.  Writing ``f(x)`` for what the supporters pay when each pays
        ``min(money, x)``, the exact ``rho`` solves ``f(rho) = cost``.  A float sum over the
        supporters is off by at most :attr:`error` per voter and one rounding per term
        (doubled to spare), so ``f`` at the float ``rho`` is within ``slack`` of ``cost``; and
        ``f`` rises at least as fast as the weight of the supporters certainly richer than
        ``x``, which bounds the distance between the float and the exact ``rho``.
        """
        mes = self.mes
        groups, weights = mes.supporters[j], mes.supporter_weights[j]
        supporters, cost = mes.total_weight[j], mes.float_costs[j]
        amounts, error = self.money.take(groups), self.error  # take: faster than [] on large groups
        rounding = 2 * (len(groups) + 2) * EPSILON
        total = _dot(weights, amounts)
        spread = supporters * error
        off = spread + rounding * (cost if cost > total else total)  # max(), without its call
        if total + off < cost:
            return None  # not now, nor later
        if total - off < cost:
            return self.exact_value(j, UNKNOWN)
        rho, rich = _float_rho(amounts, weights, supporters, cost, self.rho_below[j])
        if rho is None:
            return self.exact_value(j, UNKNOWN)
        paid = _dot(weights, np.minimum(amounts, rho))
        slack = spread + rounding * (cost if cost > paid else paid) + abs(paid - cost)
        rho_error = 2 * slack / rich
        if _dot(weights, amounts > _up(rho + rho_error + error)) * rho_error <= slack:
            return self.exact_value(j, UNKNOWN)
        # rho only grows as voters spend: where the next evaluation can start from.
        self.rho_below[j] = _down(rho - rho_error)
        alpha = rho / cost
        # Doubled: the roundings of this bound and of alpha -/+ it stay within it.
        return _Value(alpha, 2 * (rho_error / cost + 4 * EPSILON * alpha), rho, rho_error, amounts)

    def exact_value(self, j: int, value: _Value) -> _Value | None:
        """``value`` computed exactly (``None`` if the supporters cannot afford ``j``)."""
        if value.exact is not None:
            return value
        split = self.split(j, value)
        if split is None:
            return None
        alpha = Fraction(split.owed, split.rich * self.scaled_cost(j))
        alpha_float = float(alpha)
        return _Value(alpha_float, 2 * EPSILON * alpha_float, split=split, exact=alpha)

    def scaled_cost(self, j: int) -> int:
        cost = self.mes.costs[j]  # the scale is a multiple of its denominator
        return cost.numerator * (self.scale // cost.denominator)

    def split(self, j: int, value: _Value) -> _Split | None:
        """How project ``j``'s cost splits among its supporters, exactly (``None`` if they
        cannot pay it).

        With a certified float price, the groups whose money is certainly below it are poor
        and those certainly above it rich; the groups near it are walked by their exact money,
        poorest first, as in the definition.  Without one, every group is walked.
        """
        mes = self.mes
        groups, weights = mes.supporters[j], mes.supporter_weights[j]
        amounts = self.money[groups] if value.amounts is None else value.amounts
        alive = self.alive[groups]
        cost = self.scaled_cost(j)
        if value.rho is None:
            if self.money_of(groups[alive], weights[alive]) < cost:
                return None
            empty, near = ~alive, alive
        else:
            margin = value.rho_error + self.error
            low = _down(value.rho - margin)
            # The poor and the groups left with nothing (their money is 0.0, below any
            # positive bound; and no money is below a bound that is not positive).
            empty = amounts < low if low > 0 else ~alive
            near = (amounts <= _up(value.rho + margin)) ^ empty  # the empty are all at most it
        # The poor pay all they have; the rich, at first everyone else, share the rest.
        poor = empty & alive
        owed = cost - self.money_of(groups[poor], weights[poor])
        rich = mes.total_weight[j] - int(_dot(weights, empty))
        keep = ~empty
        if near.any():
            # The groups that paid the same rounds hold the same money: one step each.
            near_at = near.nonzero()[0]
            histories, same = np.unique(self.paid[: len(self.prices), groups[near_at]], axis=1, return_inverse=True)
            same = same.ravel()  # near group i paid the rounds of histories[:, same[i]]
            same_weights = np.bincount(same, weights=weights[near_at])
            emptied = []
            for amount, k in sorted((self.money_after(histories[:, k]), k) for k in range(len(same_weights))):
                if amount * rich > owed:
                    break
                if amount * rich < owed:
                    weight = int(same_weights[k])
                    owed -= amount * weight
                    rich -= weight
                # Those paying exactly all they have are left with nothing, as the poor are.
                emptied.append(k)
            if emptied:
                keep[near_at[np.isin(same, emptied)]] = False
        return _Split(owed, rich, keep, amounts)

    def money_after(self, paid: np.ndarray) -> int:
        """The exact money of a group alive that paid the rounds ``paid`` (booleans)."""
        return self.share - sum(compress(self.prices, paid.tolist()))

    def money_of(self, groups: np.ndarray, weights: np.ndarray) -> int:
        """The exact money of groups alive (``weights`` voters each): their weight times the
        share, minus per round its price times the weight of those who paid it."""
        if not len(groups):
            return 0
        paid = _einsum("ij,j->i", self.paid[: len(self.prices)].take(groups, axis=1), weights)
        return self.share * int(weights.sum()) - sum(map(mul, self.prices, map(int, paid.tolist())))

    def pay(self, winner: int, value: _Value) -> None:
        """The supporters of ``winner`` pay its price; the exact price joins the record."""
        split = value.split or self.split(winner, value)
        factor = split.rich // math.gcd(split.owed, split.rich)
        if factor > 1:
            self.scale *= factor
            self.share *= factor
            self.prices = [price * factor for price in self.prices]
        price = split.owed * factor // split.rich
        this_round = len(self.prices)
        self.prices.append(price)
        self.error = self.error_after(len(self.prices))
        keep = split.keep
        groups = self.mes.supporters[winner]
        self.money[groups] = np.where(keep, np.maximum(split.amounts - price / self.scale, 0.0), 0.0)
        self.alive[groups] = keep
        if this_round == len(self.paid):
            grown = np.zeros((max(2 * this_round, 8), self.paid.shape[1]), dtype=np.bool_)
            grown[:this_round] = self.paid
            self.paid = grown
        self.paid[this_round, groups] = keep  # a new row: the others stay False


@cache
def _compiler_installed() -> bool:
    """Whether numba can be imported: the web application installs it; the engine as a
    library of its own needs only numpy, its measures then run in Python (slower on large
    pools)."""
    try:
        importlib.import_module("numba")
    except ImportError:
        return False
    return True


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (as np.unique, with less overhead on small arrays)."""
    values = np.sort(values)
    first = np.ones(len(values), dtype=np.bool_)
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return values[first]


def _dot(weights: np.ndarray, values: np.ndarray) -> float:
    """A weighted sum, without BLAS: its threads cost more than they save on these sizes
    (several times the CPU time on 2 cores with other work running)."""
    return float(_einsum("i,i->", weights, values))


def _float_rho(amounts: np.ndarray, weights: np.ndarray, supporters: int, cost: float, below: float):
    """``(rho, weight of the rich)`` in floats, or ``(None, 0)`` when it does not settle soon.

    The poor pay all they have and the rich share the rest.  Starting from a value known to
    be below rho (``cost / supporters``, or ``below`` if higher), rho is raised by what is
    still owed per rich voter at that value (a Newton step: what the supporters pay is a
    concave function of rho, so the step stays below it) until no more voters become poor.
    """
    rho, poor_count, rich = cost / supporters, 0, float(supporters)
    if below > rho:
        rho, poor_count = below, -1
    for _ in range(MAX_FLOAT_PASSES):
        poor = amounts < rho
        count = int(_count_nonzero(poor))
        if count == poor_count:
            return rho, rich
        poor_count = count
        rich = supporters - (_dot(weights, poor) if count else 0.0)
        if rich <= 0:
            return None, 0.0
        rho += (cost - _dot(weights, np.minimum(amounts, rho))) / rich
    return None, 0.0


def _is_exhaustive(tally: Tally, selected: list[str], budget: Number) -> bool:
    left = exact(budget - sum(tally.cost(pid) for pid in selected))  # an int compares faster
    chosen = set(selected)
    return not any(tally.cost(pid) <= left for pid in tally.eligible if pid not in chosen)


def equal_shares(tally: Tally, rule: str = "equalshares", mes: EqualShares | None = None,
                 runs: dict[int, MesRun] | None = None) -> Result:
    """MES completed like pabutools: +1 % of the budget per step, then greedy by votes.
    ``mes``: the MES of ``tally``'s instance if it is at hand (the measures make it from a
    neighbouring instance's, :meth:`EqualShares.with_voters`); ``runs``: its runs at the
    steps already run (the measures' guesses run some of the same), which the runs made join."""
    mes = mes or EqualShares(tally)
    budget = Fraction(tally.instance.budget)
    voters = max(mes.num_voters, 1)
    previous = MesRun(Fraction(0), [])
    step = 0
    runs = {} if runs is None else runs
    while step <= 100 * voters:  # pabutools' bound: the budget times (voters + 1)
        if step not in runs:
            runs[step] = mes.run(increased_share(budget, step, voters), cap=budget)
        run = runs[step]
        if run.overspent:
            run = previous
            break
        if _is_exhaustive(tally, run.selected, budget):
            break
        previous, step = run, step + 1
    details = {"share_per_voter": exact(run.share), "budget_increase_steps": step}
    return complete_with_greedy(tally, mes, run, rule, details)


def increased_share(budget: Fraction, step: int, voters: int) -> Fraction:
    """Each voter's share at ``step`` of the +1 % completion: the budget raised by ``step`` %
    of itself, shared among ``voters``."""
    return budget * (100 + step) / 100 / voters


def complete_with_greedy(
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
