"""Counting, protests and publication of an edition's results.

Every function that changes something takes the tenant and the actor, checks the permission,
validates, records the action in the audit log and flushes (the request or command commits). Nothing here reads the request.

Secrecy of counts: the public functions (:func:`published_count`, :func:`receipt_hashes`,
:func:`receipt_in_count`, :func:`turnout`) return nothing before publication, so no page, file
or API answer can show a count early.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from flask import current_app
from flask_babel import force_locale
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from pb_service.core.audit import record_audit
from pb_service.core.i18n import format_money
from pb_service.core.mail import send_mail
from pb_service.core.models import utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.signals import results_published
from pb_service.core.tenancy import edition_select, get_for_tenant, scoped_to, tenant_lookup, tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition, Phase
from pb_service.editions.services import phase_list, pool_in_edition, require_phase
from pb_service.extensions import db
from pb_service.core.jobs.queue import enqueue
from pb_service.core.jobs.services import latest_job, running_job, start_tracked
from pb_service.proposals.models import Stage, Status
from pb_service.proposals.services import MIN_JUSTIFICATION, check_justification
from pb_service.proposals.workflow import last_event, notify_authors, transition
from pb_service.results.counting import (
    CountingError, ballot_digest, count_edition, edition_digest, grosze, pabulib_text, read_ballots, votes_minimum,
)
from pb_service.results.explain import is_quick, measures_from_file, pool_measures
from pb_service.results.models import Outcome, PoolResult, ProjectResult, Protest, ProtestStatus, ResultCount
from pb_service.results.permissions import DECIDE_PROTESTS, MANAGE_RESULTS
from pb_service.rules import Status as RuleStatus
from pb_service.voting.mixing import close_ballot_box
from pb_service.voting.models import Ballot, Channel, VoterRecord
from pb_service.voting.services import receipt_hash

#: Counting and publishing need the vote to be over.
AFTER_VOTING = (Phase.RESULTS, Phase.IMPLEMENTATION, Phase.CLOSED)
MAX_GROUNDS = 5_000

OUTCOMES = {
    RuleStatus.FUNDED: Outcome.FUNDED,
    RuleStatus.DID_NOT_FIT: Outcome.DID_NOT_FIT,
    RuleStatus.UNDER_THRESHOLD: Outcome.UNDER_THRESHOLD,
    RuleStatus.NOT_REACHED: Outcome.NOT_REACHED,
    RuleStatus.TIE: Outcome.LOST_TIE,
    RuleStatus.WITHDRAWN: Outcome.WITHDRAWN,
}


def _refuse(message) -> ServiceValidationError:
    return ServiceValidationError.single("", str(message))


# --- reading -----------------------------------------------------------------------------------------


def current_count(tenant, edition: Edition) -> ResultCount | None:
    """The edition's count, preliminary or published (officials only: it may be preliminary)."""
    return db.session.scalar(edition_select(ResultCount, edition))


def published_count(tenant, edition: Edition) -> ResultCount | None:
    """The published count, or None: the only way public pages, files and the API read results."""
    if not edition.is_published:
        return None
    return db.session.scalar(
        edition_select(ResultCount, edition, ResultCount.published_at.is_not(None))
    )


def published_project_result(tenant, proposal) -> ProjectResult | None:
    """The proposal's line in its edition's published result, or None (not on it, or not published)."""
    edition = proposal.edition
    count = published_count(tenant, edition)
    if count is None:
        return None
    pool_result = count.pool_result(proposal.pool_id)
    if pool_result is None:
        return None
    return next((project for project in pool_result.projects if project.proposal_id == proposal.id), None)


def editions_with_published_results(tenant, *, lookup_reason: str = "") -> list[Edition]:
    """The municipality's published editions whose results are published, the newest first.

    They are public. ``lookup_reason`` reads them across the database wall, for pages of no
    municipality of their own (the knowledge hub's).
    """
    editions = tenant_lookup(Edition, tenant, reason=lookup_reason) if lookup_reason else tenant_select(Edition, tenant)
    statement = (
        editions.where(Edition.is_published.is_(True))
        .join(ResultCount, and_(ResultCount.edition_id == Edition.id, ResultCount.municipality_id == Edition.municipality_id))
        .where(ResultCount.published_at.is_not(None))
        .order_by(Edition.year.desc(), Edition.id.desc())
    )
    return list(db.session.scalars(statement))


