"""How far each project was from the other outcome: the performance measures of Boehmer,
Faliszewski, Janeczko, Peters, Pierczyński, Schierreich, Skowron, Szufa, *Evaluation of
Project Performance in Participatory Budgeting* (IJCAI 2024, arXiv:2312.14723), for the rule
exactly as it is configured (completion, threshold, tie-breaking and seed included).

For each project:

``max_winning_cost``
    The largest cost (a whole number of the file's money units, at least 1) at which the
    project is selected, everything else unchanged; for a selected project this is at least
    its cost (its margin).  ``None`` if it is not selected even at a cost of 1.
``singleton_add``
    The fewest new voters, each choosing only this project, that make it selected (0 if it
    is).  On ranked or points ballots a new voter gives it the most a ballot can give.
``optimist_add`` / ``pessimist_add``
    The fewest current non-supporters who must also choose it, for the best and for the
    worst choice of which ones.

A value is ``None`` with a reason (:attr:`ProjectMeasures.reasons`) when no such change
makes the project selected.  Every value is a boundary of the rule itself: selected at the
value, not selected one unit beyond it (one more unit of cost, one supporter fewer).

Greedy rules are computed directly: the other projects' order and the money left at each
place in it do not depend on the project, so a cost or a score places it and one comparison
decides (a few microseconds per question).  Other rules are re-run on the changed instance,
bisecting (see ``docs/rules.md`` for what that guarantees and what is left).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from bisect import bisect_left
from concurrent.futures import ProcessPoolExecutor
from collections import Counter
from itertools import product
from fractions import Fraction
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from .engine import MIN_VOTES_KEY, compute, resolve_rule
from .mes import EqualShares, comparison_step, complete_with_greedy
from .model import APPROVAL_TYPES, POINTS_VOTE_TYPES, Ballot, Instance, Number, Result
from .tally import Tally, vote_counts

MEASURES = ("max_winning_cost", "singleton_add", "optimist_add", "pessimist_add")
# Why a measure is None, as stable codes (``reason_codes``; ``reasons`` has the English text
# with the figures).  Readers translate the codes; they never change meaning.
REASON_CODES = (
    "withdrawn",  # the project was withdrawn
    "below_min_votes",  # fewer voters than the pool's minimum, at any cost
    "below_threshold",  # greedy-threshold: its score is under the threshold
    "no_money_left",  # greedy: the money is gone when greedy reaches it, at any cost
    "greedy_stopped",  # greedy-no-skip: greedy stops at an earlier project
    "over_budget",  # it costs more than the budget: no added voters help
    "not_selected_at_any_cost",  # not selected even at a cost of 1
    "not_selected_at_costs_tried",  # re-run rules: not at 1, nor at the costs the search tried
    "add_search_limit",  # re-run rules: not selected with as many added voters as searched
    "ballot_type",  # ranked or points ballots: adding a choice to a ballot is not defined
    "more_than_non_supporters",  # more voters needed than there are non-supporters
    "not_selected_with_all_voters",  # not even if every non-supporter chose it
    "too_many_choices",  # too many choices of voters to try them all
)
BALLOT_TYPE_REASON = ("ballot_type", "ranked or points ballots: where an added choice would stand is not defined")
GREEDY_RULES = ("greedy", "greedy-no-skip", "greedy-threshold")
EQUAL_SHARES_RULES = ("equalshares", "equalshares/add1", "equalshares/add1-comparison")
# The search for added voters under re-run rules stops at this many times the voters.
ADD_SEARCH_FACTOR = 64
# Stand-in searches (equal shares at a fixed share) tried before the search on the real rule.
GUESSES = 2
# Phragmén and equal shares: optimist_add and pessimist_add try every choice of
# non-supporters (how many from each group of identical ballots) when there are at most this
# many choices, else they are null.
CHOICES_LIMIT = 512
# Equal shares: candidates for a cost tried (each at the share the last one ended at; a
# changed cost usually moves the completion a step or two, each try follows it one step).
FIXED_POINT_STEPS = 10
# Equal shares: candidates of the completion's steps tried inside a bracket before bisecting it.
BRACKET_CANDIDATES = 3
# Equal shares: candidates for added voters tried while each loses (each from the money the
# completion ended at with the last one), before stepping from the last.
ADD_CANDIDATES = 3
# Equal shares: guesses of the fewest added voters checked by the rule, each guessed again
# from the steps where the rule's completion ended for the numbers of voters it was asked.
ADD_GUESSES = 3
# ... stopping when a candidate is not this fraction above the last one; then stepping up or
# down from the candidates in strides that double, from this fraction of the largest one.
CANDIDATE_PROGRESS = Fraction(1, 100)
ADD_STRIDE_DIVISOR = 16


@dataclass
class ProjectMeasures:
    """The measures of one project; ``reasons`` says why a ``None`` value is ``None``."""

    selected: bool
    max_winning_cost: int | None = None
    singleton_add: int | None = None
    optimist_add: int | None = None
    pessimist_add: int | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    #: The same reasons as stable codes (:data:`REASON_CODES`), for readers that translate them.
    reason_codes: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "selected": self.selected,
            **{name: getattr(self, name) for name in MEASURES},
            "reasons": dict(self.reasons),
            "reason_codes": dict(self.reason_codes),
        }

    def unavailable(self, measure: str, code: str, reason: str) -> None:
        setattr(self, measure, None)
        self.reason_codes[measure] = code
        self.reasons[measure] = reason

    def unavailable_adds(self, code: str, reason: str) -> None:
        self.unavailable("optimist_add", code, reason)
        self.unavailable("pessimist_add", code, reason)


@dataclass
class ConfiguredRule:
    """A rule as an edition or a file configures it: name, tie-breaking, seed, parameters."""

    name: str
    tie_breaking: str
    seed: int
    params: dict[str, object]

    @classmethod
    def of(
        cls,
        instance: Instance,
        rule: str | None = None,
        tie_breaking: str | None = None,
        seed: int | None = None,
        **params,
    ) -> ConfiguredRule:
        if tie_breaking is None:
            tie_breaking = instance.meta.get("tie_breaking", "").strip() or "cheaper-first"
        if seed is None:
            seed = int(instance.meta_number("tie_breaking_seed") or 0)
        kept = {key: value for key, value in params.items() if value is not None}
        return cls(resolve_rule(instance, rule), tie_breaking, seed, kept)

    def outcome(self, instance: Instance) -> Result:
        return compute(instance, self.name, tie_breaking=self.tie_breaking, seed=self.seed, **self.params)

    def selected(self, instance: Instance) -> list[str]:
        return self.outcome(instance).selected

    def min_votes(self, instance: Instance) -> int | None:
        """The minimum of voters under every rule, as :func:`compute` applies it (given, else META)."""
        given = self.params.get("min_votes")
        if given is not None:
            return int(given)
        threshold = instance.meta_number(MIN_VOTES_KEY)
        return None if threshold is None else math.ceil(threshold)


def with_cost(instance: Instance, pid: str, cost: Number) -> Instance:
    """``instance`` with project ``pid`` costing ``cost``."""
    projects = dict(instance.projects)
    projects[pid] = replace(projects[pid], cost=cost)
    return replace(instance, projects=projects)


def singleton_ballot(instance: Instance, pid: str, voters: int) -> Ballot:
    """``voters`` new ballots choosing only ``pid``, with the most points a ballot may give."""
    points = None
    if instance.vote_type in POINTS_VOTE_TYPES:
        points = (top_points(instance),)
    return Ballot((pid,), points, multiplicity=voters)


def with_singletons(instance: Instance, pid: str, voters: int) -> Instance:
    if voters == 0:
        return instance
    return replace(instance, ballots=[*instance.ballots, singleton_ballot(instance, pid, voters)])


def top_points(instance: Instance) -> Number:
    """The most points one ballot can give one project (META, else the most any ballot gave)."""
    for key in ("max_points", "max_sum_points"):
        value = instance.meta_number(key)
        if value is not None:
            return value
    return max((max(b.points) for b in instance.ballots if b.points), default=1)


def measure(
    instance: Instance,
    rule: str | None = None,
    *,
    projects: Iterable[str] | None = None,
    tie_breaking: str | None = None,
    seed: int | None = None,
    by_rerun: bool = False,
    jobs: int = 1,
    **params,
) -> dict[str, ProjectMeasures]:
    """The measures of ``projects`` (default: all) under ``rule`` as :func:`compute` takes it.

    ``by_rerun=True`` answers greedy's questions by re-running it too (for benchmarks).
    ``jobs`` above 1 (0: the machine's cores): the projects of a rule that is re-run (equal
    shares, Phragmén) are shared among that many processes (:func:`measured_in_processes`);
    the values are the same.
    """
    configured = ConfiguredRule.of(instance, rule, tie_breaking, seed, **params)
    wanted = list(instance.projects if projects is None else projects)
    unknown = [pid for pid in wanted if pid not in instance.projects]
    if unknown:
        raise ValueError(f"unknown project {unknown[0]!r}")
    measures = measures_of(instance, configured, by_rerun)
    jobs = jobs or processes_available()
    if not (jobs > 1 and len(wanted) > 1 and not isinstance(measures, _GreedyMeasures) and _can_fork()):
        jobs = 1
    if len(wanted) > 1:
        measures.prepare(wanted, jobs)
    if jobs > 1:
        return measured_in_processes(measures, wanted, jobs)
    return measures.all(wanted)


def measures_of(instance: Instance, rule: ConfiguredRule, by_rerun: bool) -> _Measures:
    """What computes the measures under ``rule``: greedy directly, equal shares with its oracle,
    any other rule (or ``by_rerun``) by re-running it."""
    if rule.name in GREEDY_RULES and not by_rerun:
        return _GreedyMeasures(instance, rule)
    if rule.name in EQUAL_SHARES_RULES and not by_rerun:
        return _EqualSharesMeasures(instance, rule)
    return _RerunMeasures(instance, rule)


def processes_available() -> int:
    """The cores this process may run on (what ``jobs=0`` means)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cpu_seconds() -> float:
    """This process's CPU time and its finished child processes' (measures in processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


# Each worker process's measures (its outcome and oracle, reused for every project).
_worker_measures: _Measures | None = None


def _start_worker(measures: _Measures) -> None:
    global _worker_measures
    _worker_measures = measures


def _measure_in_worker(pid: str) -> ProjectMeasures:
    return _worker_measures.all([pid])[pid]


def _step_in_worker(key: tuple) -> tuple:
    return _worker_measures.oracle.portable_step(*key)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def in_processes(measures: _Measures, work: Callable, items: list, jobs: int) -> list:
    """``work`` of each item in ``jobs`` processes forked now, which inherit ``measures``
    (nothing of it is pickled)."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(jobs, len(items)), mp_context=context, initializer=_start_worker,
                             initargs=(measures,)) as pool:
        return list(pool.map(work, items))


