"""Runs of the Method of Equal Shares compiled with numba, exact or not at all.

A run of :class:`~pb_service.rules.mes._Run` spends most of its time in Python calls on
small arrays (a few hundred numpy calls per run).  :func:`compiled_run` takes the same
decisions in a compiled loop: every project's ``rho / cost`` in floats with the bounds of
:meth:`_Run.value <pb_service.rules.mes._Run.value>`, computed in the same way, and a
decision only where the values compared are further apart than their bounds.  Where the
Python run would compute exactly (a tie or near tie, an affordability too close to call, a
supporter whose money is too near the price), the compiled run gives up and the Python run
is made instead, so the outcome is always the exact one.

What differs is the price a winner's supporters pay.  The Python run computes it exactly
(integers at a growing scale, which a compiled loop cannot hold); here it is computed in
double-double arithmetic (an unevaluated sum of two floats, about 106 bits) from the
supporters found certainly poor (who pay all they have) and certainly rich (who share the
rest).  Each group's money is kept in double-double too, with one bound ``error`` on how
far any group's is from the exact amount.  A price's error is at most the poor supporters'
weight times ``error``, plus the roundings, over the rich supporters' weight, so the bound
can grow by that ratio per round: on the shared files up to 10^14 times over a run, which
in double-double still leaves money exact to about 10^-17 of the share, far below what the
float decisions can tell apart (10^-15).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numba import njit

from . import float_bounds
from .float_bounds import EPSILON, MAX_FLOAT_PASSES

# A generous bound of one double-double operation's rounding, relative to the magnitude of
# its operands (the operations themselves are good to about 2 ** -104).
DD_ROUNDING = 2.0 ** -96
# What compiled_run reports besides the run: it holds, or the Python run must be made.
CERTAIN, UNCERTAIN = 0, 1
# The Python run's bounds moved past the roundings of a sum, compiled as they are.
_up, _down = njit(cache=True)(float_bounds.up), njit(cache=True)(float_bounds.down)


@njit(cache=True)
def _two_sum(a, b):
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


@njit(cache=True)
def _split(a):
    t = 134217729.0 * a  # 2 ** 27 + 1: Dekker's split into two halves of 26 bits
    high = t - (t - a)
    return high, a - high


@njit(cache=True)
def _two_product(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True)
def _normalized(high, low):
    s = high + low
    return s, low - (s - high)


@njit(cache=True)
def _dd_add(ah, al, bh, bl):
    s, e = _two_sum(ah, bh)
    return _normalized(s, e + al + bl)


@njit(cache=True)
def _dd_times(ah, al, b):
    p, e = _two_product(ah, b)
    return _normalized(p, e + al * b)


@njit(cache=True)
def _dd_divided(ah, al, b):
    q = ah / b
    p, e = _two_product(q, b)
    return _normalized(q, ((ah - p) - e + al) / b)


@njit(cache=True, fastmath={"reassoc"})
def _below(amounts, weights, rho):
    """In one pass: how many supporters hold less than ``rho``, their weight and money."""
    count, weight, money = 0, 0.0, 0.0
    for i in range(len(amounts)):
        poor = amounts[i] < rho
        count += poor
        weight += weights[i] * poor
        money += weights[i] * amounts[i] * poor
    return count, weight, money


@njit(cache=True)
def _float_rho(amounts, weights, supporters, cost, below):
    """As :func:`pb_service.rules.mes._float_rho`: ``(rho, weight of the rich, what the
    supporters pay at rho)``, ``rho`` negative when it does not settle soon (what the poor
    hold, and the rich at ``rho`` each, summed in one pass)."""
    rho, poor_count, rich = cost / supporters, 0, supporters
    if below > rho:
        rho, poor_count = below, -1
    for _ in range(MAX_FLOAT_PASSES):
        count, poor_weight, poor_money = _below(amounts, weights, rho)
        if count == poor_count:
            return rho, rich, poor_money + (supporters - poor_weight) * rho
        poor_count = count
        rich = supporters - poor_weight
        if rich <= 0:
            return -1.0, 0.0, 0.0
        rho += (cost - (poor_money + rich * rho)) / rich
    return -1.0, 0.0, 0.0


@njit(cache=True, fastmath={"reassoc"})
def _value(j, money, error, starts, pair_groups, pair_weights, total_weight, costs, rho_below, amounts, out):
    """As :meth:`pb_service.rules.mes._Run.value` for project ``j``: -1 if its supporters
    cannot afford it, 0 if the Python run would compute exactly, else 1 with ``out`` =
    (alpha, its error, rho, rho's error, the weight ``w`` of the supporters holding money if
    ``rho / cost`` is ``1 / w`` exactly, else 0).
    ``amounts``: room for the supporters' money."""
    first, last = starts[j], starts[j + 1]
    size = last - first
    weights = pair_weights[first:last]
    amounts = amounts[:size]
    total, least, holding = 0.0, np.inf, 0.0
    for i in range(size):  # without branches: they cost more than the arithmetic
        amount = money[pair_groups[first + i]]
        amounts[i] = amount
        total += weights[i] * amount
        # A group left with nothing holds 0.0 exactly, any other more.
        least = min(least, amount if amount > 0 else np.inf)
        holding += weights[i] * (amount > 0)
    supporters, cost = total_weight[j], costs[j]
    rounding = 2 * (size + 2) * EPSILON
    spread = supporters * error
    off = spread + rounding * (cost if cost > total else total)
    if total + off < cost:
        return -1
    if total - off < cost:
        return 0
    rho, rich, paid = _float_rho(amounts, weights, supporters, cost, rho_below[j])
    if rho < 0:
        return 0
    slack = spread + rounding * (cost if cost > paid else paid) + abs(paid - cost)
    rho_error = 2 * slack / rich
    richer = 0.0
    top = _up(rho + rho_error + error)
    for i in range(size):
        richer += weights[i] * (amounts[i] > top)
    if richer * rho_error <= slack:
        return 0
    rho_below[j] = _down(rho - rho_error)
    alpha = rho / cost
    out[0] = alpha
    out[1] = 2 * (rho_error / cost + 4 * EPSILON * alpha)
    out[2] = rho
    out[3] = rho_error
    # Every supporter holding money certainly richer than cost / their weight: then that is
    # rho exactly, and rho / cost is 1 / their weight.
    out[4] = holding if holding > 0 and least - error > _up(cost / holding) else 0.0
    return 1