def pool_file(tenant, pool_result: PoolResult) -> str:
    """The pool's Pabulib file as stored (loaded only when asked for: it is large)."""
    statement = scoped_to(select(PoolResult.pabulib).where(PoolResult.id == pool_result.id), tenant)
    return db.session.scalar(statement)


def receipt_hashes(tenant, edition: Edition) -> list[str]:
    """SHA-256 (hex) of every counted ballot's receipt code, sorted; empty before publication."""
    if published_count(tenant, edition) is None:
        return []
    statement = edition_select(Ballot, edition, Ballot.is_valid.is_(True), columns=[Ballot.receipt_hash]).order_by(Ballot.receipt_hash)
    return list(db.session.scalars(statement))


def receipt_in_count(tenant, edition: Edition, code: str) -> bool:
    """Whether a counted (valid) ballot has this receipt; nothing else is said or kept."""
    if published_count(tenant, edition) is None:
        return False
    statement = edition_select(
        Ballot, edition, Ballot.is_valid.is_(True), Ballot.receipt_hash == receipt_hash(code), columns=[func.count()]
    )
    return bool(db.session.scalar(statement))


@dataclass
class Turnout:
    #: (district pool id, channel) → voters.
    districts: Counter
    #: channel → voters.
    channels: Counter

    def district(self, pool_id: int, channel: Channel | None = None) -> int:
        if channel is not None:
            return self.districts[(pool_id, channel)]
        return sum(self.districts[(pool_id, c)] for c in Channel)

    @property
    def total(self) -> int:
        return sum(self.channels.values())


def turnout(tenant, edition: Edition) -> Turnout | None:
    """Voters per district and channel (from the voter records), once results are published."""
    if published_count(tenant, edition) is None:
        return None
    statement = edition_select(VoterRecord, edition, columns=[VoterRecord.channel, VoterRecord.district_pool_ids])
    districts: Counter = Counter()
    channels: Counter = Counter()
    for channel, pool_ids in db.session.execute(statement):
        channel = Channel(channel)
        channels[channel] += 1
        for pool_id in pool_ids or ():
            districts[(int(pool_id), channel)] += 1
    return Turnout(districts, channels)


def protests_of(tenant, edition: Edition) -> list[Protest]:
    return list(db.session.scalars(edition_select(Protest, edition).order_by(Protest.number)))


def protest_window_open(edition: Edition) -> bool:
    return edition.results_starts_at <= utcnow() < edition.protests_close_at


# --- counting ------------------------------------------------------------------------------------------


def compute_results(tenant, edition: Edition, progress=None, *, actor, slow_measures: bool = True) -> ResultCount:
    """Count the edition's valid ballots and store the preliminary result (replacing an older one),
    with every pool's performance measures: at once where they are quick, else by a job decided
    here (:func:`measures_wait_for_a_job`), so that the count returns at once
    (``slow_measures=False``: only the quick ones, no job; see :func:`~pb_service.results.explain.pool_measures`).

    ``progress(done, total)`` is told after each pool is counted."""
    ensure_permission(actor, MANAGE_RESULTS, tenant)
    require_phase(edition, AFTER_VOTING, _l("Counting the votes"))
    close_ballot_box(tenant, edition)
    existing = current_count(tenant, edition)
    if existing is not None and existing.is_published:
        raise _refuse(_l("The results are published; a published result never changes."))
    try:
        counted = count_edition(tenant, edition, progress)
    except CountingError as error:
        raise _refuse(_l("The ballots cannot be counted: %(problem)s", problem=str(error))) from error
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    count = ResultCount(
        municipality_id=tenant.id, edition_id=edition.id, digest=counted.digest, ballots=counted.ballots,
        computed_by_id=actor.id, computed_at=utcnow(),
    )
    for position, pool_count in enumerate(counted.pools):
        count.pools.append(_pool_result(tenant, pool_count, position, slow_measures))
    db.session.add(count)
    db.session.flush()
    record_audit(
        actor, tenant, "results.compute", edition, digest=count.digest, ballots=count.ballots,
        selected={str(p.pool.id): p.selected for p in counted.pools},
    )
    if slow_measures:
        _measure_later(tenant, edition, count, actor=actor)
    db.session.flush()
    return count


