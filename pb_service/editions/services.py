"""Creating and changing editions, their phases, levels, pools, categories and settings.

Every function takes the tenant and the actor, checks the permission, validates, records the
action in the audit log and flushes (the request or command commits). Nothing here reads the request.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from pb_service.core.audit import AuditEvent, object_ref, record_audit
from pb_service.core.models import utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.signals import category_removal
from pb_service.core.tenancy import cross_tenant_select, get_for_tenant, tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import (
    DATED_PHASES, DEFAULT_MIXING_BATCH, PHASE_START_COLUMNS, SMALLEST_MIXING_BATCH, BallotOrder, Category, Edition, Identification,
    LeftoverPolicy, Level, LevelKind, Verification, Phase, Pool,
)
from pb_service.editions.permissions import MANAGE_EDITIONS
from pb_service.editions.rule_choices import DEFAULT_OUTCOME_RULE, OFFERED_RULES, TIE_BREAKS, VotingMethod, rule_accepts
from pb_service.extensions import db

#: The act (art. 5a sec. 7 point 2): supporters required may not exceed 0.1 % of the residents.
MAX_SUPPORTERS_PER_MILLE = 1


# --- reading -------------------------------------------------------------------------------------


def editions_of(tenant, *, published_only: bool) -> list[Edition]:
    criteria = [Edition.is_published.is_(True)] if published_only else []
    statement = tenant_select(Edition, tenant, *criteria).order_by(Edition.year.desc(), Edition.id.desc())
    return list(db.session.scalars(statement))


def current_editions(tenant) -> list[Edition]:
    """Published editions that are not closed yet, the newest first."""
    return [edition for edition in editions_of(tenant, published_only=True) if edition.phase is not Phase.CLOSED]


def current_editions_everywhere() -> list[Edition]:
    """For the front page: every municipality's open published editions (public data only)."""
    statement = cross_tenant_select(Edition, reason="front page: open published editions").where(
        Edition.is_published.is_(True), Edition.closes_at > utcnow()
    ).order_by(Edition.voting_starts_at)
    return list(db.session.scalars(statement))


def phase_changes(tenant, edition: Edition) -> list[AuditEvent]:
    """The recorded early phase changes (with their reasons), for the public timeline."""
    statement = tenant_select(
        AuditEvent, tenant, AuditEvent.action == "edition.advance_phase", AuditEvent.object_ref == object_ref(edition)
    ).order_by(AuditEvent.created_at)
    return list(db.session.scalars(statement))


def pool_in_edition(tenant, edition: Edition, pool_id) -> Pool | None:
    """The pool with this id if it belongs to ``edition`` (of ``tenant``); never another's."""
    pool = get_for_tenant(db.session, Pool, tenant, pool_id)
    return pool if pool is not None and pool.edition_id == edition.id else None


def category_in_edition(tenant, edition: Edition, category_id) -> Category | None:
    category = get_for_tenant(db.session, Category, tenant, category_id)
    return category if category is not None and category.edition_id == edition.id else None


# --- phase rules -----------------------------------------------------------------------------------


def phase_list(phases) -> str:
    return ", ".join(phase.label for phase in phases)


def require_phase(edition: Edition, allowed, action) -> None:
    """Refuse ``action`` (a phrase such as "Submitting proposals") outside the ``allowed`` phases."""
    current = edition.phase
    if current not in allowed:
        raise ServiceValidationError.single(
            "",
            str(_l(
                "%(action)s is possible only in this phase of the edition: %(allowed)s. "
                "The edition is now in the phase: %(current)s.",
                action=action, allowed=phase_list(allowed), current=current.label,
            )),
        )


LOCKED_MESSAGE = _l("Voting has started, so the edition's voting settings, levels and pools can no longer change.")
#: Deadlines set by the statute or the municipality's resolution: residents rely on them once voting starts.
DEADLINE_FIELDS = ("appeal_days", "correction_days", "protest_days")


def _ensure_unlocked(edition: Edition) -> None:
    if edition.settings_locked:
        raise ServiceValidationError.single("", str(LOCKED_MESSAGE))


# --- editions ------------------------------------------------------------------------------------


@dataclass
class EditionData:
    name: str
    year: int
    #: Start of each dated phase, UTC-aware, keyed by the phase.
    starts: dict[Phase, datetime]
    closes_at: datetime
    description: str = ""
    resolution: str = ""
    appeal_days: int = 7
    correction_days: int = 7
    protest_days: int = 7


