"""Demo results: synthetic ballots for a past edition, counted and published through the services.

The ballots are made up but behave like real ones: each project has a popularity drawn once,
voters choose by it (so outcomes are clear, with some close calls), most vote online, a few
paper ballots are invalid. A fixed seed per municipality and year makes every run identical.
"""
from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from sqlalchemy import insert

from pb_service.core.permissions import SYSTEM
from pb_service.editions.models import Edition, LevelKind, Pool
from pb_service.editions.rule_choices import VotingMethod
from pb_service.extensions import db
from pb_service.proposals.models import Proposal
from pb_service.proposals.services import ballot_projects
from pb_service.results.models import Protest, ProtestStatus
from pb_service.core.jobs.queue import in_process
from pb_service.results.services import compute_results, publish_results, start_count
from pb_service.voting.services import receipt_hash
from pb_service.voting.models import Ballot, Channel, VoterRecord

AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
PAPER_SHARE = 0.15
INVALID_PAPER_SHARE = 0.04


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """``k`` distinct items, each draw proportional to the weights left."""
    items, weights, chosen = list(items), list(weights), []
    for _ in range(min(k, len(items))):
        index = rng.choices(range(len(items)), weights=weights)[0]
        chosen.append(items.pop(index))
        weights.pop(index)
    return chosen


def _choices(rng: random.Random, pool: Pool, projects: list[Proposal], popularity: dict[int, float]) -> dict[str, int]:
    """One voter's valid choices in one pool under the level's method."""
    level = pool.level
    ids = [project.id for project in projects]
    weights = [popularity[pid] for pid in ids]
    if level.method is VotingMethod.POINTS:
        ranked = _weighted_sample(rng, ids, weights, len(level.points))
        return {str(pid): points for pid, points in zip(ranked, level.points)}
    if level.method is VotingMethod.CUMULATIVE:
        favourites = _weighted_sample(rng, ids, weights, rng.randint(1, 3))
        points = {pid: 1 for pid in favourites}
        for _ in range((level.total_points or 5) - len(favourites)):
            points[rng.choice(favourites)] += 1
        return {str(pid): n for pid, n in points.items()}
    most = level.max_choices or 5
    chosen = _weighted_sample(rng, ids, weights, rng.randint(max(level.min_choices, 1), most))
    if level.method is VotingMethod.KNAPSACK:
        costs = {project.id: project.cost for project in projects}
        fitting, total = [], 0
        for pid in chosen:
            if total + costs[pid] <= pool.budget:
                fitting.append(pid)
                total += costs[pid]
        chosen = fitting
    return {str(pid): 1 for pid in chosen}


def cast_demo_ballots(municipality, edition: Edition, voters: int) -> int:
    """Write ``voters`` voter records and their ballots (bulk inserts); return the ballots written."""
    rng = random.Random(f"pb-demo-{municipality.slug}-{edition.year}")
    projects: dict[int, list[Proposal]] = {pool.id: [] for pool in edition.pools}
    for project in ballot_projects(municipality, edition):
        projects[project.pool_id].append(project)
    popularity = {project.id: rng.lognormvariate(0, 0.7) for pool_projects in projects.values() for project in pool_projects}
    city_pools = [pool for pool in edition.pools if pool.kind is not LevelKind.DISTRICT]
    districts = [pool for pool in edition.pools if pool.kind is LevelKind.DISTRICT]
    voting_days = max((edition.results_starts_at - edition.voting_starts_at).days, 1)
    # As the mixer does at the close: ballots carry the day they entered the box, not their voter's day.
    closed_on = edition.results_starts_at.date()
    records, ballots = [], []
    for n in range(voters):
        district = rng.choices(districts, weights=[pool.population or 1 for pool in districts])[0] if districts else None
        channel = Channel.PAPER if rng.random() < PAPER_SHARE else Channel.ONLINE
        day = (edition.voting_starts_at + timedelta(days=rng.randrange(voting_days))).date()
        code = hashlib.sha256(f"{municipality.slug}-{edition.id}-{n}".encode()).hexdigest()[:16].upper()
        choices = {str(pool.id): _choices(rng, pool, projects[pool.id], popularity) for pool in city_pools + [district] if pool and projects[pool.id]}
        invalid = channel is Channel.PAPER and rng.random() < INVALID_PAPER_SHARE
        records.append(dict(
            municipality_id=municipality.id, edition_id=edition.id, channel=channel, cast_on=day,
            identity_hash=hashlib.sha256(f"voter-{municipality.slug}-{edition.id}-{n}".encode()).hexdigest(),
            age_band=rng.choice(AGE_BANDS), sex=rng.choice("FM"), district_pool_ids=[district.id] if district else [],
        ))
        ballots.append(dict(
            municipality_id=municipality.id, edition_id=edition.id, channel=channel, cast_on=closed_on, choices=choices,
            receipt_hash=receipt_hash(code), is_valid=not invalid, invalid_reason="więcej znaków niż dozwolono" if invalid else "",
        ))
    # Shuffled apart, as the mixer writes them: no order or day links a voter record to a ballot.
    rng.shuffle(ballots)
    db.session.execute(insert(VoterRecord), records)
    db.session.execute(insert(Ballot), ballots)
    return len(ballots)


def publish_demo_results(municipality, edition: Edition, voters: int, protester, *, background_count: bool = False) -> None:
    """Ballots, one protest the panel dismissed, the count and its publication (as the system)."""
    cast_demo_ballots(municipality, edition, voters)
    lodged = edition.results_starts_at + timedelta(days=2)
    db.session.add(Protest(
        municipality_id=municipality.id, edition_id=edition.id, number=1, author_id=protester.id, lodged_at=lodged,
        grounds="W punkcie głosowania w bibliotece zabrakło kart do głosowania przez około godzinę.",
        status=ProtestStatus.DISMISSED, decided_at=lodged + timedelta(days=3),
        decision=(
            "Według protokołu punktu karty skończyły się o 14:10 i zostały uzupełnione o 14:55; w tym czasie mieszkańcy "
            "mogli głosować w drugim punkcie obok i przez internet. Zdarzenie nie wpłynęło na wynik głosowania."
        ),
    ))
    db.session.flush()
    if background_count:
        # As a large edition is counted: by a job, whose page shows how it went.
        with in_process():
            start_count(municipality, edition, actor=SYSTEM)
            db.session.commit()
    else:
        compute_results(municipality, edition, actor=SYSTEM)
    publish_results(municipality, edition, actor=SYSTEM, notify=False)