def counts_in_background(tenant, edition: Edition) -> bool:
    """Whether the edition is large enough to be counted by a job (``COUNT_IN_BACKGROUND_FROM`` voters)."""
    voters = db.session.scalar(edition_select(VoterRecord, edition, columns=[func.count()]))
    return voters >= current_app.config["COUNT_IN_BACKGROUND_FROM"]


def latest_count_job(tenant, edition: Edition):
    """The edition's most recent background count, if it had one."""
    return latest_job(tenant, "count", edition)


def start_count(tenant, edition: Edition, *, actor):
    """Queue the count of a large edition (or name the one already queued); the caller commits."""
    ensure_permission(actor, MANAGE_RESULTS, tenant)
    require_phase(edition, AFTER_VOTING, _l("Counting the votes"))
    return running_job(tenant, "count", edition) or start_tracked(
        tenant, "count", "count_votes", actor=actor, edition=edition, total=len(edition.pools), args=(edition.id,),
    )


def compute_results_tracked(tenant, actor_id: int | None, edition_id: int, progress) -> str:
    """The count job's work: :func:`compute_results` as the official who started it (or the system)."""
    from pb_service.accounts.models import User
    from pb_service.core.permissions import SYSTEM

    edition = get_for_tenant(db.session, Edition, tenant, edition_id)
    actor = db.session.get(User, actor_id) if actor_id is not None else SYSTEM
    compute_results(tenant, edition, progress, actor=actor)
    return ""


def _pool_result(tenant, counted, position: int, slow_measures: bool = True) -> PoolResult:
    """The pool's stored result, with its projects and their measures (computed once, here)."""
    text = pabulib_text(counted)
    pool_result = PoolResult(
        municipality_id=tenant.id, pool_id=counted.pool.id, position=position, rule=counted.rule,
        parameters=counted.parameters, vote_type=counted.instance.vote_type, digest=counted.digest, voters=counted.voters,
        budget=counted.pool.budget, received=counted.received, spent=counted.spent, leftover=counted.leftover,
        top_up=counted.top_up, leftover_to_pool_id=counted.leftover_to.id if counted.leftover_to else None,
        tie_breaking=counted.result.tie_breaking,
        ties=[
            {"projects": list(t.projects), "winners": list(t.winners), "settled_by": t.settled_by, "context": t.context}
            for t in counted.result.ties
        ],
        pabulib=text, pabulib_sha256=_sha256(text),
    )
    selected = set(counted.selected)
    for rank, pid in enumerate(counted.ranking(), start=1):
        outcome = counted.result.outcomes[pid]
        pool_result.projects.append(ProjectResult(
            municipality_id=tenant.id, proposal_id=int(pid), rank=rank, cost=grosze(counted.instance.projects[pid].cost),
            votes=counted.votes[pid], score=counted.scores[pid],
            outcome=Outcome.FUNDED_FROM_LEFTOVER if pid == counted.leftover_project else OUTCOMES[outcome.status],
            detail=outcome.detail[:300], selected=pid in selected,
        ))
    if not (slow_measures and measures_wait_for_a_job(pool_result)):
        pool_result.measures = pool_measures(tenant, pool_result, counted.instance, slow_rules=slow_measures)
    return pool_result


# --- performance measures that take long: a job after the count ------------------------------------------


def measures_wait_for_a_job(pool_result: PoolResult) -> bool:
    """Whether the pool's measures are left to the measures job: rules whose measures re-run the
    rule (equal shares, Phragmén: minutes on a large pool) on pools of at least
    ``MEASURES_IN_BACKGROUND_FROM`` ballots; the greedy family's take milliseconds at any size."""
    return not is_quick(pool_result.rule) and pool_result.voters >= current_app.config["MEASURES_IN_BACKGROUND_FROM"]


def _measure_later(tenant, edition: Edition, count: ResultCount, *, actor):
    """Decide the measures job for the pools of ``count`` still without measures (or name the one
    queued already); it leaves when the caller commits. None when nothing waits."""
    waiting = [pool_result for pool_result in count.pools if pool_result.measures is None and not is_quick(pool_result.rule)]
    if not waiting:
        return None
    return measures_job(tenant, edition) or start_tracked(
        tenant, "measures", "measure_results", actor=actor, edition=edition, total=len(waiting), args=(edition.id,),
    )


