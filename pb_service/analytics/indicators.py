"""The indicators of one edition: one definition each (docs/analytics.md explains them).

:func:`compute_indicators` reads one municipality's data (every query is scoped to it) and
returns the values; :func:`refresh_indicators` stores them as the edition's one
:class:`EditionIndicators` row, which is all that dashboards and open data ever read.
"""
from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Text, cast, func, select

from pb_service.analytics.models import (
    VOTERS_IDS_PER_FILE, VOTERS_NOT_CHECKED, EditionIndicators, ImplementationStatus, ImplementationUpdate, MunicipalExpenditure,
    PabulibImport,
)
from pb_service.analytics.registry import PB_DISTRICTS
from pb_service.core.models import utcnow
from pb_service.core.tenancy import edition_select, of_edition, scoped_to, tenant_select
from pb_service.editions.models import Edition, LevelKind
from pb_service.extensions import db
from pb_service.proposals.models import BALLOT_STATUSES, Proposal, ProposalEvent, Stage, Status
from pb_service.results.models import ResultCount
from pb_service.results.services import published_count
from pb_service.rules import compute, parse_pabulib
from pb_service.voting.models import Ballot, Channel, VoterRecord

#: Groups of voters smaller than this are not shown (statistical disclosure control).
SMALL_COUNT = 10
UNKNOWN = "unknown"

#: The rule each rule is compared with for the fairness indicator: greedy ↔ equal shares.
EQUAL_SHARES = "equalshares"
GREEDY = "greedy"


def alternative_rule(rule: str) -> str:
    """Equal shares (with the completion cities use) for greedy editions, greedy for the others."""
    return EQUAL_SHARES if rule.startswith("greedy") else GREEDY


def suppress_small_counts(counts: dict[str, int]) -> dict[str, int | None]:
    """Counts under :data:`SMALL_COUNT` become None.

    When exactly one cell is hidden, the next smallest is hidden too: otherwise the total
    (published elsewhere) minus the shown cells would give the hidden one away.
    """
    shown: dict[str, int | None] = {key: (value if value >= SMALL_COUNT else None) for key, value in counts.items()}
    hidden = [key for key, value in shown.items() if value is None and counts[key] > 0]
    if len(hidden) == 1:
        others = sorted((value, key) for key, value in shown.items() if value is not None and value > 0)
        if others:
            shown[others[0][1]] = None
    return shown