def measured_in_processes(measures: _Measures, wanted: list[str], jobs: int) -> dict[str, ProjectMeasures]:
    """The projects handed one at a time to ``jobs`` forked processes, after
    :meth:`_Measures.prepare`: what it computed (the outcome, under equal shares the
    runs every cost question starts from) is inherited.  A project's values do not depend
    on which others its process measured before (each search starts afresh; what is kept
    between projects are runs of the unchanged instance and the runs without one project).
    The projects not selected go first: each takes a few whole runs of the rule, and one of
    them last would leave the other processes idle."""
    order = sorted(wanted, key=measures.winners.__contains__)
    found = dict(zip(order, in_processes(measures, _measure_in_worker, order, jobs)))
    return {pid: found[pid] for pid in wanted}


def choices_up_to(factors: Iterable[int], limit: int) -> int:
    """The product of ``factors``, or ``limit + 1`` once it passes ``limit`` (on a large pool
    the product of every group's choices has tens of thousands of digits)."""
    product = 1
    for factor in factors:
        product *= factor
        if product > limit:
            return limit + 1
    return product


def remembered(test: Callable[[int], bool]) -> Callable[[int], bool]:
    """``test`` run once per value: the searches come back to values they have tried."""
    answers: dict[int, bool] = {}

    def ask(value: int) -> bool:
        if value not in answers:
            answers[value] = test(value)
        return answers[value]

    ask.answers = answers  # type: ignore[attr-defined]
    return ask