def measures_job(tenant, edition: Edition):
    """The edition's measures job while it is queued or running (pages say "being computed")."""
    return running_job(tenant, "measures", edition)


def latest_measures_job(tenant, edition: Edition):
    return latest_job(tenant, "measures", edition)


def pools_without_measures(tenant, edition_id: int) -> list[PoolResult]:
    """The pools of the edition's current count that have no measures yet (the measures job's work)."""
    edition = get_for_tenant(db.session, Edition, tenant, edition_id)
    count = current_count(tenant, edition) if edition is not None else None
    return [pool_result for pool_result in count.pools if pool_result.measures is None] if count is not None else []


def add_pool_measures(tenant, pool_result: PoolResult, *, slow_rules: bool = True) -> bool:
    """Compute and store the measures of a pool counted without them, from its stored file (the
    instance it counted); adding them changes nothing counted, so a published pool may get them
    too. False when the engine gave none (logged)."""
    measures = measures_from_file(tenant, pool_result, pool_file(tenant, pool_result), slow_rules=slow_rules)
    if measures is None:
        return False
    # Added by id, not through pool_result.measures: that would change the pool's row, which a
    # published count refuses.
    measures.pool_result_id = pool_result.id
    db.session.add(measures)
    db.session.flush()
    db.session.expire(pool_result, ["measures"])
    return True


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def ballots_digest_now(tenant, edition: Edition) -> str:
    """The digest of the ballots in the database now (to check a count still matches them)."""
    groups, _ = read_ballots(tenant, edition)
    return edition_digest((pool.id, ballot_digest(groups.get(pool.id, Counter()))) for pool in edition.pools)


# --- publication -----------------------------------------------------------------------------------------


#: A funded project with fewer votes than this, or than :data:`FEW_VOTES_SHARE` of its pool's
#: ballots, is pointed out to officials before publication.
FEW_VOTES = 10
FEW_VOTES_SHARE = Fraction(1, 100)


def result_warnings(pool_result: PoolResult) -> list[str]:
    """What a resident would find surprising in a pool's result, for officials before publication:
    no ballots, funded projects with very few votes, money left that would pay for a project
    not funded (and why it is not)."""
    if pool_result.voters == 0:
        return [str(_l("No ballots were cast in this pool, so no project is funded and the whole budget is left over."))]
    warnings = []
    few = max(FEW_VOTES, math.ceil(pool_result.voters * FEW_VOTES_SHARE))
    for project in pool_result.funded:
        if project.votes < few:
            warnings.append(str(_l(
                "Funded with very few votes: %(title)s, %(votes)s of %(ballots)s ballots.",
                title=project.proposal.title, votes=project.votes, ballots=pool_result.voters,
            )))
    left = 0 if pool_result.leftover_to_pool_id else pool_result.remaining
    unfunded = [p for p in pool_result.projects if not p.selected and p.outcome is not Outcome.WITHDRAWN]
    cheapest = min(unfunded, key=lambda project: project.cost, default=None)
    if cheapest is not None and left >= cheapest.cost:
        warnings.append(str(_l(
            "The leftover of %(leftover)s would pay for %(title)s (%(cost)s); its outcome: %(reason)s.",
            leftover=format_money(left), title=cheapest.proposal.title, cost=format_money(cheapest.cost),
            reason=cheapest.outcome.label,
        )))
    return warnings


def publication_problems(tenant, edition: Edition, count: ResultCount | None) -> list[str]:
    """What still stands in the way of publishing (empty when the result may be published)."""
    if count is None:
        return [str(_l("Count the votes first."))]
    if count.is_published:
        return [str(_l("The results are already published."))]
    problems = []
    if edition.phase not in AFTER_VOTING:
        problems.append(str(_l(
            "Results can be published only in these phases: %(allowed)s.", allowed=phase_list(AFTER_VOTING)
        )))
    if utcnow() < edition.protests_close_at:
        problems.append(str(_l("Residents may protest until the end of the protest window; publish after it closes.")))
    protests = protests_of(tenant, edition)
    pending = sum(1 for protest in protests if not protest.is_decided)
    if pending:
        problems.append(str(_l("Protests waiting for the panel's decision: %(count)s.", count=pending)))
    if any(p.status is ProtestStatus.UPHELD and p.decided_at > count.computed_at for p in protests):
        problems.append(str(_l("A protest was upheld after the votes were counted: count them again before publishing.")))
    stale = [result.pool.name for result in count.pools if result.parameters.get("min_votes") != votes_minimum(edition, result.pool)]
    if stale:
        problems.append(str(_l(
            "These pools were counted without their current minimum of votes: %(pools)s. Count the votes again.",
            pools=", ".join(stale),
        )))
    return problems