@njit(cache=True, fastmath={"reassoc"})
def _watch(watched, money, starts, pair_groups, pair_weights, total_weight, costs, alpha, share, margin, best,
           fewest, open_):
    """As :meth:`pb_service.rules.mes_measures.Thresholds.observe` for the ``watched``
    projects still ``open_`` (not bought), in a round whose winner's ``rho / cost`` is at
    most ``alpha`` (``alpha`` negative: the end of the run): per project, the largest cost
    found so far at which it would have been bought (``best``) and, with ``share`` (not 0),
    the fewest new voters holding it each (``fewest``).  Float bounds, as there."""
    for k in range(len(watched)):
        if not open_[k]:
            continue
        j = watched[k]
        first, last = starts[j], starts[j + 1]
        cost = costs[j]
        total = 0.0
        for i in range(first, last):
            total += pair_weights[i] * money[pair_groups[i]]
        if alpha < 0:  # nothing else is affordable: it is bought if its supporters can pay
            best[k] = max(best[k], total)
            if share > 0:
                fewest[k] = min(fewest[k], max(cost - total, 0.0) / share)
            continue
        if share > 0:
            price = alpha * cost
            paid = 0.0
            for i in range(first, last):
                paid += pair_weights[i] * min(money[pair_groups[i]], price)
            fewest[k] = min(fewest[k], max(cost - paid, 0.0) / min(share, price))
        at_best = 0.0
        for i in range(first, last):
            at_best += pair_weights[i] * min(money[pair_groups[i]], alpha * best[k])
        if not (total > best[k] and at_best >= best[k] and alpha * total_weight[j] >= 1 - margin):
            continue
        # The largest c with f(alpha * c) >= c, by Newton's method from above (largest_roots).
        x = alpha * total
        for _ in range(64):
            paid, rich = 0.0, 0.0
            for i in range(first, last):
                amount = money[pair_groups[i]]
                paid += pair_weights[i] * min(amount, x)
                rich += pair_weights[i] * (amount > x)
            short = paid - x / alpha
            if not short < -1e-12 * max(total, 1.0):
                break
            slope = rich - 1 / alpha
            x = max(x - short / slope if slope < 0 else 0.0, 0.0)
        best[k] = max(best[k], x / alpha)