def largest_true(test: Callable[[int], bool], low: int, high: int) -> int:
    """The largest ``n`` in ``[low, high)`` with ``test(n)``, given ``test(low)`` and not
    ``test(high)``: a boundary, found by bisection (the largest one if ``test`` is monotone)."""
    while high - low > 1:
        middle = (low + high) // 2
        if test(middle):
            low = middle
        else:
            high = middle
    return low


def smallest_true(test: Callable[[int], bool], low: int, high: int) -> int:
    """The smallest ``n`` in ``(low, high]`` with ``test(n)``, given not ``test(low)`` and ``test(high)``."""
    return largest_true(lambda n: not test(n), low, high) + 1


def largest_true_below(test: Callable[[int], bool], high: int) -> int:
    """The largest ``n`` below ``high`` with ``test(n)`` (a boundary), given not ``test(high)``:
    down from ``high`` in strides that double to the first ``n`` that passes (or 0), then
    bisection; near boundaries cost few tests, far ones about twice a bisection's."""
    stride = 1
    while True:
        low = max(high - stride, 0)
        if low == 0 or test(low):
            return largest_true(test, low, high)
        high, stride = low, 2 * stride


def smallest_true_below(test: Callable[[int], bool], high: int, stride: int) -> int:
    """The smallest ``n`` with ``test(n)``, given ``test(high)``: down from ``high`` in strides
    that double until a test fails (or 0 is reached), then bisection."""
    while True:
        low = max(high - stride, 0)
        if not test(low):
            return smallest_true(test, low, high)
        high, stride = low, 2 * stride


def smallest_true_above(test: Callable[[int], bool], low: int, stride: int, limit: int) -> int | None:
    """The smallest ``n`` up to ``limit`` with ``test(n)``, given not ``test(low)``: up from
    ``low`` in strides that double until a test passes, then bisection; ``None`` if none does."""
    while low < limit:
        high = min(low + stride, limit)
        if test(high):
            return smallest_true(test, low, high)
        low, stride = high, 2 * stride
    return None


def ending_step(ends: Callable[[int], bool], start: int, last: int) -> int:
    """The step at which the +1 % completion ends if the steps that end it (``ends``) are the
    ones from there on: down from ``start`` in strides that double while they end it, or up
    while they do not (to ``last``), then bisection.  A guess (the rule checks what it
    gives): step 0 is taken not to end it unless ``start`` is 0 (a run each time, which
    almost never ends it)."""
    if ends(start):
        return largest_true_below(lambda step: not ends(step), start) + 1 if start else 0
    return smallest_true_above(ends, start, 1, last) or last


def guessed_selection(probe, value: int, ended: dict[int, int], last: int) -> bool:
    """Whether a guess of the +1 % completion selects the project at ``value`` (a cost, or a
    number of new voters), given ``probe = (ends, selected)`` of the changed instance
    (:meth:`~pb_service.rules.mes_measures.EqualSharesOracle.probe`): the step it ends at is
    searched from the one recorded for the nearest value guessed (``ended``, which records
    this one too)."""
    ends, selected = probe
    step = ending_step(ends, ended[min(ended, key=lambda known: abs(known - value))], last)
    ended[value] = step
    return selected(step)


class _Measures:
    """What every rule shares: the outcome, the per-project loop and the withdrawn case."""

    def __init__(self, instance: Instance, rule: ConfiguredRule) -> None:
        self.instance = instance
        self.rule = rule
        self.outcome = rule.outcome(instance)
        self.winners = set(self.outcome.selected)
        self.voters = instance.num_voters
        self.budget_ceiling = math.floor(instance.budget) + 1  # no rule funds a dearer project

    def all(self, pids: list[str]) -> dict[str, ProjectMeasures]:
        found = {}
        for pid in pids:
            found[pid] = result = ProjectMeasures(pid in self.winners)
            if self.instance.projects[pid].withdrawn:
                for name in MEASURES:
                    result.unavailable(name, "withdrawn", "withdrawn")
                continue
            self.fill(pid, result)
        return found

    def prepare(self, wanted: list[str], jobs: int) -> None:
        """Compute what the questions about the ``wanted`` projects share, in ``jobs``
        processes where it splits, before the projects' processes fork (see
        :func:`measured_in_processes`)."""

    def fill(self, pid: str, result: ProjectMeasures) -> None:
        cost = self.instance.projects[pid].cost
        winning = self.max_winning_cost(pid, result.selected, remembered(lambda c: self.selected_at(pid, c, 0)))
        if winning is None:
            result.unavailable("max_winning_cost", *self.hopeless_cost_reason(pid))
        else:
            result.max_winning_cost = winning
        if result.selected:
            result.singleton_add = 0
        else:
            found = self.fewest_added(pid, remembered(lambda k: self.selected_at(pid, cost, k)))
            if found is None:
                result.unavailable("singleton_add", *self.hopeless_add_reason(pid))
            else:
                result.singleton_add = found
        self.fill_approval_adds(pid, result)

    def max_winning_cost(self, pid: str, selected: bool, wins_at: Callable[[int], bool]) -> int | None:
        """Up from a selected project's cost to the first loss, or down from a loser's cost
        to the first win, then bisection between the two (``None``: no cost tried wins)."""
        cost = self.instance.projects[pid].cost
        if selected and wins_at(math.floor(cost)):
            bracket = self.first_change(wins_at, math.floor(cost), self.budget_ceiling, up=True)
            return None if bracket is None else largest_true(wins_at, *bracket)
        top = math.ceil(cost)
        if wins_at(top):
            top = self.budget_ceiling
        bracket = None if top <= 1 else self.first_change(wins_at, top, 1, up=False)
        return None if bracket is None else largest_true(wins_at, *bracket)

    def first_change(self, wins_at: Callable[[int], bool], start: int, end: int, *, up: bool):
        """From ``start`` (a win going up, a loss going down) towards ``end``, in steps that
        double, the first tested cost where the outcome changes: ``(win, loss)`` costs one
        step apart, to bisect between; ``None`` going down if even ``end`` loses.  Going down
        from the project's cost finds the winning cost nearest below it, which matters where
        a completion makes winning not monotone in cost (see docs/rules.md)."""
        step, here = 1, start
        while True:
            there = min(here + step, end) if up else max(here - step, end)
            if wins_at(there) != up:
                return (here, there) if up else (there, here)
            if there == end:  # no change up to ``end`` (going up: only an overspending stand-in)
                return None
            here, step = there, 2 * step

    def fill_approval_adds(self, pid: str, result: ProjectMeasures) -> None:
        raise NotImplementedError

    def selected_at(self, pid: str, cost: Number, singletons: int) -> bool:
        raise NotImplementedError

    def fewest_added(self, pid: str, test: Callable[[int], bool]) -> int | None:
        raise NotImplementedError

    def hopeless_cost_reason(self, pid: str) -> tuple[str, str]:
        """Why no cost helps: a code of :data:`REASON_CODES` and the text."""
        return "not_selected_at_any_cost", "not selected even at a cost of 1"

    def hopeless_add_reason(self, pid: str) -> tuple[str, str]:
        raise NotImplementedError


