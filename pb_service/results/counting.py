"""Counting an edition: valid ballots in bulk → one rules-engine instance per pool → outcomes.

Nothing here writes to the database; :mod:`pb_service.results.services` stores what
:func:`count_edition` returns. Every decision is the rules engine's (:mod:`pb_service.rules`),
on the very instance that is published as the pool's Pabulib file, so the file recounts to the
same outcome with ``python -m pb_service.rules tally FILE``.

Money: the app keeps grosze; instances (and files) are in złoty, as Pabulib files and cities
count (the "add one" completion of equal shares adds one złoty per step, not one grosz). Costs
in whole grosze are exact decimals, so nothing is rounded either way.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import Text, cast

from pb_service.core.tenancy import edition_select
from pb_service.editions.models import Edition, LeftoverPolicy, Level, Pool
from pb_service.editions.rule_choices import VotingMethod
from pb_service.extensions import db
from pb_service.proposals.models import Proposal
from pb_service.proposals.services import ballot_projects
from pb_service.rules import MIN_VOTES_KEY, Instance, Result, Status, compute, write_pabulib
from pb_service.rules.tally import votes_and_scores
from pb_service.rules.ties import TieBreaker
from pb_service.voting.models import Ballot

GROSZE = 100

#: A ballot's choices in one pool in canonical form: ((project id, points), ...) by project id.
CanonicalBallot = tuple[tuple[int, int], ...]

#: Pabulib vote type for each voting method. Points by rank are written with their points
#: ("scoring"), not as "ordinal": the engine's ordinal scoring gives max_length, max_length - 1,
#: ... by position, which differs from the level's points when they are not consecutive
#: (5, 3, 1) or a voter skips a rank; explicit points keep every ballot exact.
VOTE_TYPES = {
    VotingMethod.APPROVAL: "approval",
    VotingMethod.KNAPSACK: "approval",
    VotingMethod.POINTS: "scoring",
    VotingMethod.CUMULATIVE: "cumulative",
}


class CountingError(ValueError):
    """The ballots cannot be counted as they are (e.g. a choice of a project not on the ballot)."""


@dataclass
class PoolCount:
    """One pool's count: the instance as published and the rule's result on it."""

    pool: Pool
    instance: Instance
    result: Result
    digest: str
    voters: int
    votes: dict[str, int]
    scores: dict[str, int]
    #: Leftover moved in from other pools, in grosze.
    received: int = 0
    #: The project funded from the leftover and what the municipality adds (policy "next projects").
    leftover_project: str | None = None
    top_up: int = 0
    leftover_to: Pool | None = None

    @property
    def rule(self) -> str:
        return self.result.rule

    @property
    def parameters(self) -> dict:
        """The parameters that, with the rule, decide the outcome: the tie-break and seed, and the
        pool's minimum of votes (``min_votes``, under every rule) or, for an edition imported from
        Pabulib under ``greedy-threshold``, the file's threshold on points (``min_score``)."""
        meta = self.instance.meta
        parameters = {"tie_breaking": meta["tie_breaking"], "seed": int(meta["tie_breaking_seed"])}
        if MIN_VOTES_KEY in meta:
            parameters["min_votes"] = self.pool.min_votes
        elif "min_project_score_threshold" in meta:
            parameters["min_score"] = int(meta["min_project_score_threshold"])
        return parameters

    @property
    def selected(self) -> list[str]:
        """The funded projects: the rule's, then the one funded from the leftover."""
        return self.result.selected + ([self.leftover_project] if self.leftover_project else [])

    @property
    def spent(self) -> int:
        return grosze(self.result.spent) + (self.top_up + self.leftover if self.leftover_project else 0)

    @property
    def leftover(self) -> int:
        """Money the rule left unspent (before it funds the next project or moves elsewhere)."""
        return grosze(self.result.leftover)

    @property
    def final_leftover(self) -> int:
        return 0 if self.leftover_project else self.leftover

    def ranking(self) -> list[str]:
        """Project ids from the highest score down; equal scores in the edition's tie order."""
        ties = _tie_breaker(self.instance, self.votes)
        return sorted(self.instance.projects, key=lambda pid: (-self.scores[pid], ties.key(pid)))


@dataclass
class EditionCount:
    digest: str
    ballots: int
    pools: list[PoolCount] = field(default_factory=list)


def grosze(amount) -> int:
    value = Fraction(amount) * GROSZE
    if value.denominator != 1:
        raise CountingError(f"{amount} is not a whole number of grosze")
    return value.numerator


def zloty(amount_in_grosze: int) -> Fraction:
    return Fraction(amount_in_grosze, GROSZE)


# --- reading the ballots ---------------------------------------------------------------------------