@njit(cache=True)
def _run(share_high, share_low, cap, starts, pair_groups, pair_weights, total_weight, costs, whole_costs,
         tie_ranks, group_count, without, watched, share, margin, best, fewest, open_, history, winners, ties):
    """The run; returns (status, rounds, spent, overspent, ties recorded), the winners in
    ``winners`` and the ties in ``ties`` (round, project; in tie-breaking order).  Without
    project ``without`` (-1: none), watching the ``watched`` projects (:func:`_watch`;
    ``history``: ``best`` after each round)."""
    projects = len(costs)
    money = np.full(group_count, share_high)  # the high parts of the double-double amounts
    money_low = np.full(group_count, share_low)
    empty = np.zeros(group_count, dtype=np.bool_)
    exact_error = share_high * DD_ROUNDING  # any group's double-double money from the exact one
    lower = np.full(projects, np.inf)
    active = np.zeros(projects, dtype=np.bool_)
    for j in range(projects):
        if total_weight[j] > 0:
            lower[j] = (1 - 2 * EPSILON) / total_weight[j]
            active[j] = j != without
    rho_below = np.zeros(projects)
    values = np.zeros((projects, 5))
    out = np.zeros(5)
    tie_count = 0
    tried = np.zeros(projects, dtype=np.bool_)
    largest = 0
    for j in range(projects):
        largest = max(largest, starts[j + 1] - starts[j])
    amounts = np.empty(largest)
    found = np.empty(projects, dtype=np.int64)
    candidates = np.empty(projects, dtype=np.int64)
    rounds, spent = 0, 0
    while True:
        # The float money is within this of the exact one (its low part, and the bound).
        error = exact_error + 2 * EPSILON * share_high
        best_upper = np.inf
        count = 0
        tried[:] = False
        while True:
            pick, least = -1, np.inf
            for j in range(projects):
                if active[j] and not tried[j] and lower[j] < least:
                    pick, least = j, lower[j]
            if pick < 0 or least > best_upper:
                break
            tried[pick] = True
            status = _value(pick, money, error, starts, pair_groups, pair_weights, total_weight, costs, rho_below, amounts,
                            out)
            if status == 0:
                return UNCERTAIN, rounds, spent, False, tie_count
            if status < 0:
                active[pick] = False  # not now, nor later
                continue
            values[pick] = out
            found[count] = pick
            count += 1
            upper = out[0] + out[1]
            if upper < best_upper:
                best_upper = upper
        if count == 0:
            if len(watched):
                _watch(watched, money, starts, pair_groups, pair_weights, total_weight, costs, -1.0, share, margin,
                       best, fewest, open_)
            return CERTAIN, rounds, spent, False, tie_count
        # The projects whose value may be the smallest (the one with it is among them).
        close = 0
        for i in range(count):
            j = found[i]
            if values[j, 0] - values[j, 1] <= best_upper:
                candidates[close] = j
                close += 1
        winner = candidates[0]
        if close > 1:
            # Too close to call in floats.  Where each of them has every supporter holding
            # money certainly richer than its price, its rho / cost is 1 / their weight
            # exactly: the most such supporters win, then the tie-breaking order (a tie is
            # recorded).  Else the Python run computes them exactly.
            most = 0.0
            for i in range(close):
                if values[candidates[i], 4] == 0.0:
                    return UNCERTAIN, rounds, spent, False, tie_count
                most = max(most, values[candidates[i], 4])
            tied = 0
            for i in range(close):
                j = candidates[i]
                if values[j, 4] == most:
                    candidates[tied] = j  # the tied, kept at the front
                    tied += 1
            winner = candidates[0]
            for i in range(1, tied):
                if tie_ranks[candidates[i]] < tie_ranks[winner]:
                    winner = candidates[i]
            if tied > 1:
                if tie_count + tied > len(ties):
                    return UNCERTAIN, rounds, spent, False, tie_count
                for i in range(tied):
                    ties[tie_count, 0], ties[tie_count, 1] = rounds, candidates[i]
                    tie_count += 1
        for i in range(count):
            j = found[i]
            if j != winner:
                lower[j] = values[j, 0] - values[j, 1]
        if len(watched):
            _watch(watched, money, starts, pair_groups, pair_weights, total_weight, costs,
                   values[winner, 0] + values[winner, 1], share, margin, best, fewest, open_)
            history[rounds] = best
            for k in range(len(watched)):
                if watched[k] == winner:
                    open_[k] = False
        active[winner] = False
        winners[rounds] = winner
        rounds += 1
        spent += whole_costs[winner]
        if spent > cap:
            return CERTAIN, rounds, spent, True, tie_count
        # The supporters pay: the certainly poor all they have, the certainly rich the price.
        rho, rho_error = values[winner, 2], values[winner, 3]
        first, last = starts[winner], starts[winner + 1]
        near = rho_error + error  # how far a supporter's exact money may be from the price
        low, high = _down(rho - near), _up(rho + near)
        poor_high, poor_low, poor_weight, rich = 0.0, 0.0, 0.0, 0.0
        for i in range(first, last):
            g, w = pair_groups[i], pair_weights[i]
            if empty[g] or money[g] < low:
                if not empty[g]:
                    p, e = _dd_times(money[g], money_low[g], w)
                    poor_high, poor_low = _dd_add(poor_high, poor_low, p, e)
                    poor_weight += w
            elif money[g] > high:
                rich += w
            else:
                return UNCERTAIN, rounds, spent, False, tie_count  # a supporter too near the price
        owed_high, owed_low = _dd_add(costs[winner], 0.0, -poor_high, -poor_low)
        price_high, price_low = _dd_divided(owed_high, owed_low, rich)
        roundings = DD_ROUNDING * ((last - first + 4) * (costs[winner] + poor_high) / rich + 4 * price_high)
        price_error = poor_weight * exact_error / rich + roundings
        for i in range(first, last):
            g = pair_groups[i]
            if empty[g]:
                continue
            if money[g] < low:
                money[g], money_low[g], empty[g] = 0.0, 0.0, True
            else:
                money[g], money_low[g] = _dd_add(money[g], money_low[g], -price_high, -price_low)
        exact_error += price_error + 4 * DD_ROUNDING * share_high