def _keep_stored_seconds(data: EditionData, existing: Edition) -> None:
    """The form shows minutes; a moment typed back unchanged keeps its stored seconds.

    A phase moved on early starts at the second it was moved, so without this the form could
    never be saved again: the unchanged moment would read as a change of a past date.
    """
    for phase in DATED_PHASES:
        stored, typed = getattr(existing, PHASE_START_COLUMNS[phase]), data.starts.get(phase)
        if typed is not None and stored is not None and typed == stored.replace(second=0, microsecond=0):
            data.starts[phase] = stored
    if data.closes_at is not None and existing.closes_at is not None \
            and data.closes_at == existing.closes_at.replace(second=0, microsecond=0):
        data.closes_at = existing.closes_at


def _validate_edition(tenant, data: EditionData, existing: Edition | None) -> None:
    if existing is not None:
        _keep_stored_seconds(data, existing)
    errors: dict[str, list[str]] = {}
    if not (data.name or "").strip():
        errors["name"] = [str(_l("Enter the edition's name."))]
    else:
        other = db.session.scalar(tenant_select(Edition, tenant, Edition.name == data.name.strip()))
        if other is not None and other is not existing:
            errors["name"] = [str(_l("Another edition already has this name."))]
    if data.year is None or not 2000 <= data.year <= 2100:
        errors["year"] = [str(_l("Enter a year between 2000 and 2100."))]
    for name, days in (("appeal_days", data.appeal_days), ("correction_days", data.correction_days), ("protest_days", data.protest_days)):
        if days is None or not 1 <= days <= 60:
            errors[name] = [str(_l("Enter a number of days from 1 to 60."))]
    moments = [(PHASE_START_COLUMNS[p], data.starts.get(p)) for p in DATED_PHASES] + [("closes_at", data.closes_at)]
    for (_, earlier), (name, later) in zip(moments, moments[1:]):
        if earlier is not None and later is not None and later <= earlier:
            errors.setdefault(name, []).append(str(_l("Each phase must start after the previous one.")))
    for name, value in moments:
        if value is None:
            errors.setdefault(name, []).append(str(_l("Enter the date and time.")))
    if existing is not None and existing.settings_locked:
        for name in DEADLINE_FIELDS:
            if getattr(data, name) != getattr(existing, name):
                errors.setdefault(name, []).append(str(LOCKED_MESSAGE))
    if existing is not None:
        now = utcnow()
        for name, value in moments:
            stored = getattr(existing, name)
            if stored <= now and value is not None and value != stored:
                errors.setdefault(name, []).append(
                    str(_l("This date has passed and cannot be changed; move the phase on instead."))
                )
    if errors:
        raise ServiceValidationError(errors)


def _apply_edition_data(edition: Edition, data: EditionData) -> None:
    edition.name = data.name.strip()
    edition.year = data.year
    edition.description = data.description or ""
    edition.resolution = (data.resolution or "").strip()
    edition.appeal_days = data.appeal_days
    edition.correction_days = data.correction_days
    edition.protest_days = data.protest_days
    for phase in DATED_PHASES:
        setattr(edition, PHASE_START_COLUMNS[phase], data.starts[phase])
    edition.closes_at = data.closes_at


def create_edition(tenant, data: EditionData, *, actor) -> Edition:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    _validate_edition(tenant, data, None)
    edition = Edition(municipality_id=tenant.id)
    _apply_edition_data(edition, data)
    db.session.add(edition)
    db.session.flush()
    record_audit(actor, tenant, "edition.create", edition, name=edition.name)
    db.session.flush()
    return edition


def update_edition(tenant, edition: Edition, data: EditionData, *, actor) -> Edition:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    _validate_edition(tenant, data, edition)
    _apply_edition_data(edition, data)
    record_audit(actor, tenant, "edition.update", edition, name=edition.name)
    db.session.flush()
    return edition


def publish_edition(tenant, edition: Edition, *, actor) -> None:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    if not edition.pools:
        raise ServiceValidationError.single("", str(_l("Add at least one pool before publishing the edition.")))
    edition.is_published = True
    record_audit(actor, tenant, "edition.publish", edition)
    db.session.flush()


