"""Factories for results: ballots and voter records in the shape the voting pipeline writes them."""
from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass
from datetime import date

from pb_service.editions.models import LevelKind, Phase
from pb_service.editions.rule_choices import VotingMethod
from pb_service.proposals.models import Status
from pb_service.voting.services import receipt_hash
from pb_service.voting.models import Ballot, Channel, VoterRecord
from tests.editions_factories import make_edition, make_level, make_pool, make_proposal
from tests.factories import make_user

_receipts = itertools.count(1)


def new_receipt_code() -> str:
    """A receipt code as the voting pipeline prints it (XXXX-XXXX-XXXX-XXXX)."""
    raw = hashlib.sha256(f"receipt-{next(_receipts)}-{random.random()}".encode()).hexdigest().upper()[:16]
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def cast_ballot(session, edition, choices: dict, *, channel: Channel = Channel.ONLINE, valid: bool = True,
                invalid_reason: str = "", district_pool_ids=()) -> str:
    """Write the voter record and the ballot (as the pipeline does, in one go); return the receipt code.

    ``choices`` is {pool id: {project id: points}}.
    """
    code = new_receipt_code()
    session.add(VoterRecord(
        municipality_id=edition.municipality_id, edition_id=edition.id, identity_hash=hashlib.sha256(code.encode()).hexdigest(),
        channel=channel, district_pool_ids=list(district_pool_ids), cast_on=date.today(),
    ))
    session.add(Ballot(
        municipality_id=edition.municipality_id, edition_id=edition.id, receipt_hash=receipt_hash(code), channel=channel,
        choices={str(pool): {str(project): points for project, points in chosen.items()} for pool, chosen in choices.items()},
        is_valid=valid, invalid_reason=invalid_reason, cast_on=date.today(),
    ))
    return code


def admitted_projects(session, pool, author, costs) -> list:
    return [make_proposal(session, pool, author, Status.ADMITTED, cost=cost) for cost in costs]


def voting_edition(session, municipality, *, phase: Phase = Phase.VOTING, **fields):
    """An edition with a city-wide approval pool (5 projects, choose up to 3) and two district pools
    voting 3/2/1 points (4 projects each); returns (edition, city pool, district pools, projects by pool)."""
    edition = make_edition(session, municipality, phase, **fields)
    city_level = make_level(session, edition, LevelKind.CITY, VotingMethod.APPROVAL, min_choices=1, max_choices=3)
    district_level = make_level(session, edition, LevelKind.DISTRICT, VotingMethod.POINTS, points=[3, 2, 1], max_choices=3)
    city = make_pool(session, edition, city_level, budget=1_000_000_00, max_project_cost=None)
    districts = [make_pool(session, edition, district_level, budget=300_000_00, population=20_000, max_project_cost=None) for _ in range(2)]
    author = make_user(session)
    projects = {city.id: admitted_projects(session, city, author, [400_000_00, 350_000_00, 300_000_00, 250_000_00, 200_000_00])}
    for pool in districts:
        projects[pool.id] = admitted_projects(session, pool, author, [150_000_00, 120_000_00, 100_000_00, 80_000_00])
    session.refresh(edition)
    return edition, city, districts, projects


@dataclass(frozen=True)
class Cast:
    receipt: str
    #: {pool id: {project id: points}}, as the voter chose.
    choices: dict


def cast_random_ballots(session, edition, city, districts, projects, count: int, seed: int = 7) -> list[Cast]:
    """``count`` valid ballots with skewed preferences (so that outcomes are clear, not ties)."""
    rng = random.Random(seed)
    cast = []
    for n in range(count):
        district = districts[n % len(districts)]
        city_ids = [p.id for p in projects[city.id]]
        chosen_city = rng.choices(city_ids, weights=[9, 3, 7, 2, 5], k=3)
        ranked = rng.sample([p.id for p in projects[district.id]], k=3)
        if rng.random() < 0.6:  # the first district project is popular
            first = projects[district.id][0].id
            ranked = [first] + [pid for pid in ranked if pid != first][:2]
        choices = {
            city.id: {pid: 1 for pid in dict.fromkeys(chosen_city)},
            district.id: dict(zip(ranked, (3, 2, 1))),
        }
        channel = Channel.PAPER if n % 5 == 0 else Channel.ONLINE
        cast.append(Cast(cast_ballot(session, edition, choices, channel=channel, district_pool_ids=[district.id]), choices))
    session.flush()
    return cast