def compiled_run(mes, share: Fraction, cap, without: int = -1, watched: np.ndarray | None = None,
                 added_share: float = 0.0, margin: float = 0.0) -> tuple | None:
    """The run of MES on ``mes`` (:class:`~pb_service.rules.mes.EqualShares`) at ``share``,
    capped at ``cap``: ``(winners, ties, spent, overspent, watched)`` (the winners' indices;
    the ties per round, in no order), or ``None`` where the Python run must decide.  Without
    project ``without`` (out of reach from the start), and watching the ``watched`` projects
    (indices) as :class:`~pb_service.rules.mes_measures.Thresholds` does (new voters holding
    ``added_share``; float margin ``margin``): then ``watched`` is what it finds, ``(best,
    fewest, open, history)`` (else ``None``)."""
    if share <= 0 or not mes.whole_costs_ok:
        return None
    share_high = float(share)
    share_low = float(share - Fraction(share_high))
    limit = np.iinfo(np.int64).max if cap is None else math.floor(cap)
    projects = len(mes.ids)
    winners = np.empty(projects, dtype=np.int64)
    ties = np.empty((4 * projects, 2), dtype=np.int64)
    watched = np.zeros(0, dtype=np.intp) if watched is None else watched
    best, fewest = np.zeros(len(watched)), np.full(len(watched), np.inf)
    open_ = np.ones(len(watched), dtype=np.bool_)
    history = np.zeros((projects, len(watched)))
    status, rounds, spent, overspent, tie_count = _run(
        share_high, share_low, limit, mes.pair_starts, mes.pair_groups, mes.pair_weights, mes.weight_array,
        mes.cost_array, mes.whole_costs, mes.tie_ranks, len(mes.group_weights), without, watched, added_share,
        margin, best, fewest, open_, history, winners, ties,
    )
    if status != CERTAIN:
        return None
    tied: dict[int, list[int]] = {}
    for round_index, j in ties[:tie_count].tolist():
        tied.setdefault(round_index, []).append(j)
    state = (best, fewest, open_, history[:rounds]) if len(watched) else None
    return winners[:rounds].tolist(), tied, int(spent), bool(overspent), state