def read_ballots(tenant, edition: Edition) -> tuple[dict[int, Counter], int]:
    """The valid ballots per pool, identical ones grouped: {pool id: Counter(canonical ballot)}.

    One query and no ORM objects. The choices are read as JSON *text* and grouped before they
    are parsed: many voters make the same choices, and parsing JSON is most of the cost.
    Returns the groups and the number of valid ballots read.
    """
    statement = edition_select(Ballot, edition, Ballot.is_valid.is_(True), columns=[cast(Ballot.choices, Text)])
    texts = Counter(db.session.execute(statement).scalars())
    groups: dict[int, Counter] = defaultdict(Counter)
    for text, voters in texts.items():
        for pool_id, chosen in json.loads(text).items():
            if chosen:
                groups[int(pool_id)][tuple(sorted((int(pid), int(points)) for pid, points in chosen.items()))] += voters
    return groups, sum(texts.values())


def ballot_digest(ballots: Counter) -> str:
    """SHA-256 (hex) of a pool's ballots in canonical form.

    Each ballot is one line, the JSON list of its ``[project id, points]`` pairs by project id
    (points are 1 on approval ballots), without spaces; the lines are sorted (as lists of
    numbers) and each ends with a newline. Anyone can rebuild it from the published file.
    """
    digest = hashlib.sha256()
    for ballot in sorted(ballots):
        # The same text as json.dumps(..., separators=(",", ":")), written directly: it is the hot loop.
        line = "[" + ",".join(f"[{pid},{points}]" for pid, points in ballot) + "]\n"
        digest.update(line.encode() * ballots[ballot])
    return digest.hexdigest()


def edition_digest(pool_digests: Iterable[tuple[int, str]]) -> str:
    """SHA-256 (hex) over ``<pool id>:<pool digest>`` lines, in pool id order."""
    lines = "".join(f"{pool_id}:{digest}\n" for pool_id, digest in sorted(pool_digests))
    return hashlib.sha256(lines.encode()).hexdigest()


def lottery_seed(digest: str) -> int:
    """The tie lottery's seed: the first 52 bits (13 hex digits) of the pool's ballot digest.

    Nobody chooses it and nobody can know it before the vote ends; anyone can check it. 52 bits
    stay exact as a JSON number in every language (JavaScript's integers end at 2**53).
    """
    return int(digest[:13], 16)


# --- one pool ----------------------------------------------------------------------------------------


def votes_minimum(edition: Edition, pool: Pool) -> int | None:
    """The pool's minimum of votes as its count applies it under every rule (``None``: an edition
    imported from Pabulib, counted with the file's own semantics)."""
    return None if edition.imported_from_pabulib else pool.min_votes


def vote_type(level: Level) -> str:
    return VOTE_TYPES[level.method]


def _instance(tenant, edition: Edition, pool: Pool, projects: list[Proposal], ballots: Counter, digest: str, received: int) -> Instance:
    kind = vote_type(pool.level)
    on_ballot = {project.id for project in projects}
    for ballot in ballots:
        unknown = [pid for pid, _ in ballot if pid not in on_ballot]
        if unknown:
            raise CountingError(f"pool {pool.id}: ballots choose projects that are not on its ballot: {unknown}")
    # Canonical order, so that the same ballots always make the same file (and SHA-256).
    canonical = sorted(ballots)
    if kind == "approval":
        choices = [[str(pid) for pid, _ in ballot] for ballot in canonical]
    else:
        # Best first, as Pabulib lists points ballots; the points say the rest.
        choices = [{str(pid): points for pid, points in sorted(ballot, key=lambda pair: (-pair[1], pair[0]))} for ballot in canonical]
    meta = {
        "description": f"{edition.name}: {pool.name}",
        "country": "Poland",
        "unit": tenant.name,
        "subunit": pool.name,
        "instance": str(edition.year),
        "rule": edition.outcome_rule,
        "tie_breaking": edition.tie_break,
        "tie_breaking_seed": str(lottery_seed(digest)),
        "ballots_sha256": digest,
        "date_begin": edition.voting_starts_at.strftime("%d.%m.%Y"),
        "date_end": edition.results_starts_at.strftime("%d.%m.%Y"),
        "language": "pl",
        "currency": "PLN",
    }
    if votes_minimum(edition, pool) is None:
        # As the city counted: its threshold (on points) under greedy-threshold only.
        if edition.outcome_rule == "greedy-threshold":
            meta["min_project_score_threshold"] = str(pool.min_votes)
    else:
        # Under every rule a project needs at least one vote and the pool's minimum. Both keys
        # say so, for any recount: ours reads the first; Pabulib's own threshold (points) is the
        # same number, which every funded project also reaches (it has at least a point a vote).
        minimum = str(max(pool.min_votes, 1))
        meta[MIN_VOTES_KEY] = minimum
        meta["min_project_score_threshold"] = minimum
    if received:
        meta["comment"] = f"#1: the budget includes {_pln(received)} PLN left over in the edition's other pools"
    instance = Instance.from_data(
        budget=zloty(pool.budget + received),
        projects={str(project.id): zloty(project.cost) for project in projects},
        ballots=choices,
        vote_type=kind,
        multiplicities=[ballots[ballot] for ballot in canonical],
        meta=meta,
    )
    names = {str(project.id): project.title for project in projects}
    for pid, project in instance.projects.items():
        project.fields["name"] = names[pid]
    return instance