def advance_phase(tenant, edition: Edition, reason: str, *, actor) -> Phase:
    """End the current phase now and start the next one; the reason is recorded and shown."""
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ServiceValidationError.single("reason", str(_l("Explain the reason in at least 10 characters.")))
    current = edition.phase
    now = utcnow()
    if current is Phase.CLOSED:
        raise ServiceValidationError.single("", str(_l("The edition is closed; there is no next phase.")))
    if current is Phase.ANNOUNCED:
        edition.submission_starts_at = now
        new = Phase.SUBMISSION
    elif current is Phase.IMPLEMENTATION:
        edition.closes_at = now
        new = Phase.CLOSED
    else:
        new = DATED_PHASES[DATED_PHASES.index(current) + 1]
        setattr(edition, PHASE_START_COLUMNS[new], now)
    record_audit(actor, tenant, "edition.advance_phase", edition, from_phase=current.value, to_phase=new.value, reason=reason)
    db.session.flush()
    return new


def shift_clock(tenant, edition: Edition, days: int, reason: str, *, actor) -> Phase:
    """Development only (the command refuses production): every date of the edition moves ``days``
    earlier, as if that much time had passed, e.g. past a protest window. Audited."""
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    if not 1 <= days <= 3650:
        raise ServiceValidationError.single("days", str(_l("Move the clock by 1 to 3650 days.")))
    for phase in DATED_PHASES:
        setattr(edition, PHASE_START_COLUMNS[phase], edition.starts_at(phase) - timedelta(days=days))
    edition.closes_at -= timedelta(days=days)
    record_audit(actor, tenant, "edition.shift_clock", edition, days=days, reason=(reason or "").strip(), phase=edition.phase.value)
    db.session.flush()
    return edition.phase


def _shift_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def copy_edition(tenant, source: Edition, name: str, year: int, *, actor) -> Edition:
    """A new, unpublished edition with the source's levels, pools, categories and settings.

    Dates move by the difference in years, so "BO 2027" keeps "BO 2026"'s calendar.
    """
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    years = (year or source.year) - source.year
    data = EditionData(
        name=name, year=year,
        starts={phase: _shift_years(source.starts_at(phase), years) for phase in DATED_PHASES},
        closes_at=_shift_years(source.closes_at, years),
        description=source.description, resolution="",
        appeal_days=source.appeal_days, correction_days=source.correction_days, protest_days=source.protest_days,
    )
    _validate_edition(tenant, data, None)
    # A copy of an edition imported from Pabulib gets an offered rule: greedy-threshold is greedy
    # with the pools' minimum, which every rule applies.
    rule = source.outcome_rule if source.outcome_rule in OFFERED_RULES else DEFAULT_OUTCOME_RULE
    edition = Edition(
        municipality_id=tenant.id, identification=source.identification, outcome_rule=rule,
        tie_break=source.tie_break, ballot_order=source.ballot_order, leftover_policy=source.leftover_policy,
    )
    _apply_edition_data(edition, data)
    db.session.add(edition)
    db.session.flush()
    new_pools = {}
    for level in source.levels:
        new_level = Level(
            municipality_id=tenant.id, edition_id=edition.id, name=level.name, kind=level.kind, position=level.position,
            method=level.method, min_choices=level.min_choices, max_choices=level.max_choices, points=list(level.points),
            total_points=level.total_points, must_use_all=level.must_use_all,
            budget_formula=dict(level.budget_formula) if level.budget_formula else None,
        )
        db.session.add(new_level)
        db.session.flush()
        for pool in level.pools:
            copy = Pool(municipality_id=tenant.id, edition_id=edition.id, level_id=new_level.id)
            for column in POOL_FIELDS:
                setattr(copy, column, getattr(pool, column))
            db.session.add(copy)
            db.session.flush()
            new_pools[pool.id] = copy.id
    edition.leftover_pool_id = new_pools.get(source.leftover_pool_id)
    for category in source.categories:
        db.session.add(Category(municipality_id=tenant.id, edition_id=edition.id, name=category.name, position=category.position))
    db.session.flush()
    record_audit(actor, tenant, "edition.copy", edition, source=object_ref(source), name=edition.name)
    db.session.flush()
    return edition


# --- settings --------------------------------------------------------------------------------------


@dataclass
class SettingsData:
    identification: Identification
    outcome_rule: str
    tie_break: str
    ballot_order: BallotOrder
    leftover_policy: LeftoverPolicy
    leftover_pool_id: int | None = None
    verification: Verification = Verification.NONE
    identities_per_phone: int = 5
    voter_register_required: bool = False
    api_ballots_enabled: bool = True
    paper_double_entry: bool = False
    mixing_batch_size: int = DEFAULT_MIXING_BATCH


