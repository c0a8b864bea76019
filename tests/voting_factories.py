"""A voting edition: a city-wide level and a district level with two districts, projects on the ballot."""
from __future__ import annotations

from dataclasses import dataclass

from pb_service.editions.models import Edition, Identification, LevelKind, Phase, Pool
from pb_service.editions.rule_choices import VotingMethod
from pb_service.proposals.models import Proposal, Status
from tests.editions_factories import make_edition, make_level, make_pool, make_proposal
from tests.factories import make_municipality, make_user

PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def pesel(first_ten: str) -> str:
    """A valid PESEL from its first ten digits (the check digit added)."""
    return first_ten + str((10 - sum(w * int(d) for w, d in zip(PESEL_WEIGHTS, first_ten)) % 10) % 10)


def pesel_of(n: int) -> str:
    """A distinct valid PESEL per ``n``: born 1 March 1985, serial ``n``."""
    return pesel(f"850301{n:04d}")


@dataclass
class VotingEdition:
    municipality: object
    edition: Edition
    city_pool: Pool
    districts: list[Pool]
    city_projects: list[Proposal]
    district_projects: dict[int, list[Proposal]]

    @property
    def city_level_id(self) -> int:
        return self.city_pool.level_id

    @property
    def district_level_id(self) -> int:
        return self.districts[0].level_id


def make_voting_edition(session, municipality=None, *, method=VotingMethod.APPROVAL, identification=Identification.PESEL,
                        phase=Phase.VOTING, level_fields=None, **edition_fields) -> VotingEdition:
    municipality = municipality or make_municipality(session)
    edition = make_edition(session, municipality, phase, identification=identification, **edition_fields)
    level_fields = level_fields or {"min_choices": 1, "max_choices": 3}
    city_level = make_level(session, edition, LevelKind.CITY, method, name="Ogólnomiejski", position=1, **level_fields)
    district_level = make_level(session, edition, LevelKind.DISTRICT, method, name="Dzielnice", position=2, **level_fields)
    city_pool = make_pool(session, edition, city_level, name="Cała gmina", budget=1_000_000_00)
    districts = [make_pool(session, edition, district_level, name=name, budget=300_000_00) for name in ("Oliwa", "Wrzeszcz")]
    author = make_user(session)
    city_projects = [make_proposal(session, city_pool, author, Status.ADMITTED, cost) for cost in (400_000_00, 350_000_00, 300_000_00, 100_000_00)]
    district_projects = {
        pool.id: [make_proposal(session, pool, author, Status.ADMITTED, cost) for cost in (200_000_00, 150_000_00, 90_000_00)]
        for pool in districts
    }
    session.commit()
    return VotingEdition(municipality, edition, city_pool, districts, city_projects, district_projects)


def identity(n: int = 1, **overrides) -> dict:
    return {"pesel": pesel_of(n), "first_name": "Anna", "last_name": "Nowak", "declaration": True, **overrides}


def api_ballot(ve: VotingEdition, n: int = 1, **overrides) -> dict:
    district = ve.districts[0]
    body = {
        "identity": identity(n),
        "districts": {str(ve.district_level_id): str(district.id)},
        "choices": {
            str(ve.city_pool.id): [ve.city_projects[0].id, ve.city_projects[3].id],
            str(district.id): [ve.district_projects[district.id][1].id],
        },
    }
    body.update(overrides)
    return body


def ballots_url(ve: VotingEdition) -> str:
    return f"/api/v1/municipalities/{ve.municipality.slug}/editions/{ve.edition.id}/ballots"


def end_voting(session, edition: Edition) -> None:
    """Voting ended an hour ago: the edition is in its results phase."""
    from datetime import timedelta

    from pb_service.core.models import utcnow

    edition.results_starts_at = utcnow() - timedelta(hours=1)
    session.commit()


def ballots_in_box(session) -> list[dict]:
    """Every cast ballot of every edition, mixed or still sealed in the box: what the count will
    read. Sealed ones are opened with the app's VOTER_SECRET, as only the operator could."""
    from pb_service.core.tenancy import cross_tenant_select
    from pb_service.voting.mixing import SEALED_BALLOT
    from pb_service.voting.models import Ballot, SealedBallot
    from pb_service.voting.sealing import unseal

    reason = "test: what the ballot box holds"
    mixed = [
        {"channel": b.channel.value, "is_valid": b.is_valid, "invalid_reason": b.invalid_reason, "receipt_hash": b.receipt_hash, "choices": b.choices}
        for b in session.scalars(cross_tenant_select(Ballot, reason=reason))
    ]
    sealed = [
        unseal(session.get(Edition, row.edition_id), SEALED_BALLOT, row.sealed)
        for row in session.scalars(cross_tenant_select(SealedBallot, reason=reason))
    ]
    return mixed + sealed