def count_pool(tenant, edition: Edition, pool: Pool, projects: list[Proposal], ballots: Counter, received: int = 0) -> PoolCount:
    """Count one pool with the edition's rule; ``received`` grosze of leftover come from other pools."""
    digest = ballot_digest(ballots)
    instance = _instance(tenant, edition, pool, projects, ballots, digest, received)
    # The rule, tie-break, seed and threshold come from META: the published file says exactly
    # what was computed, and recounting it needs no other input.
    result = compute(instance)
    votes, scores = votes_and_scores(instance)
    return PoolCount(
        pool=pool, instance=instance, result=result, digest=digest, voters=sum(ballots.values()),
        votes=votes, scores={pid: int(score) for pid, score in scores.items()},
        received=received,
    )


def _tie_breaker(instance: Instance, votes: dict[str, int]) -> TieBreaker:
    costs = {pid: project.cost for pid, project in instance.projects.items()}
    return TieBreaker(instance.meta["tie_breaking"], costs, votes, int(instance.meta["tie_breaking_seed"]))


def fund_next_project(count: PoolCount) -> None:
    """Leftover policy "next projects": the leftover goes to the best project left out, and the
    municipality adds the difference. Projects under the threshold or withdrawn are not next."""
    if count.leftover <= 0:
        return
    waiting = [
        pid for pid in count.ranking()
        if count.result.outcomes[pid].status in (Status.DID_NOT_FIT, Status.NOT_REACHED, Status.TIE)
    ]
    if waiting:
        count.leftover_project = waiting[0]
        count.top_up = grosze(count.instance.projects[waiting[0]].cost) - count.leftover


def _pln(amount_in_grosze: int) -> str:
    return f"{amount_in_grosze // GROSZE}.{amount_in_grosze % GROSZE:02d}"


# --- the edition ------------------------------------------------------------------------------------


def count_edition(tenant, edition: Edition, progress=None) -> EditionCount:
    """Count every pool of the edition and apply its leftover policy (``progress(done, total)``
    after each pool)."""
    groups, ballots = read_ballots(tenant, edition)
    projects: dict[int, list[Proposal]] = defaultdict(list)
    for project in ballot_projects(tenant, edition):
        projects[project.pool_id].append(project)
    target = None
    if edition.leftover_policy is LeftoverPolicy.MOVES_TO_POOL:
        target = next((pool for pool in edition.pools if pool.id == edition.leftover_pool_id), None)
    counts = {}
    # The receiving pool is counted last, with every other pool's leftover added to its budget.
    for pool in sorted(edition.pools, key=lambda p: p is target):
        received = sum(c.leftover for c in counts.values()) if pool is target else 0
        counts[pool.id] = count_pool(tenant, edition, pool, projects[pool.id], groups.get(pool.id, Counter()), received)
        if progress is not None:
            progress(len(counts), len(edition.pools))
    for count in counts.values():
        if target is not None and count.pool is not target and count.leftover:
            count.leftover_to = target
        if edition.leftover_policy is LeftoverPolicy.NEXT_PROJECTS:
            fund_next_project(count)
        _describe_outcome_in_file(count)
    pools = [counts[pool.id] for pool in edition.pools]
    return EditionCount(
        digest=edition_digest((c.pool.id, c.digest) for c in pools), ballots=ballots, pools=pools,
    )


def _describe_outcome_in_file(count: PoolCount) -> None:
    """Votes, score and selection in the file's PROJECTS section (selected=2: the leftover's)."""
    for pid, project in count.instance.projects.items():
        project.fields["votes"] = str(count.votes[pid])
        project.fields["score"] = str(count.scores[pid])
        project.fields["selected"] = "2" if pid == count.leftover_project else "1" if pid in count.result.selected else "0"
    if count.leftover_project:
        count.instance.meta["comment"] = (
            f"#1: selected=2: funded from the leftover of {_pln(count.leftover)} PLN by the leftover policy, "
            f"the municipality adding {_pln(count.top_up)} PLN; not part of the rule"
        )
    count.instance.project_columns = ["project_id", "cost", "votes", "score", "name", "selected"]


def pabulib_text(count: PoolCount) -> str:
    return write_pabulib(count.instance)
