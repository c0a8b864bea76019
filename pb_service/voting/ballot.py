"""The ballot of an edition as voters see it: levels, pools, projects in ballot order.

Built once per edition and process and reused: during voting the settings and the list of
projects are locked, so the cache key (edition id and its last change) never goes stale while
it matters, and a request casting a ballot reads no project rows.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from pb_service.core.cache import ProcessCache
from pb_service.editions.models import BallotOrder, Category, Edition, Level, LevelKind, Pool
from pb_service.proposals.models import Proposal
from pb_service.proposals.services import ballot_projects
from pb_service.voting.choices import MethodSpec, validate_pool_choices


@dataclass(frozen=True)
class BallotProject:
    id: int
    number: int | None
    title: str
    summary: str
    cost: int
    category: str


@dataclass(frozen=True)
class BallotPool:
    id: int
    name: str
    budget: int
    projects: tuple[BallotProject, ...]

    @property
    def costs(self) -> dict[int, int]:
        return {project.id: project.cost for project in self.projects}


@dataclass(frozen=True)
class BallotLevel:
    id: int
    name: str
    kind: LevelKind
    spec: MethodSpec
    pools: tuple[BallotPool, ...]

    @property
    def is_district(self) -> bool:
        """A voter votes in one pool of a district level and in every pool of the others."""
        return self.kind is LevelKind.DISTRICT


@dataclass(frozen=True)
class BallotSpec:
    edition_id: int
    levels: tuple[BallotLevel, ...]
    #: The seed of the order drawn by lot, or None for a random order per voter.
    lot_seed: str | None

    def pool(self, pool_id: int) -> tuple[BallotLevel, BallotPool] | None:
        for level in self.levels:
            for pool in level.pools:
                if pool.id == pool_id:
                    return level, pool
        return None

    def voter_pools(self, districts: dict[int, int]) -> list[tuple[BallotLevel, BallotPool]]:
        """The pools a voter votes in, given their district pool per district level."""
        chosen = []
        for level in self.levels:
            if level.is_district:
                chosen += [(level, pool) for pool in level.pools if pool.id == districts.get(level.id)]
            else:
                chosen += [(level, pool) for pool in level.pools]
        return chosen

    def ordered(self, pool: BallotPool, voter_seed: str | None) -> list[BallotProject]:
        """The pool's projects in ballot order: the recorded lot, else the voter's own shuffle."""
        projects = sorted(pool.projects, key=lambda p: (p.number or 0, p.id))
        seed = self.lot_seed or voter_seed
        if seed:
            random.Random(f"{seed}:{pool.id}").shuffle(projects)
        return projects


def new_voter_seed() -> str:
    return secrets.token_hex(8)


def ballot_spec(tenant, edition: Edition) -> BallotSpec:
    """The edition's ballot, kept per process (:mod:`pb_service.core.cache`).

    During voting neither the settings nor the projects on the ballot can change (the phase
    rules lock them), so a kept spec is exact where it matters; a change is seen at once by the
    process that makes it, and by the others within seconds (officials' previews before voting).
    """
    return BALLOT_SPECS.get_or_build((tenant.id, edition.id, edition.updated_at), lambda: _build_spec(tenant, edition))


#: Ballots of recently used editions in this process.
BALLOT_SPECS = ProcessCache("ballot specs", (Edition, Level, Pool, Category, Proposal), lifetime=10)


def _build_spec(tenant, edition: Edition) -> BallotSpec:
    projects_by_pool: dict[int, list[BallotProject]] = {}
    for proposal in ballot_projects(tenant, edition):
        projects_by_pool.setdefault(proposal.pool_id, []).append(BallotProject(
            proposal.id, proposal.number, proposal.title, proposal.summary, proposal.cost,
            proposal.category.name if proposal.category else "",
        ))
    levels = []
    for level in edition.levels:
        spec = MethodSpec(
            level.method.value, level.min_choices, level.max_choices, tuple(level.points or ()),
            level.total_points, level.must_use_all,
        )
        pools = tuple(
            BallotPool(pool.id, pool.name, pool.budget, tuple(projects_by_pool.get(pool.id, ())))
            for pool in level.pools
        )
        levels.append(BallotLevel(level.id, level.name, level.kind, spec, pools))
    lot_seed = edition.ballot_lot_seed if edition.ballot_order is BallotOrder.LOT else None
    return BallotSpec(edition.id, tuple(levels), lot_seed)


@dataclass
class CheckedChoices:
    districts: dict[int, int]
    #: {pool id: {project id: points}} for the pools the voter chose in.
    choices: dict[int, dict[int, int]]
    #: Problems per level id ("" for the ballot as a whole).
    errors: dict[str, list[str]]


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def check_choices(spec: BallotSpec, raw_districts, raw_choices) -> CheckedChoices:
    """Validate districts and choices against the ballot; every problem is named by its level."""
    errors: dict[str, list[str]] = {}
    districts: dict[int, int] = {}
    raw_districts = raw_districts if isinstance(raw_districts, dict) else {}
    raw_choices = raw_choices if isinstance(raw_choices, dict) else None
    if raw_choices is None:
        return CheckedChoices({}, {}, {"": [str(_l("The choices are not in a form we understand."))]})
    for level in spec.levels:
        if not level.is_district:
            continue
        pool_id = _as_int(raw_districts.get(str(level.id), raw_districts.get(level.id)))
        if pool_id is not None and any(pool.id == pool_id for pool in level.pools):
            districts[level.id] = pool_id
        elif pool_id is not None:
            errors[str(level.id)] = [str(_l("Choose one of this level's districts."))]
    allowed = {pool.id: (level, pool) for level, pool in spec.voter_pools(districts)}
    choices: dict[int, dict[int, int]] = {}
    for key, raw in raw_choices.items():
        pool_id = _as_int(key)
        if pool_id not in allowed:
            errors.setdefault("", []).append(str(_l("Some choices are for a pool that is not on your ballot.")))
            continue
        level, pool = allowed[pool_id]
        checked = validate_pool_choices(level.spec, pool.costs, pool.budget, raw)
        if checked.errors:
            errors.setdefault(str(level.id), []).extend(checked.errors)
        elif checked.points:
            choices[pool_id] = checked.points
    if not choices and not errors:
        errors[""] = [str(_l("Choose at least one project."))]
    return CheckedChoices(districts, choices if not errors else {}, errors)