def publish_results(tenant, edition: Edition, *, actor, notify: bool = True, slow_measures: bool = True) -> ResultCount:
    """Publish the preliminary result for good and mark each project selected or not; pools
    counted without measures get them now where they are quick, the others from the measures job
    (``slow_measures`` as in :func:`compute_results`).

    Publication does not wait for the measures: the result is what the law asks to publish on
    its day, and the files of how close each project came are added beside the ballots' files
    as soon as the job stores them (pages say they are being computed meanwhile)."""
    ensure_permission(actor, MANAGE_RESULTS, tenant)
    count = current_count(tenant, edition)
    problems = publication_problems(tenant, edition, count)
    if problems:
        raise ServiceValidationError({"": problems})
    if ballots_digest_now(tenant, edition) != count.digest:
        raise _refuse(_l("The ballots have changed since they were counted: count them again before publishing."))
    _add_missing_measures(tenant, count, slow_rules=slow_measures)
    if slow_measures:
        _measure_later(tenant, edition, count, actor=actor)
    count.published_at = utcnow()
    count.published_by_id = actor.id
    events = []
    with force_locale(tenant.default_locale):
        for pool_result in count.pools:
            for project in pool_result.projects:
                if project.proposal.status is Status.ADMITTED:
                    to = Status.SELECTED if project.selected else Status.NOT_SELECTED
                    events.append(transition(tenant, project.proposal, to, Stage.SYSTEM, _justification(pool_result, project), actor=actor))
    record_audit(actor, tenant, "results.publish", edition, digest=count.digest)
    db.session.flush()
    results_published.send(tenant, edition=edition)
    if notify:
        # The authors' mails are a job: publishing answers at once, however many projects there are.
        enqueue("notify_publication", tenant.id, edition.id)
    return count


def notify_published(tenant, edition: Edition) -> None:
    """Tell each counted project's authors whether it was selected (the publication's step)."""
    count = current_count(tenant, edition)
    if count is None or not count.is_published:
        return
    for pool_result in count.pools:
        for project in pool_result.projects:
            proposal = project.proposal
            event = last_event(proposal, proposal.status) if proposal.status in (Status.SELECTED, Status.NOT_SELECTED) else None
            if event is not None and event.stage is Stage.SYSTEM:
                notify_authors(tenant, proposal, event)


def _add_missing_measures(tenant, count: ResultCount, *, slow_rules: bool, wait_for_nothing: bool = False) -> list[PoolResult]:
    """Measures for the pools counted without them (before they were stored, a bulk import, a
    failure), except those left to the measures job (``wait_for_nothing``: all of them, here)."""
    added = []
    for pool_result in count.pools:
        if pool_result.measures is not None or (slow_rules and not wait_for_nothing and measures_wait_for_a_job(pool_result)):
            continue
        if add_pool_measures(tenant, pool_result, slow_rules=slow_rules):
            added.append(pool_result)
    return added


def measure_results(tenant, edition: Edition, *, actor) -> list[PoolResult]:
    """Compute the measures the edition's count lacks (``flask pb results measure``); flushes."""
    ensure_permission(actor, MANAGE_RESULTS, tenant)
    count = current_count(tenant, edition)
    if count is None:
        raise _refuse(_l("Count the votes first."))
    added = _add_missing_measures(tenant, count, slow_rules=True, wait_for_nothing=True)
    record_audit(actor, tenant, "results.measure", edition, pools=[pool_result.pool_id for pool_result in added])
    return added


def _justification(pool_result: PoolResult, project: ProjectResult) -> str:
    """The public reason on the proposal's history, in the municipality's language."""
    if pool_result.vote_type == "approval":
        tally = str(_l("Votes: %(votes)s.", votes=project.votes))
    else:
        tally = str(_l("Votes: %(votes)s, points: %(points)s.", votes=project.votes, points=project.score))
    return f"{project.outcome.label}. {tally}"


