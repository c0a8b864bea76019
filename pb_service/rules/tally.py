"""Counting ballots: votes and scores per project, and the pieces every rule shares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain
from operator import attrgetter
from dataclasses import dataclass, field
from fractions import Fraction

from .model import (
    Ballot,
    POINTS_VOTE_TYPES,
    Instance,
    Number,
    ProjectOutcome,
    Result,
    Status,
    Tie,
    exact,
)
from .ties import TieBreaker


def _counted(ballots: list[Ballot], keys: Callable[[Iterable[Ballot]], Iterable[Iterable]]) -> Counter:
    """Count the keys ``keys(ballots)`` yields per ballot, weighted by multiplicity.

    ``keys`` maps ballots to one iterable of keys per ballot with C-level ``map`` calls, so
    that the whole count runs in one ``Counter`` over a chained iterator: the tally of 90,000
    ballots was most of greedy's time when it looped over ballots and projects in Python.
    Ballots standing for several voters (rare in real files) get their extra weight after.
    """
    counts: Counter = Counter(chain.from_iterable(keys(ballots)))
    for ballot in ballots:
        if ballot.multiplicity != 1:
            for key in next(iter(keys([ballot]))):
                counts[key] += ballot.multiplicity - 1
    return counts


def _projects(ballots: Iterable[Ballot]) -> Iterable[tuple[str, ...]]:
    return map(attrgetter("projects"), ballots)


def identical_ballots(ballots: list[Ballot]) -> Counter[tuple[str, ...]]:
    """Voters per distinct ballot (its chosen projects, in the ballot's order)."""
    return _counted(ballots, lambda some: zip(_projects(some)))


def votes_and_scores(instance: Instance) -> tuple[dict[str, int], dict[str, Number]]:
    """:func:`vote_counts` and :func:`project_scores` from a single pass over the ballots.

    Points ballots count (project, points) pairs and ordinal ballots (rank, project) pairs;
    the votes are then the sum of a project's pairs, the score their weighted sum.
    """
    ballots, projects = instance.ballots, instance.projects
    votes: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    if instance.vote_type in POINTS_VOTE_TYPES:
        # A ballot without points (built from plain lists) counts as votes worth 0 points.
        pairs = _counted(ballots, lambda some: (zip(b.projects, b.points or (0,) * len(b.projects)) for b in some))
        for (pid, points), count in pairs.items():
            votes[pid] += count
            totals[pid] += points * count
        scores: dict[str, Number] = {pid: exact(Fraction(totals[pid])) for pid in projects}
    elif instance.vote_type == "ordinal":
        top = instance.meta_number("max_length")
        if top is None:
            top = max(map(len, _projects(ballots)), default=0)
        ranked = _counted(ballots, lambda some: map(enumerate, _projects(some)))
        for (rank, pid), count in ranked.items():
            votes[pid] += count
            totals[pid] += max(top - rank, 0) * count
        scores = {pid: totals[pid] for pid in projects}
    else:
        votes = _counted(ballots, _projects)
        scores = {pid: votes[pid] for pid in projects}
    return {pid: votes[pid] for pid in projects}, scores


def vote_counts(instance: Instance) -> dict[str, int]:
    """How many voters chose each project (whatever the ballot type)."""
    return votes_and_scores(instance)[0]


def project_scores(instance: Instance) -> dict[str, Number]:
    """The score a city ranks projects by.

    Votes for approval and choose-1 ballots, the sum of points for cumulative and scoring
    ballots, and positional points for ordinal ballots: the first choice is worth
    ``max_length`` points (META, else the longest ballot), the next one less, and so on.
    With Kraków's 3/2/1 this reproduces the ``score`` column of every Kraków file.
    """
    return votes_and_scores(instance)[1]


@dataclass
class Tally:
    """What every rule needs: costs, votes, scores, the eligible projects and the tie order.

    ``excluded`` holds the projects left out before any rule runs (too few votes) with their
    status; every rule, completion included, chooses among ``eligible`` only.
    """

    instance: Instance
    votes: dict[str, int]
    scores: dict[str, Number]
    eligible: list[str]
    ties: TieBreaker
    excluded: dict[str, tuple[Status, str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, instance: Instance, tie_breaking: str = "cheaper-first", seed: int = 0, min_votes: int | None = None
    ) -> Tally:
        """The tally; with ``min_votes`` (the app's pools), a project needs support (points
        above 0) and at least ``min_votes`` voters to be eligible under any rule.  ``None``
        (a Pabulib file without ``min_project_votes_threshold``) keeps the file's semantics."""
        votes, scores = votes_and_scores(instance)
        return cls.counted(instance, votes, scores, tie_breaking, seed, min_votes)

    @classmethod
    def counted(cls, instance: Instance, votes: dict[str, int], scores: dict[str, Number], tie_breaking: str,
                seed: int, min_votes: int | None) -> Tally:
        """:meth:`of`, the ballots counted (``votes``, ``scores``)."""
        costs = {pid: p.cost for pid, p in instance.projects.items()}
        eligible, excluded = [], {}
        for pid, project in instance.projects.items():
            if project.withdrawn:
                continue
            if min_votes is not None and scores[pid] <= 0:
                excluded[pid] = (Status.UNDER_THRESHOLD, "no support")
            elif min_votes is not None and votes[pid] < min_votes:
                excluded[pid] = (Status.UNDER_THRESHOLD, f"fewer than {min_votes} votes")
            else:
                eligible.append(pid)
        return cls(instance, votes, scores, eligible, TieBreaker(tie_breaking, costs, votes, seed), excluded)

    def with_approvals(self, instance: Instance, pid: str, added: int, min_votes: int | None) -> Tally:
        """The tally of ``instance``: this one's, on approval or choose-1 ballots, with
        ``added`` more voters choosing only ``pid`` (counting every ballot again took 15 ms
        on Budapest 2024, for each number of voters the performance measures try)."""
        votes, scores = dict(self.votes), dict(self.scores)
        votes[pid] += added
        scores[pid] += added
        return self.counted(instance, votes, scores, self.ties.kind, self.ties.seed, min_votes)

    def cost(self, pid: str) -> Number:
        return self.instance.projects[pid].cost

    def result(
        self,
        rule: str,
        selected: list[str],
        statuses: dict[str, tuple[Status, str]],
        ties: list[Tie],
        details: dict[str, object] | None = None,
        score: dict[str, Number] | None = None,
    ) -> Result:
        """Assemble a :class:`Result`; withdrawn projects get their own status."""
        score = self.scores if score is None else score
        outcomes = {}
        for pid, project in self.instance.projects.items():
            if project.withdrawn:
                outcomes[pid] = ProjectOutcome(score[pid], Status.WITHDRAWN, "cost 999999999")
            else:
                status, detail = self.excluded.get(pid) or statuses.get(pid, (Status.NOT_REACHED, ""))
                outcomes[pid] = ProjectOutcome(score[pid], status, detail)
        spent = exact(Fraction(sum(self.cost(pid) for pid in selected)))
        return Result(
            rule=rule,
            budget=self.instance.budget,
            selected=list(selected),
            outcomes=outcomes,
            ties=ties,
            tie_breaking=self.ties.description,
            details=details or {},
            spent=spent,
        )