class _GreedyMeasures(_Measures):
    """Greedy, with or without skipping, with or without a threshold, any ranking."""

    def __init__(self, instance: Instance, rule: ConfiguredRule) -> None:
        super().__init__(instance, rule)
        # The app's pools: a project needs support and the pool's minimum of voters, under any rule.
        self.min_votes = rule.min_votes(instance)
        self.tally = tally = Tally.of(instance, rule.tie_breaking, rule.seed, self.min_votes)
        self.skip = rule.name != "greedy-no-skip"
        self.min_score = None
        if rule.name == "greedy-threshold":
            self.min_score = rule.params.get("min_score")
            if self.min_score is None:
                self.min_score = instance.meta_number("min_project_score_threshold")
        by_votes = rule.params.get("ranking") == "votes"
        self.value = tally.votes if by_votes else tally.scores
        # What one new voter choosing only the project adds to its score and to its value.
        self.score_gain = 1
        if instance.vote_type in POINTS_VOTE_TYPES:
            self.score_gain = top_points(instance)
        elif instance.vote_type == "ordinal":
            top = instance.meta_number("max_length")
            self.score_gain = top if top is not None else max((len(b.projects) for b in instance.ballots), default=1)
        self.value_gain = 1 if by_votes else self.score_gain
        candidates = [pid for pid in tally.eligible if self.passes(pid, 0)]
        self.order = sorted(candidates, key=self.rank_key)
        self.placed: dict[str, tuple[list, list, list]] = {}

    def passes(self, pid: str, singletons: int) -> bool:
        """Past the rule's threshold and the pool's minimum of voters (with ``singletons``)."""
        if self.min_votes is not None and (
            self.tally.votes[pid] + singletons < self.min_votes
            or self.tally.scores[pid] + singletons * self.score_gain <= 0
        ):
            return False
        if self.min_score is None:
            return True
        return self.tally.scores[pid] + singletons * self.score_gain >= self.min_score

    def rank_key(self, pid: str, cost: Number | None = None, singletons: int = 0) -> tuple:
        votes = self.tally.votes[pid] + singletons
        return (
            -(self.value[pid] + singletons * self.value_gain),
            self.tally.ties.key_with(pid, cost, votes),
        )

    def places(self, pid: str) -> tuple[list, list, list]:
        """The others' rank keys, and the money left (and whether greedy goes on) before each."""
        if pid not in self.placed:
            keys, left, reached = [], [self.instance.budget], [True]
            money, going = self.instance.budget, True
            for other in self.order:
                if other == pid:
                    continue
                keys.append(self.rank_key(other))
                if going and self.tally.cost(other) <= money:
                    money -= self.tally.cost(other)
                elif going and not self.skip:
                    going = False
                left.append(money)
                reached.append(going)
            self.placed = {pid: (keys, left, reached)}
        return self.placed[pid]

    def selected_at(self, pid: str, cost: Number, singletons: int) -> bool:
        """Greedy funds ``pid`` iff it passes the threshold, greedy reaches its place among
        the others and it fits the money left there (the others before it are unchanged)."""
        if not self.passes(pid, singletons):
            return False
        keys, left, reached = self.places(pid)
        place = bisect_left(keys, self.rank_key(pid, cost, singletons))
        return reached[place] and cost <= left[place]

    def fewest_added(self, pid: str, test: Callable[[int], bool]) -> int | None:
        """First place, and past the threshold: if that does not do it, nothing does."""
        keys = self.places(pid)[0]
        enough = 1
        if keys:
            enough = max(enough, math.ceil((-keys[0][0] - self.value[pid]) / self.value_gain) + 1)
        if self.min_score is not None:
            enough = max(enough, math.ceil((self.min_score - self.tally.scores[pid]) / self.score_gain))
        if self.min_votes is not None:
            enough = max(enough, self.min_votes - self.tally.votes[pid])
        if not test(enough):
            return None
        return smallest_true(test, 0, enough)

    def hopeless_cost_reason(self, pid: str) -> tuple[str, str]:
        if pid in self.tally.excluded:
            return "below_min_votes", f"fewer voters than the minimum of {self.min_votes}"
        if not self.passes(pid, 0):
            return "below_threshold", f"its score is under the threshold of {self.min_score}"
        if self.skip:
            return "no_money_left", "no money is left when greedy reaches it"
        return "greedy_stopped", "greedy stops before it at any cost"

    def hopeless_add_reason(self, pid: str) -> tuple[str, str]:
        return "over_budget", "it costs more than the budget"

    def fill_approval_adds(self, pid: str, result: ProjectMeasures) -> None:
        """Choosing the project on a ballot changes nothing but its own count under greedy,
        so which non-supporters choose it does not matter: both equal ``singleton_add``,
        if there are that many non-supporters."""
        if self.instance.vote_type not in APPROVAL_TYPES:
            result.unavailable_adds(*BALLOT_TYPE_REASON)
            return
        needed = result.singleton_add
        others = self.voters - self.tally.votes[pid]
        if needed is None:
            result.unavailable_adds(result.reason_codes["singleton_add"], result.reasons["singleton_add"])
        elif needed > others:
            result.unavailable_adds("more_than_non_supporters",
                                    f"needs {needed} more supporters; only {others} voters did not choose it")
        else:
            result.optimist_add = result.pessimist_add = needed