def _ratio(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


@dataclass
class _Voters:
    total: int
    channels: Counter
    ages: Counter
    sexes: Counter


def _voters(tenant, edition: Edition, channel_unknown_pools: set[int]) -> _Voters:
    """Voter records by channel, age band and sex (no identity is read): the database groups
    identical records, so a city's 90,000 voters are a few hundred rows to read."""
    pools = cast(VoterRecord.district_pool_ids, Text)
    statement = edition_select(
        VoterRecord, edition, columns=[VoterRecord.channel, VoterRecord.age_band, VoterRecord.sex, pools, func.count()]
    ).group_by(VoterRecord.channel, VoterRecord.age_band, VoterRecord.sex, pools)
    channels, ages, sexes = Counter(), Counter(), Counter()
    total = 0
    for channel, age_band, sex, pools_text, voters in db.session.execute(statement):
        total += voters
        pool_ids = json.loads(pools_text) if channel_unknown_pools and pools_text else ()
        # Imported files without a voting_method column were written as online: say "unknown"
        # when none of the person's files said how she voted.
        unknown = bool(pool_ids) and all(int(pid) in channel_unknown_pools for pid in pool_ids)
        channels[UNKNOWN if unknown else Channel(channel).value] += voters
        ages[age_band or UNKNOWN] += voters
        sexes[sex if sex in ("F", "M") else UNKNOWN] += voters
    return _Voters(total, channels, ages, sexes)


def _ballot_choices(tenant, edition: Edition) -> tuple[Counter, int]:
    """Valid ballots' choice texts, identical ones grouped (as counting reads them), and invalid ones."""
    valid = edition_select(Ballot, edition, Ballot.is_valid.is_(True), columns=[cast(Ballot.choices, Text)])
    invalid = edition_select(Ballot, edition, Ballot.is_valid.is_(False), columns=[func.count()])
    return Counter(db.session.execute(valid).scalars()), db.session.scalar(invalid) or 0


def _chosen(text: str) -> set[int]:
    return {int(pid) for chosen in json.loads(text).values() for pid, points in (chosen or {}).items() if points}


def _satisfied_share(choices: list[tuple[set[int], int]], funded: set[int]) -> float | None:
    """Share of valid ballots that chose at least one funded project (``choices``: each distinct
    ballot's chosen projects and how many ballots chose them)."""
    total = sum(voters for _chosen_ids, voters in choices)
    satisfied = sum(voters for chosen_ids, voters in choices if chosen_ids & funded)
    return _ratio(satisfied, total)


def _alternative_funded(count: ResultCount, rule: str) -> set[int]:
    """The projects ``rule`` would fund on the same ballots, pool by pool (the rules engine decides).

    Each pool is read from the Pabulib file its published result holds (the very instance the
    count computed: projects by proposal id, budget, ballots), so the ballots are not read and
    counted again. Equal shares with cost utilities only asks whether a voter chose a project, so
    it also runs on points ballots: a project given any points counts as chosen.
    """
    funded: set[int] = set()
    for pool_result in count.pools:
        if not pool_result.voters:
            continue
        instance = parse_pabulib(pool_result.pabulib, source=pool_result.pabulib_filename)
        funded |= {int(pid) for pid in compute(instance, rule).selected}
    return funded


def _proposal_counts(tenant, edition: Edition) -> dict[str, int]:
    def count(*criteria) -> int:
        statement = edition_select(Proposal, edition, *criteria, columns=[func.count(func.distinct(Proposal.id))])
        return db.session.scalar(statement) or 0

    def count_events(*criteria) -> int:
        statement = scoped_to(
            select(func.count(func.distinct(ProposalEvent.proposal_id))).join(Proposal, Proposal.id == ProposalEvent.proposal_id).where(
                *of_edition(Proposal, edition), *criteria
            ),
            tenant,
        )
        return db.session.scalar(statement) or 0

    return {
        "proposals_submitted": count(Proposal.submitted_at.is_not(None)),
        "proposals_admitted": count(Proposal.status.in_(BALLOT_STATUSES)),
        "proposals_rejected": count(Proposal.status == Status.REJECTED),
        "proposals_appealed": count_events(ProposalEvent.to_status == Status.APPEALED),
        "appeals_upheld": count_events(
            ProposalEvent.stage == Stage.APPEAL, ProposalEvent.from_status == Status.APPEALED, ProposalEvent.to_status != Status.REJECTED,
        ),
    }


def updates_by_project(tenant, proposal_ids: list[int]) -> dict[int, list[ImplementationUpdate]]:
    """Each project's implementation updates, oldest first."""
    if not proposal_ids:
        return {}
    statement = tenant_select(ImplementationUpdate, tenant, ImplementationUpdate.proposal_id.in_(proposal_ids)).order_by(
        ImplementationUpdate.created_at, ImplementationUpdate.id
    )
    updates: dict[int, list[ImplementationUpdate]] = {pid: [] for pid in proposal_ids}
    for update in db.session.scalars(statement):
        updates[update.proposal_id].append(update)
    return updates


def implementation_indicators(tenant, funded: dict[int, int]) -> dict:
    """Status counts, completion rate, median delay and cost ratio of the funded projects.

    ``funded`` maps proposal id → cost on the ballot (grosze). A project without updates is
    planned; with no update on any project, the completion rate is unknown (None). The delay is measured from the *first* planned end any update gave, so a plan that
    slips shows as delay instead of being rewritten away.
    """
    statuses: Counter = Counter()
    delays, actual, estimated = [], 0, 0
    by_project = updates_by_project(tenant, list(funded))
    # Nothing reported at all (e.g. imported history): the rate is unknown, not zero.
    reported = any(by_project.values())
    for pid, updates in by_project.items():
        status = updates[-1].status if updates else ImplementationStatus.PLANNED
        statuses[status] += 1
        if status is not ImplementationStatus.COMPLETED:
            continue
        planned = next((u.planned_end_on for u in updates if u.planned_end_on), None)
        completed = next((u.completed_on for u in reversed(updates) if u.completed_on), None)
        if planned and completed:
            delays.append((completed - planned).days)
        cost = next((u.actual_cost for u in reversed(updates) if u.actual_cost is not None), None)
        if cost is not None:
            actual += cost
            estimated += funded[pid]
    return {
        "impl_planned": statuses[ImplementationStatus.PLANNED],
        "impl_in_progress": statuses[ImplementationStatus.IN_PROGRESS],
        "impl_completed": statuses[ImplementationStatus.COMPLETED],
        "impl_abandoned": statuses[ImplementationStatus.ABANDONED],
        "completion_rate": _ratio(statuses[ImplementationStatus.COMPLETED], len(funded)) if reported else None,
        "median_delay_days": float(statistics.median(delays)) if delays else None,
        "cost_ratio": _ratio(actual, estimated),
    }


def partial_coverage(tenant, edition: Edition, imports: list[PabulibImport]) -> bool:
    """Whether an imported edition misses voters: it has no city-wide (or thematic) pool, and
    its district files do not cover every district the municipality has (unknown: missing)."""
    if not imports or any(pool.kind is not LevelKind.DISTRICT for pool in edition.pools):
        return False
    districts = PB_DISTRICTS.get(tenant.slug)
    return districts is None or len({record.district for record in imports if record.district}) < districts


def voters_unknown(imports: list[PabulibImport]) -> str:
    """Why an imported edition's voters are not knowable ("" when they are): one file, or files
    that share one numbering of voters, tell people apart."""
    if len(imports) <= 1 or all(record.voter_ids_shared for record in imports):
        return ""
    if any(record.voter_ids_shared is False for record in imports):
        return VOTERS_IDS_PER_FILE
    return VOTERS_NOT_CHECKED


def compute_indicators(tenant, edition: Edition) -> dict | None:
    """Every indicator of the edition, or None before its results are published."""
    count: ResultCount | None = published_count(tenant, edition)
    if count is None:
        return None
    imports = list(db.session.scalars(edition_select(PabulibImport, edition)))
    population = tenant.population
    budget_total = edition.total_budget
    expenditure = db.session.scalar(
        tenant_select(MunicipalExpenditure, tenant, MunicipalExpenditure.year == edition.year).with_only_columns(MunicipalExpenditure.amount)
    )
    values: dict = {
        "year": edition.year,
        "source": "pabulib" if imports else "platform",
        "partial_coverage": partial_coverage(tenant, edition, imports),
        "population": population,
        "budget_total": budget_total,
        "budget_per_resident": budget_total / 100 / population,
        "expenditure": expenditure,
        "budget_share_of_expenditure": _ratio(budget_total, expenditure),
    }
    # Imported history knows only the projects on the ballot, not the proposals before them.
    if imports:
        values.update(proposals_submitted=None, proposals_admitted=None, proposals_rejected=None, proposals_appealed=None, appeals_upheld=None)
    else:
        values.update(_proposal_counts(tenant, edition))

    projects = [project for pool in count.pools for project in pool.projects]
    values["projects_on_ballot"] = len(projects)

    choice_texts, invalid = _ballot_choices(tenant, edition)
    # Each distinct ballot's JSON is read once, for the votes per voter and both fairness shares.
    choices = [(_chosen(text), voters) for text, voters in choice_texts.items()]
    valid_ballots = sum(choice_texts.values())
    values.update(voters_unknown=voters_unknown(imports), invalid_ballots=invalid)
    if values["voters_unknown"]:
        # A person in several files would be counted once per file: no count of people at all.
        values.update(
            voters=None, turnout=None, voters_online=None, voters_paper=None, voters_channel_unknown=None,
            votes_per_voter=None, voters_by_age={}, voters_by_sex={},
        )
    else:
        voters = _voters(tenant, edition, {i.pool_id for i in imports if not i.has_channel})
        values.update(
            voters=voters.total,
            turnout=voters.total / population,
            voters_online=voters.channels[Channel.ONLINE.value],
            voters_paper=voters.channels[Channel.PAPER.value],
            voters_channel_unknown=voters.channels[UNKNOWN],
            votes_per_voter=(sum(len(chosen_ids) * n for chosen_ids, n in choices) / valid_ballots) if valid_ballots else 0.0,
            voters_by_age=suppress_small_counts(dict(sorted(voters.ages.items()))),
            voters_by_sex=suppress_small_counts(dict(sorted(voters.sexes.items()))),
        )

    funded = [project for project in projects if project.selected]
    funded_cost = sum(project.cost for project in funded)
    by_category: dict[str, dict] = {}
    for project in funded:
        category = project.proposal.category.name if project.proposal.category else ""
        entry = by_category.setdefault(category, {"count": 0, "cost": 0})
        entry["count"] += 1
        entry["cost"] += project.cost
    values.update(
        funded_count=len(funded),
        funded_cost=funded_cost,
        funded_share=_ratio(funded_cost, budget_total) or 0.0,
        leftover=sum(pool.remaining for pool in count.pools),
        funded_by_category=dict(sorted(by_category.items())),
        funded_by_pool={
            pool.pool.name: {"count": len(pool.funded), "cost": sum(p.cost for p in pool.funded), "budget": pool.counted_budget}
            for pool in count.pools
        },
    )

    alternative = alternative_rule(edition.outcome_rule)
    funded_ids = {project.proposal_id for project in funded}
    values.update(
        rule=edition.outcome_rule,
        alternative_rule=alternative,
        fairness=_satisfied_share(choices, funded_ids),
        fairness_alternative=_satisfied_share(choices, _alternative_funded(count, alternative)) if valid_ballots else None,
    )
    values.update(implementation_indicators(tenant, _funded_costs(count)))
    return values


def _funded_costs(count: ResultCount) -> dict[int, int]:
    return {project.proposal_id: project.cost for pool in count.pools for project in pool.projects if project.selected}


def refresh_indicators(tenant, edition: Edition) -> EditionIndicators | None:
    """Compute and store the edition's indicators (replacing the previous row); flushes."""
    values = compute_indicators(tenant, edition)
    row = db.session.scalar(edition_select(EditionIndicators, edition))
    if values is None:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        return None
    if row is None:
        row = EditionIndicators(municipality_id=tenant.id, edition_id=edition.id)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.computed_at = utcnow()
    db.session.flush()
    return row


def refresh_implementation_indicators(tenant, edition: Edition) -> EditionIndicators | None:
    """After an implementation update only the implementation indicators change: store those
    without counting the ballots again (a city's edition takes seconds to recount); flushes."""
    row = db.session.scalar(edition_select(EditionIndicators, edition))
    count = published_count(tenant, edition)
    if row is None or count is None:
        return refresh_indicators(tenant, edition)
    for name, value in implementation_indicators(tenant, _funded_costs(count)).items():
        setattr(row, name, value)
    row.computed_at = utcnow()
    db.session.flush()
    return row