def _rule_problems(rule: str, levels) -> list[str]:
    return [
        str(_l(
            "The rule “%(rule)s” needs approval ballots, but the level “%(level)s” votes by: %(method)s.",
            rule=rule, level=level.name, method=level.method.label,
        ))
        for level in levels
        if not rule_accepts(rule, level.method)
    ]


def update_settings(tenant, edition: Edition, data: SettingsData, *, actor) -> None:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    _ensure_unlocked(edition)
    errors: dict[str, list[str]] = {}
    if data.outcome_rule not in OFFERED_RULES:
        errors["outcome_rule"] = [str(_l("Choose one of the offered rules."))]
    else:
        problems = _rule_problems(data.outcome_rule, edition.levels)
        if problems:
            errors["outcome_rule"] = problems
    if data.tie_break not in TIE_BREAKS:
        errors["tie_break"] = [str(_l("Choose one of the offered tie-breaks."))]
    if data.leftover_policy is LeftoverPolicy.MOVES_TO_POOL:
        if data.leftover_pool_id is None or pool_in_edition(tenant, edition, data.leftover_pool_id) is None:
            errors["leftover_pool_id"] = [str(_l("Choose the pool of this edition that receives the leftover money."))]
    if data.identities_per_phone is None or data.identities_per_phone < 1:
        errors["identities_per_phone"] = [str(_l("Allow at least one person per phone number."))]
    if data.mixing_batch_size is None or data.mixing_batch_size < SMALLEST_MIXING_BATCH:
        errors["mixing_batch_size"] = [ngettext("Mix at least %(num)d ballot together.", "Mix at least %(num)d ballots together.", SMALLEST_MIXING_BATCH)]
    if errors:
        raise ServiceValidationError(errors)
    edition.identification = data.identification
    edition.verification = data.verification
    edition.identities_per_phone = data.identities_per_phone
    edition.voter_register_required = data.voter_register_required
    edition.api_ballots_enabled = data.api_ballots_enabled
    edition.paper_double_entry = data.paper_double_entry
    edition.mixing_batch_size = data.mixing_batch_size
    edition.outcome_rule = data.outcome_rule
    edition.tie_break = data.tie_break
    edition.ballot_order = data.ballot_order
    edition.leftover_policy = data.leftover_policy
    edition.leftover_pool_id = data.leftover_pool_id if data.leftover_policy is LeftoverPolicy.MOVES_TO_POOL else None
    record_audit(actor, tenant, "edition.settings", edition, outcome_rule=edition.outcome_rule, tie_break=edition.tie_break)
    db.session.flush()


def draw_ballot_lot(tenant, edition: Edition, *, actor) -> str:
    """Draw the ballot order once, when the ballot list is final; the seed is recorded for all to see."""
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    if edition.ballot_order is not BallotOrder.LOT:
        raise ServiceValidationError.single("", str(_l("This edition does not order its ballot by lot.")))
    if edition.ballot_lot_seed:
        raise ServiceValidationError.single("", str(_l("The ballot order has already been drawn.")))
    require_phase(edition, {Phase.APPEALS, Phase.VOTING}, _l("Drawing the ballot order"))
    edition.ballot_lot_seed = secrets.token_hex(16)
    record_audit(actor, tenant, "edition.draw_lot", edition, seed=edition.ballot_lot_seed)
    db.session.flush()
    return edition.ballot_lot_seed


# --- levels ----------------------------------------------------------------------------------------


@dataclass
class LevelData:
    name: str
    kind: LevelKind
    method: VotingMethod
    position: int = 0
    min_choices: int = 1
    max_choices: int | None = None
    points: list[int] = field(default_factory=list)
    total_points: int | None = None
    must_use_all: bool = False