# --- protests ----------------------------------------------------------------------------------------------


def lodge_protest(tenant, edition: Edition, grounds: str, pool_id: int | None = None, *, actor) -> Protest:
    """A resident protests against the vote or the count, within the protest window."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise _refuse(_l("Sign in to lodge a protest."))
    if not edition.is_published or not protest_window_open(edition):
        raise _refuse(_l("Protests can be lodged only from the end of voting until the protest window closes."))
    errors: dict[str, list[str]] = {}
    grounds = (grounds or "").strip()
    if len(grounds) < MIN_JUSTIFICATION:
        errors["grounds"] = [ngettext("Describe what was wrong in at least %(num)d character.", "Describe what was wrong in at least %(num)d characters.", MIN_JUSTIFICATION)]
    elif len(grounds) > MAX_GROUNDS:
        errors["grounds"] = [str(_l("Shorten this to %(limit)s characters (now %(length)s).", limit=MAX_GROUNDS, length=len(grounds)))]
    if pool_id and pool_in_edition(tenant, edition, pool_id) is None:
        errors["pool_id"] = [str(_l("Choose a pool of this edition."))]
    if errors:
        raise ServiceValidationError(errors)
    last = db.session.scalar(edition_select(Protest, edition, columns=[func.max(Protest.number)]))
    protest = Protest(
        municipality_id=tenant.id, edition_id=edition.id, number=(last or 0) + 1, author_id=actor.id,
        pool_id=pool_id or None, grounds=grounds, lodged_at=utcnow(),
    )
    db.session.add(protest)
    db.session.flush()
    record_audit(actor, tenant, "protest.lodge", protest, number=protest.number)
    db.session.flush()
    _tell_author(tenant, protest)
    return protest


def decide_protest(tenant, protest: Protest, upheld: bool, justification: str, *, actor) -> Protest:
    """The panel upholds or dismisses a protest, with a public justification."""
    ensure_permission(actor, DECIDE_PROTESTS, tenant)
    if protest.is_decided:
        raise _refuse(_l("This protest has already been decided."))
    check_justification(justification)
    protest.status = ProtestStatus.UPHELD if upheld else ProtestStatus.DISMISSED
    protest.decision = justification.strip()
    protest.decided_at = utcnow()
    protest.decided_by_id = actor.id
    record_audit(actor, tenant, "protest.decide", protest, number=protest.number, status=protest.status.value)
    db.session.flush()
    _tell_author(tenant, protest)
    return protest


def _tell_author(tenant, protest: Protest) -> None:
    author = protest.author
    send_mail(author.email, "protest_status", author.locale or tenant.default_locale, protest=protest, municipality=tenant, person=author)


# --- verification (backups, audits) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recount:
    """A published result counted again from the ballots in the database now."""

    digest: str
    digest_now: str
    ballots: int
    ballots_now: int
    #: Pools whose selected projects differ from the published ones.
    selection_differs: tuple[int, ...]
    #: Pools whose published Pabulib file differs from the one the recount writes.
    file_differs: tuple[int, ...]

    @property
    def matches(self) -> bool:
        return self.digest == self.digest_now and self.ballots == self.ballots_now and not self.selection_differs and not self.file_differs


def recount_published(tenant, edition: Edition) -> Recount | None:
    """Count a published edition again and compare with what was published (None: nothing published)."""
    count = published_count(tenant, edition)
    if count is None:
        return None
    counted = count_edition(tenant, edition)
    by_pool = {pool_count.pool.id: pool_count for pool_count in counted.pools}
    selection_differs, file_differs = [], []
    for pool_result in count.pools:
        now = by_pool.get(pool_result.pool_id)
        published = {project.proposal_id for project in pool_result.projects if project.selected}
        if now is None or {int(pid) for pid in now.selected} != published:
            selection_differs.append(pool_result.pool_id)
        if now is None or _sha256(pabulib_text(now)) != pool_result.pabulib_sha256:
            file_differs.append(pool_result.pool_id)
    return Recount(count.digest, counted.digest, count.ballots, counted.ballots, tuple(selection_differs), tuple(file_differs))