class _RerunMeasures(_Measures):
    """Any other rule: each question is answered by re-running the rule on the changed
    instance; bounds come from stepping and bisection between a known win and a known loss.

    Equal shares' completions run MES for many shares per outcome.  So the search first
    runs on a cheap stand-in, MES once at the share the completion chose for the real
    instance (for added voters, the same money in all: the share times voters / (voters +
    added)), with the same completion after it; the value it finds is then checked with two
    runs of the real rule (selected at it, not one unit beyond), and the real search runs
    only where that check fails (the changed instance's share search ends elsewhere)."""

    def __init__(self, instance: Instance, rule: ConfiguredRule) -> None:
        super().__init__(instance, rule)
        self.money = None  # what all voters hold together at the completion's final share
        # No voters, no share to start the stand-in from (the real rule is re-run instead).
        if rule.name in EQUAL_SHARES_RULES and self.voters:
            self.money = self.money_of(self.outcome, 0)

    @cached_property
    def votes(self) -> dict[str, int]:
        """How many voters chose each project (counted when a reason first needs it)."""
        return vote_counts(self.instance)

    def money_of(self, outcome: Result, singletons: int) -> Fraction:
        return Fraction(outcome.details["share_per_voter"]) * (self.voters + singletons)

    def outcome_at(self, pid: str, cost: Number, singletons: int) -> Result:
        if cost == self.instance.projects[pid].cost and singletons == 0:
            return self.outcome
        return self.rule.outcome(self.changed(pid, cost, singletons))

    def selected_at(self, pid: str, cost: Number, singletons: int) -> bool:
        return pid in self.outcome_at(pid, cost, singletons).selected

    def changed(self, pid: str, cost: Number, singletons: int) -> Instance:
        return with_singletons(with_cost(self.instance, pid, cost), pid, singletons)

    def selected_with_money(self, pid: str, cost: Number, singletons: int, money: Fraction) -> bool:
        """The stand-in: MES once, sharing out ``money``, then the rule's completion."""
        changed = self.changed(pid, cost, singletons)
        tally = Tally.of(changed, self.rule.tie_breaking, self.rule.seed, self.rule.min_votes(changed))
        equal_shares = EqualShares(tally)
        run = equal_shares.run(money / (self.voters + singletons))
        if self.rule.name == "equalshares":
            return pid in complete_with_greedy(tally, equal_shares, run, self.rule.name, {}).selected
        if self.rule.name == "equalshares/add1-comparison":
            return pid in comparison_step(tally, run.selected)[0]
        return pid in run.selected

    def fewest_added(self, pid: str, test: Callable[[int], bool]) -> int | None:
        money, cost = self.money, self.instance.projects[pid].cost
        for _ in range(GUESSES if money is not None else 0):
            guess = self.search_added(lambda k: self.selected_with_money(pid, cost, k, money))
            if guess is None:
                break
            at_guess = self.outcome_at(pid, cost, guess)
            if pid not in at_guess.selected:
                money = self.money_of(at_guess, guess)
                continue
            if guess == 0:
                return guess
            before = self.outcome_at(pid, cost, guess - 1)
            if pid not in before.selected:
                return guess
            money = self.money_of(before, guess - 1)
        return self.search_added(test)

    def search_added(self, test: Callable[[int], bool]) -> int | None:
        """Doubling until it wins, then bisection; gives up past a multiple of the voters."""
        limit = ADD_SEARCH_FACTOR * (self.voters + 1)
        low, high = 0, 1
        while not test(high):
            if high >= limit:
                return None
            low, high = high, 2 * high
        return smallest_true(test, low, high)

    def hopeless_cost_reason(self, pid: str) -> tuple[str, str]:
        return "not_selected_at_costs_tried", "not selected at a cost of 1, nor at the costs tried below its own"

    def hopeless_add_reason(self, pid: str) -> tuple[str, str]:
        limit = ADD_SEARCH_FACTOR * (self.voters + 1)
        return "add_search_limit", f"not selected even with {limit} more supporters (search limit)"

    def fill_approval_adds(self, pid: str, result: ProjectMeasures) -> None:
        """Adding the project to existing ballots changes what those voters pay and back
        under these rules, so which voters matters and nothing short of trying every choice
        is exact: every choice of how many voters of each group of identical ballots (those
        not choosing the project) also choose it, by number of voters, on small pools only
        (:data:`CHOICES_LIMIT`).  ``optimist_add``: the fewest for which some choice gets it
        selected; ``pessimist_add``: the fewest for which every choice does."""
        if self.instance.vote_type not in APPROVAL_TYPES:
            result.unavailable_adds(*BALLOT_TYPE_REASON)
            return
        if result.selected:
            result.optimist_add = result.pessimist_add = 0
            return
        others: Counter[tuple[str, ...]] = Counter()
        for ballot in self.instance.ballots:
            if pid not in ballot.projects:
                others[ballot.projects] += ballot.multiplicity
                if 2 ** len(others) > CHOICES_LIMIT:  # each group at least doubles the choices
                    break
        groups = list(others.items())
        choices = choices_up_to((count + 1 for _, count in groups), CHOICES_LIMIT)
        if choices > CHOICES_LIMIT:
            everyone = self.voters - self.votes[pid]
            result.unavailable_adds("too_many_choices", f"exact only by trying every choice of voters: more than "
                                    f"{CHOICES_LIMIT} choices among {everyone} voters who did not choose it")
            return
        supporters = [ballot for ballot in self.instance.ballots if pid in ballot.projects]
        by_size: dict[int, list[bool]] = {}
        for counts in product(*(range(count + 1) for _, count in groups)):
            ballots = list(supporters)
            for (projects, count), chosen in zip(groups, counts):
                if chosen:
                    ballots.append(Ballot((*projects, pid), multiplicity=chosen))
                if count > chosen:
                    ballots.append(Ballot(projects, multiplicity=count - chosen))
            changed = replace(self.instance, ballots=ballots)
            by_size.setdefault(sum(counts), []).append(pid in self.rule.selected(changed))
        optimist = min((k for k, won in by_size.items() if any(won)), default=None)
        pessimist = min((k for k, won in by_size.items() if all(won)), default=None)
        everyone = sum(others.values())
        for name, value in (("optimist_add", optimist), ("pessimist_add", pessimist)):
            if value is None:
                result.unavailable(name, "not_selected_with_all_voters",
                                   f"not selected even if all {everyone} voters who did not choose it did")
            else:
                setattr(result, name, value)