def _validate_level(edition: Edition, data: LevelData) -> None:
    errors: dict[str, list[str]] = {}
    if not (data.name or "").strip():
        errors["name"] = [str(_l("Enter the level's name."))]
    if data.min_choices is None or data.min_choices < 0:
        errors["min_choices"] = [str(_l("Enter zero or a positive number."))]
    elif data.max_choices is not None and data.max_choices < max(1, data.min_choices):
        errors["max_choices"] = [str(_l("The most choices must be at least the fewest choices (and at least 1)."))]
    if data.method is VotingMethod.POINTS:
        if not data.points or any(p <= 0 for p in data.points) or data.points != sorted(data.points, reverse=True):
            errors["points"] = [str(_l("Enter positive points from the first choice down, e.g. 3, 2, 1."))]
    if data.method is VotingMethod.CUMULATIVE and (data.total_points is None or data.total_points < 1):
        errors["total_points"] = [str(_l("Enter how many points each voter spreads, e.g. 5."))]
    if not rule_accepts(edition.outcome_rule, data.method):
        errors["method"] = [str(_l(
            "The edition's outcome rule “%(rule)s” needs approval ballots; change the rule first.",
            rule=edition.outcome_rule,
        ))]
    if errors:
        raise ServiceValidationError(errors)


def save_level(tenant, edition: Edition, level: Level | None, data: LevelData, *, actor) -> Level:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    _ensure_unlocked(edition)
    _validate_level(edition, data)
    created = level is None
    if created:
        level = Level(municipality_id=tenant.id, edition_id=edition.id)
        db.session.add(level)
    level.name = data.name.strip()
    level.kind = data.kind
    level.position = data.position or 0
    level.method = data.method
    level.min_choices = data.min_choices
    level.max_choices = len(data.points) if data.method is VotingMethod.POINTS else data.max_choices
    level.points = list(data.points) if data.method is VotingMethod.POINTS else []
    level.total_points = data.total_points if data.method is VotingMethod.CUMULATIVE else None
    level.must_use_all = data.must_use_all if data.method in (VotingMethod.POINTS, VotingMethod.CUMULATIVE) else False
    db.session.flush()
    record_audit(actor, tenant, "level.create" if created else "level.update", level, name=level.name, method=level.method.value)
    db.session.flush()
    return level


def apply_budget_formula(tenant, level: Level, total: int, equal: int, population: int, area: int, *, actor) -> dict[int, int]:
    """Split ``total`` grosze over the level's pools: an equal part, by population and by area.

    Shares are whole percentages summing to 100 (Poznań: 50/30/20). Pools get whole grosze and
    the remainders go, largest first, to the pools that lost most to rounding, so the budgets
    add up to ``total`` exactly.
    """
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    _ensure_unlocked(level.edition)
    pools = level.pools
    errors: dict[str, list[str]] = {}
    if any(share is None or share < 0 for share in (equal, population, area)) or equal + population + area != 100:
        errors[""] = [str(_l("The three shares must be whole percentages that add up to 100."))]
    if total is None or total <= 0:
        errors["total"] = [str(_l("Enter the amount to split."))]
    if not pools:
        errors[""] = [str(_l("Add the level's pools first."))]
    if population and any(not pool.population for pool in pools):
        errors["population_share"] = [str(_l("Every pool of the level needs its population."))]
    if area and any(not pool.area_km2 for pool in pools):
        errors["area_share"] = [str(_l("Every pool of the level needs its area."))]
    if errors:
        raise ServiceValidationError(errors)
    weights = []
    total_population = sum(pool.population or 0 for pool in pools)
    total_area = sum(pool.area_km2 or Decimal(0) for pool in pools)
    for pool in pools:
        weight = Decimal(equal) / len(pools)
        if population:
            weight += Decimal(population) * pool.population / total_population
        if area:
            weight += Decimal(area) * pool.area_km2 / total_area
        weights.append(weight)
    exact = [Decimal(total) * weight / 100 for weight in weights]
    budgets = [int(amount) for amount in exact]
    by_remainder = sorted(range(len(pools)), key=lambda i: exact[i] - budgets[i], reverse=True)
    for i in by_remainder[: total - sum(budgets)]:
        budgets[i] += 1
    for pool, budget in zip(pools, budgets):
        pool.budget = budget
    level.budget_formula = {"total": total, "equal": equal, "population": population, "area": area}
    record_audit(actor, tenant, "level.budget_formula", level, **level.budget_formula)
    db.session.flush()
    return {pool.id: pool.budget for pool in pools}


# --- pools -----------------------------------------------------------------------------------------

#: The pool's own settings (what :func:`copy_edition` copies).
POOL_FIELDS = (
    "name", "position", "budget", "population", "area_km2", "min_project_cost", "max_project_cost",
    "max_project_cost_percent", "required_supporters", "min_votes",
)


