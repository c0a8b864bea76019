"""Counting ballots: votes and scores per project, and the pieces every rule shares."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from .model import (
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


def vote_counts(instance: Instance) -> dict[str, int]:
    """How many voters chose each project (whatever the ballot type)."""
    counts: Counter[str] = Counter()
    for ballot in instance.ballots:
        for pid in ballot.projects:
            counts[pid] += ballot.multiplicity
    return {pid: counts[pid] for pid in instance.projects}


def project_scores(instance: Instance) -> dict[str, Number]:
    """The score a city ranks projects by.

    Votes for approval and choose-1 ballots, the sum of points for cumulative and scoring
    ballots, and positional points for ordinal ballots: the first choice is worth
    ``max_length`` points (META, else the longest ballot), the next one less, and so on.
    With Kraków's 3/2/1 this reproduces the ``score`` column of every Kraków file.
    """
    if instance.vote_type in POINTS_VOTE_TYPES:
        totals: Counter[str] = Counter()
        for ballot in instance.ballots:
            for pid, points in zip(ballot.projects, ballot.points or ()):
                totals[pid] += points * ballot.multiplicity
        return {pid: exact(Fraction(totals[pid])) for pid in instance.projects}
    if instance.vote_type == "ordinal":
        top = instance.meta_number("max_length")
        if top is None:
            top = max((len(b.projects) for b in instance.ballots), default=0)
        totals = Counter()
        for ballot in instance.ballots:
            for rank, pid in enumerate(ballot.projects):
                totals[pid] += max(top - rank, 0) * ballot.multiplicity
        return {pid: totals[pid] for pid in instance.projects}
    return vote_counts(instance)


@dataclass
class Tally:
    """What every rule needs: costs, votes, scores, the eligible projects and the tie order."""

    instance: Instance
    votes: dict[str, int]
    scores: dict[str, Number]
    eligible: list[str]
    ties: TieBreaker

    @classmethod
    def of(cls, instance: Instance, tie_breaking: str = "cheaper-first", seed: int = 0) -> Tally:
        votes = vote_counts(instance)
        costs = {pid: p.cost for pid, p in instance.projects.items()}
        eligible = [pid for pid, p in instance.projects.items() if not p.withdrawn]
        return cls(
            instance,
            votes,
            project_scores(instance),
            eligible,
            TieBreaker(tie_breaking, costs, votes, seed),
        )

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
                status, detail = statuses.get(pid, (Status.NOT_REACHED, ""))
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