class _EqualSharesMeasures(_RerunMeasures):
    """Equal shares with a completion.  Cost questions go to the exact
    :class:`~pb_service.rules.mes_measures.EqualSharesOracle` (the completion re-run with MES
    re-run only at the shares where the changed cost can matter).  The first candidate for
    ``max_winning_cost`` comes from one watched MES run at the share the completion chose
    (the paper's one-run algorithm); it is kept if the rule selects the project at it and
    not one unit beyond, else the candidate at the share the changed instance ended at is
    tried, and only then the search of :class:`_Measures` runs (on the oracle)."""

    def __init__(self, instance: Instance, rule: ConfiguredRule) -> None:
        super().__init__(instance, rule)
        from .mes_measures import EqualSharesOracle

        self.oracle = EqualSharesOracle(instance, rule)
        self.share = Fraction(self.outcome.details["share_per_voter"])
        # The share the completion ended at with so many added voters (of the project asked about).
        self.ended_at: dict[int, Fraction] = {}
        # Under ``equalshares``, the step the rule's completion ended at with so many added voters.
        self.added_ending_step: dict[int, int] = {}
        # The step the completion ended at with the project at a cost (of the project asked about).
        self.cost_ended_at: dict[Number, int] = {}
        # The candidate of each step of the completion tried (of the project asked about).
        self.step_candidate: dict[int, int | None] = {}

    def prepare(self, wanted: list[str], jobs: int) -> None:
        """The watched runs of every step of the completion; and, when more than half of the
        selected projects are wanted, every run without one of them at every step, each
        going on from the state its step's run had before buying it (when asked one project
        at a time, each run without it replays the rounds before: about half of them).
        Under ``equalshares`` the steps are known from the outcome: the runs of each step
        (its watched run and those without each project) are run in the ``jobs`` processes;
        under add1 they are found by running the completion first."""
        oracle = self.oracle
        if oracle.mes.compiles():
            # The compiled code loaded here, once, not in each process forked below.
            oracle.mes.compiled(oracle.step_share(0), oracle.budget)
        if 2 * len(self.winners.intersection(wanted)) <= len(self.winners):
            oracle.watch_the_completion()
            return
        if self.rule.name == "equalshares":
            keys = oracle.completion_steps(self.outcome.details["budget_increase_steps"])
        else:
            oracle.watch_the_completion()
            keys = oracle.completion_keys()
        if jobs > 1 and len(keys) > 1:
            for key, portable in zip(keys, in_processes(self, _step_in_worker, keys, jobs)):
                oracle.adopt_step(*key, portable)
        else:
            for key in keys:
                oracle.every_without(*key)
        oracle.watch_the_completion()  # runs nothing where the steps were known

    def selected_at(self, pid: str, cost: Number, singletons: int) -> bool:
        if singletons:
            selected = self.oracle.selected_with_voters(pid, self.changed(pid, cost, singletons), singletons)
            self.ended_at[singletons] = self.oracle.last_share
            if self.oracle.last_ending_step is not None:
                self.added_ending_step[singletons] = self.oracle.last_ending_step
            return selected
        selected = self.oracle.selected_at(pid, cost)
        self.cost_ended_at[cost] = self.oracle.step_of(self.oracle.last_share)
        return selected

    def max_winning_cost(self, pid: str, selected: bool, wins_at: Callable[[int], bool]) -> int | None:
        """The candidate of the final share; under ``equalshares`` a search over the
        completion's steps (:meth:`bisect_steps`); the candidate of the share the completion
        ended at (a few times); then the bracket of the costs asked (:meth:`bisect_bracket`),
        or up from the largest winning cost; then a search over the steps for the last one
        whose candidate wins (:meth:`search_steps`), and the search from the cost."""
        oracle, share, tried = self.oracle, self.share, set()
        self.cost_ended_at, self.step_candidate = {}, {}
        iterations = FIXED_POINT_STEPS
        if self.rule.name == "equalshares":
            found, iterations = self.bisect_steps(pid, wins_at)
            if found is not None:
                return found
        for _ in range(iterations):
            guess = oracle.cost_candidate(pid, share)
            if guess is None or guess in tried:
                break
            tried.add(guess)
            if not wins_at(guess):
                share = oracle.last_share
                continue
            if not wins_at(guess + 1):
                return guess
            share = oracle.last_share
        bracket = self.known_bracket(pid, selected, wins_at)
        if bracket is not None:
            return self.bisect_bracket(pid, wins_at, *bracket)
        wins = self.known_wins(pid, selected, wins_at)
        if self.rule.name == "equalshares" and wins:
            # Up from the largest winning cost tried to the first loss (a loser loses at its
            # cost), in strides that double.
            end = self.budget_ceiling if selected else math.ceil(self.instance.projects[pid].cost)
            bracket = self.first_change(wins_at, max(wins), end, up=True)
            if bracket is not None:
                return self.guessed_bisection(pid, wins_at, *bracket)
        if self.step_search_applies():
            found = self.search_steps(pid, wins_at)
            if found is not None:
                return found
        return super().max_winning_cost(pid, selected, wins_at)

    def known_bracket(self, pid: str, selected: bool, wins_at: Callable[[int], bool]) -> tuple[int, int] | None:
        """The largest winning cost tried (at least the cost for a selected project, below it
        for a loser) and the nearest losing cost tried above it, to bisect between."""
        wins = self.known_wins(pid, selected, wins_at)
        if not wins:
            return None
        answers = getattr(wins_at, "answers", {})
        win = max(wins)
        losses = [c for c, won in answers.items() if not won and c > win]
        return (win, min(losses)) if losses else None

    def known_wins(self, pid: str, selected: bool, wins_at: Callable[[int], bool]) -> list[int]:
        """The winning costs tried on the project's side of its cost (at least the cost for
        a selected project, which is asked; below it for a loser)."""
        cost = self.instance.projects[pid].cost
        answers = getattr(wins_at, "answers", {})
        wins = [c for c, won in answers.items() if won and (c >= cost) == selected]
        if selected and wins_at(math.floor(cost)):
            wins.append(math.floor(cost))
        return wins

    def bisect_bracket(self, pid: str, wins_at: Callable[[int], bool], win: int, loss: int) -> int:
        """A boundary between a winning and a losing cost: the winning cost itself, then the
        steps' candidates between them (the largest first, a few), as the boundary is often
        one of them, then bisection (:meth:`guessed_bisection`)."""
        if not wins_at(win + 1):
            return win
        inside = sorted({c for c in self.step_candidate.values() if c is not None and win < c < loss}, reverse=True)
        for guess in inside[:BRACKET_CANDIDATES]:
            if not wins_at(guess):
                loss = guess
            elif not wins_at(guess + 1):
                return guess
            else:
                win = max(win, guess)
                break
        return self.guessed_bisection(pid, wins_at, win, loss)

    def guessed_bisection(self, pid: str, wins_at: Callable[[int], bool], win: int, loss: int) -> int:
        """``largest_true(wins_at, win, loss)``, under ``equalshares`` bisecting first on a
        guess of the completion at each cost (the steps around the one it ended at for the
        nearest cost asked, :meth:`EqualSharesOracle.cost_probe`; the answers of the rule where
        it was asked), then checking the boundary found with the rule, and bisecting with the
        rule only if that fails.  Where the guess answers as the rule, the bisection takes the
        same path: the same boundary, for two questions to the rule."""
        if self.rule.name != "equalshares":
            return largest_true(wins_at, win, loss)
        answers = getattr(wins_at, "answers", {})
        ended = dict(self.cost_ended_at) or {win: self.oracle.step_of(self.share)}  # cost: the step it ended at

        def guess(cost: int) -> bool:
            if cost in answers:
                return answers[cost]
            return guessed_selection(self.oracle.cost_probe(pid, cost), cost, ended, self.oracle.last_step())

        found = largest_true(guess, win, loss)
        if wins_at(found) and not wins_at(found + 1):
            return found
        win = max(c for c, won in answers.items() if won and win <= c < loss)
        return largest_true(wins_at, win, min(c for c, won in answers.items() if not won and win < c <= loss))

    def step_search_applies(self) -> bool:
        return self.rule.name == "equalshares" or self.oracle.step_of(self.share) > 0

    def step_candidates(self, pid: str, wins_at: Callable[[int], bool]):
        """The candidate of each step of the completion (computed once), and whether the rule
        selects the project at it."""
        oracle = self.oracle
        candidates = self.step_candidate

        def candidate(step: int) -> int | None:
            if step not in candidates:
                candidates[step] = oracle.cost_candidate(pid, oracle.step_share(step))
            return candidates[step]

        def wins_at_step(step: int) -> bool:
            guess = candidate(step)
            return guess is not None and wins_at(guess)

        return candidate, wins_at_step

    def bisect_steps(self, pid: str, wins_at: Callable[[int], bool]) -> tuple[int | None, int]:
        """Under ``equalshares``: the candidate of the final step, kept if the rule selects the
        project at it and not one unit beyond.  Else, if the changed completion ends below
        the final step, a search over the steps (down in strides that double, then
        bisection) for the last step that the changed completion reaches with the project at
        that step's candidate, which is kept if it is a boundary in the same sense.  The
        changed completion ends at the step whose candidate is near the boundary, and a
        question about a cost moves it by a step or two only, so following it from the final
        step took one question per step.  Returns the value (``None``: not found so, the
        searches of :meth:`max_winning_cost` go on) and how many candidates the fixed-point
        iteration may still follow (none after a search over the steps)."""
        candidate, _ = self.step_candidates(pid, wins_at)
        high = self.oracle.step_of(self.share)
        guess = candidate(high)
        if guess is not None and wins_at(guess) and not wins_at(guess + 1):
            return guess, 0

        def reaches(step: int) -> bool:
            """Whether the completion, with the project at this step's candidate, gets to
            this step (the steps before do not end it)."""
            guess = candidate(step)
            if guess is None:
                return True
            wins_at(guess)  # asked once: where the completion ended is recorded with the answer
            return self.cost_ended_at[guess] >= step

        if reaches(high):  # the boundary is near: the fixed-point iteration follows it
            return None, FIXED_POINT_STEPS
        step = largest_true_below(reaches, high)
        win = candidate(step)
        return (win if win is not None and wins_at(win) and not wins_at(win + 1) else None), 0

    def search_steps(self, pid: str, wins_at: Callable[[int], bool]) -> int | None:
        oracle = self.oracle
        candidate, wins_at_step = self.step_candidates(pid, wins_at)

        # Down from the final step in steps that double, to the first step whose candidate
        # wins; then bisection up to the nearest losing step tried.
        high = oracle.step_of(self.share)
        if wins_at_step(high):
            return None  # the candidate iteration above settles this case or nothing does
        stride, low = 1, high
        while True:
            low = max(high - stride, 0)
            if wins_at_step(low):
                break
            if low == 0:
                return None
            high, stride = low, 2 * stride
        step = largest_true(wins_at_step, low, high)
        win, loss = candidate(step), candidate(step + 1)
        if loss is None or loss <= win:
            return win if not wins_at(win + 1) else None
        return largest_true(wins_at, win, loss) if not wins_at(loss) else None

    def fewest_added(self, pid: str, test: Callable[[int], bool]) -> int | None:
        """Under ``equalshares``, first the boundary of a guess of the completion
        (:meth:`checked_guesses`, from the first candidate below).  Otherwise (add1, or no
        guess): a candidate from runs of the unchanged instance: the completion keeps sharing out
        about the same money when voters are added (its final step moves little), so ``k``
        new voters hold ``money / (voters + k)`` each, and the candidate is the fewest ``k``
        that MES at that share needs (:meth:`EqualSharesOracle.added_for_money`).  Kept if
        the rule selects the project with ``k`` new voters and not with ``k - 1``; else the
        money the changed completion ended at gives the next candidate (a few times).  Then
        the search from the rule's answers (:meth:`boundary_from_answers`); the search
        outwards (:meth:`search_from`) if there is no candidate.  Each test is the whole rule."""
        self.ended_at, self.added_ending_step = {0: self.share}, {}
        limit = ADD_SEARCH_FACTOR * (self.voters + 1)
        if self.rule.name == "equalshares" and pid in self.oracle.index:
            start = self.oracle.added_for_money(pid, self.share * self.voters, limit)
            found = None if start is None else self.checked_guesses(pid, test, start, limit)
            if found is not None:
                return found
        money, tried = self.share * self.voters, []
        for _ in range(ADD_CANDIDATES):
            guess = self.oracle.added_for_money(pid, money, limit)
            if guess is None or (tried and guess <= tried[-1] * (1 + CANDIDATE_PROGRESS)):
                break
            tried.append(guess)
            if test(guess):
                if not test(guess - 1):
                    return guess
                break
            money = self.ended_at[guess] * (self.voters + guess)
        if not tried:
            return self.search_from(pid, test)
        # The candidates are off by a fraction of themselves: step by such a fraction.
        return self.boundary_from_answers(test, max(max(tried) // ADD_STRIDE_DIVISOR, 1), limit)

    def boundary_from_answers(self, test: Callable[[int], bool], stride: int, limit: int) -> int | None:
        """A boundary from the numbers of voters the rule was asked about (at least one):
        bisection between the fewest that won and the most below them that lost; stepping
        down from the fewest that won, or up from the most that lost where one side is
        missing, in strides that double from ``stride``."""
        answers = getattr(test, "answers", {})
        wins = sorted(k for k, won in answers.items() if won)
        if not wins:  # up from the most voters that lost
            found = smallest_true_above(test, max(answers), stride, limit)
            return found if found is not None else self.search_added(test)
        losses = [k for k, won in answers.items() if not won and k < wins[0]]
        if losses:
            return smallest_true(test, max(losses), wins[0])
        return smallest_true_below(test, wins[0], stride)  # down from the fewest voters that won

    def search_from(self, pid: str, test: Callable[[int], bool]) -> int | None:
        """From the candidate of the watched run at the completion's share: down from it in
        steps that double while it wins, or up from it while it loses, then bisection; the
        search from no voters if going up finds nothing."""
        guess = self.oracle.added_candidate(pid, self.share)
        if guess is None:
            return self.search_added(test)
        if test(guess):
            return smallest_true_below(test, guess, 1)
        found = smallest_true_above(test, guess, 1, ADD_SEARCH_FACTOR * (self.voters + 1))
        return found if found is not None else self.search_added(test)

    def checked_guesses(self, pid: str, test: Callable[[int], bool], start: int, limit: int) -> int | None:
        """Under ``equalshares``: the boundary of a guess of the completion
        (:meth:`guessed_added`), kept if the rule selects the project with that many new voters
        and not with one fewer (on most losers of the shared files, two tests).  Where the rule
        disagrees, it has shown where its completion ended: the guess is made again from those
        steps and its answers (a few times), then the search goes on from the rule's answers
        (:meth:`boundary_from_answers`).  ``None``: the guess finds no number of voters."""
        tried: set[int] = set()
        for _ in range(ADD_GUESSES):
            guess = self.guessed_added(pid, start, limit, test)
            if guess is None or guess in tried:
                break
            tried.add(guess)
            # One fewer first: where the guess is off, it is mostly too high (both win), and
            # then the guess itself need not be asked.
            if not test(guess - 1) and test(guess):
                return guess
            start = guess
        return self.boundary_from_answers(test, 1, limit) if tried else None

    def guessed_added(self, pid: str, start: int, limit: int, test: Callable[[int], bool]) -> int | None:
        """Under ``equalshares``: the fewest new voters choosing only ``pid`` that get it
        selected by a guess of the completion that runs a few of its steps (around the step
        it ended at with the nearest number of voters guessed, or for which the rule was asked)
        instead of every step from 0 (:meth:`EqualSharesOracle.completion_probe`); the rule's
        answers where it was asked (``test``): up or down from ``start`` in strides that
        double, then bisection.  Each guess costs a few runs of MES, a test of the rule
        hundreds."""
        answers = getattr(test, "answers", {})
        # Added voters: the step the completion ended at (the rule's where it was asked).
        ended = {0: self.oracle.step_of(self.share), **self.added_ending_step}

        def guess(added: int) -> bool:
            if added in answers:
                return answers[added]
            if added == 0:
                return False  # the project lost
            return guessed_selection(self.oracle.completion_probe(pid, added), added, ended, self.oracle.last_step(added))

        guess = remembered(guess)
        if guess(start):
            return smallest_true_below(guess, start, 1)
        return smallest_true_above(guess, start, 1, limit)