@dataclass
class PoolData:
    name: str
    level_id: int
    budget: int
    position: int = 0
    population: int | None = None
    area_km2: Decimal | None = None
    min_project_cost: int | None = None
    max_project_cost: int | None = None
    max_project_cost_percent: int | None = None
    required_supporters: int = 0
    min_votes: int = 0


def max_supporters(population: int | None) -> int | None:
    return None if population is None else population * MAX_SUPPORTERS_PER_MILLE // 1000


def _validate_pool(tenant, edition: Edition, data: PoolData) -> Level | None:
    errors: dict[str, list[str]] = {}
    level = get_for_tenant(db.session, Level, tenant, data.level_id)
    if level is None or level.edition_id != edition.id:
        errors["level_id"] = [str(_l("Choose a level of this edition."))]
        level = None
    if not (data.name or "").strip():
        errors["name"] = [str(_l("Enter the pool's name."))]
    if data.budget is None or data.budget <= 0:
        errors["budget"] = [str(_l("Enter the pool's budget."))]
    if data.population is not None and data.population < 1:
        errors["population"] = [str(_l("Population must be a positive number."))]
    if data.area_km2 is not None and data.area_km2 <= 0:
        errors["area_km2"] = [str(_l("Area must be a positive number."))]
    if level is not None and level.kind is LevelKind.DISTRICT and not data.population:
        errors["population"] = [str(_l("A district pool needs its population."))]
    if data.max_project_cost_percent is not None and not 1 <= data.max_project_cost_percent <= 100:
        errors["max_project_cost_percent"] = [str(_l("Enter a percentage from 1 to 100."))]
    if data.min_project_cost is not None and data.max_project_cost is not None and data.min_project_cost > data.max_project_cost:
        errors["max_project_cost"] = [str(_l("The highest cost must not be lower than the lowest cost."))]
    if data.max_project_cost is not None and data.budget and data.max_project_cost > data.budget:
        errors["max_project_cost"] = [str(_l("The highest cost cannot exceed the pool's budget."))]
    population = data.population or tenant.population
    if data.required_supporters is None or data.required_supporters < 0:
        errors["required_supporters"] = [str(_l("Enter zero or a positive number."))]
    elif data.required_supporters > max_supporters(population):
        errors["required_supporters"] = [str(_l(
            "By the act, at most 0.1%% of the residents may be required: %(limit)s for %(population)s residents.",
            limit=max_supporters(population), population=population,
        ))]
    if data.min_votes is None or data.min_votes < 0:
        errors["min_votes"] = [str(_l("Enter zero or a positive number."))]
    if errors:
        raise ServiceValidationError(errors)
    return level


def save_pool(tenant, edition: Edition, pool: Pool | None, data: PoolData, *, actor) -> Pool:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    _ensure_unlocked(edition)
    level = _validate_pool(tenant, edition, data)
    created = pool is None
    if created:
        pool = Pool(municipality_id=tenant.id, edition_id=edition.id)
        db.session.add(pool)
    pool.level_id = level.id
    for column in POOL_FIELDS:
        value = getattr(data, column)
        setattr(pool, column, value.strip() if isinstance(value, str) else value)
    pool.position = data.position or 0
    db.session.flush()
    record_audit(actor, tenant, "pool.create" if created else "pool.update", pool, name=pool.name, budget=pool.budget)
    db.session.flush()
    db.session.refresh(pool)
    return pool


# --- categories ------------------------------------------------------------------------------------


def add_category(tenant, edition: Edition, name: str, *, actor) -> Category:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    name = (name or "").strip()
    if not name:
        raise ServiceValidationError.single("name", str(_l("Enter the category's name.")))
    if any(category.name.lower() == name.lower() for category in edition.categories):
        raise ServiceValidationError.single("name", str(_l("This edition already has this category.")))
    position = max((category.position for category in edition.categories), default=0) + 1
    category = Category(municipality_id=tenant.id, edition_id=edition.id, name=name, position=position)
    db.session.add(category)
    db.session.flush()
    record_audit(actor, tenant, "category.create", category, name=name)
    db.session.flush()
    return category


def remove_category(tenant, category: Category, *, actor) -> None:
    ensure_permission(actor, MANAGE_EDITIONS, tenant)
    reasons = [reason for _receiver, reason in category_removal.send(tenant, category=category) if reason]
    if reasons:
        raise ServiceValidationError.single("", reasons[0])
    record_audit(actor, tenant, "category.delete", category, name=category.name)
    db.session.delete(category)
    db.session.flush()

