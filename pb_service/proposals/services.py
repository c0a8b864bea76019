"""What residents and officials do with proposals; each function checks phase, role and input.

Refusals are ``ServiceValidationError`` with a message for people, and change nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from pb_service.accounts.models import Membership, User
from pb_service.accounts.services import user_by_email
from pb_service.core.audit import record_audit
from pb_service.core.i18n import format_money
from pb_service.core.markdown import html_in_markdown
from pb_service.core.models import utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.roles import Role
from pb_service.core.signals import category_removal
from pb_service.core.tenancy import edition_select, scoped_to, tenant_select
from pb_service.core.uploads import IMAGES_AND_PDF, delete_upload, save_upload
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition, Phase, Pool
from pb_service.editions.services import category_in_edition, pool_in_edition, require_phase
from pb_service.extensions import db
from pb_service.proposals.models import (
    BALLOT_STATUSES, PUBLIC_STATUSES, Attachment, AttachmentKind, CoAuthor, CostItem, Proposal, Stage, Status,
    Supporter,
)
from pb_service.proposals.permissions import ASSIGN_EVALUATORS, DECIDE_APPEALS, REVIEW_PROPOSALS
from pb_service.proposals.workflow import last_event, notify_authors, transition

#: Limits that keep a proposal readable and the database sane.
TEXT_LIMITS = {"title": 150, "summary": 500, "description": 20_000, "location": 300, "accessibility": 3_000}
MAX_COST_ITEMS = 30
MAX_ATTACHMENTS = 10
MIN_JUSTIFICATION = 10

#: Phases in which each step is allowed.
REVIEW_PHASES = (Phase.FORMAL_REVIEW, Phase.MERIT_REVIEW, Phase.APPEALS)
FORMAL_PHASES = (Phase.FORMAL_REVIEW, Phase.MERIT_REVIEW)
MERIT_PHASES = (Phase.MERIT_REVIEW, Phase.APPEALS)
#: Returned proposals are corrected by their deadline, but never once voting starts.
CORRECTION_PHASES = (Phase.SUBMISSION,) + REVIEW_PHASES

#: The reviewer's checklists: item name → what it asks (shown on the review page and to authors).
FORMAL_CHECKLIST = {
    "complete": _l("All required parts are filled in"),
    "pool_eligible": _l("It fits the chosen pool (area or theme)"),
    "cost_limits": _l("The estimate is within the pool's cost limits"),
    "supporters": _l("It has the required number of supporters"),
    "accessibility": _l("It states how it meets accessibility needs"),
}
MERIT_CHECKLIST = {
    "legal": _l("It is lawful and a task of the municipality"),
    "land": _l("It is on land the municipality can use for it"),
    "feasible": _l("It is technically feasible within one budget year"),
    "cost_checked": _l("The cost is checked (corrected below if needed)"),
    "upkeep": _l("Its upkeep costs are reasonable"),
}


class Decision:
    ADMIT = "admit"
    REJECT = "reject"
    RETURN = "return"
    CHOICES = (ADMIT, REJECT, RETURN)


# --- reading ---------------------------------------------------------------------------------------


def catalogue(tenant, edition: Edition, *, pool_id=None, category_id=None, status=None, text=None):
    """A statement for the public catalogue: never drafts; filters as residents choose them."""
    statuses = BALLOT_STATUSES if edition.phase in (Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION, Phase.CLOSED) else PUBLIC_STATUSES
    statement = edition_select(Proposal, edition, Proposal.status.in_(statuses))
    if pool_id:
        statement = statement.where(Proposal.pool_id == pool_id)
    if category_id:
        statement = statement.where(Proposal.category_id == category_id)
    if status:
        statement = statement.where(Proposal.status == status)
    if text:
        # autoescape: a % or _ typed by a resident is a character to find, not a wildcard.
        needle = text.strip().lower()
        statement = statement.where(or_(
            func.lower(Proposal.title).contains(needle, autoescape=True), func.lower(Proposal.summary).contains(needle, autoescape=True),
        ))
    return statement.order_by(Proposal.number, Proposal.id)


def ballot_projects(tenant, edition: Edition) -> list[Proposal]:
    """Projects on the ballot: admitted ones (and, after the vote, their results)."""
    statement = edition_select(
        Proposal, edition, Proposal.status.in_(BALLOT_STATUSES)
    ).order_by(Proposal.pool_id, Proposal.number)
    return list(db.session.scalars(statement))


def proposals_of(tenant, user) -> list[Proposal]:
    """The user's own proposals in ``tenant``, as author or co-author."""
    coauthored = select(CoAuthor.proposal_id).where(CoAuthor.user_id == user.id, CoAuthor.municipality_id == tenant.id)
    statement = tenant_select(
        Proposal, tenant, or_(Proposal.author_id == user.id, Proposal.id.in_(coauthored))
    ).order_by(Proposal.created_at.desc())
    return list(db.session.scalars(statement))


def review_queue(tenant, *, edition_id=None, status=None, pool_id=None, evaluator_id=None):
    """Submitted proposals for officials; default: those waiting for someone's decision."""
    statement = tenant_select(Proposal, tenant, Proposal.status != Status.DRAFT)
    if status:
        statement = statement.where(Proposal.status == status)
    else:
        statement = statement.where(Proposal.status.in_((Status.SUBMITTED, Status.MERIT_REVIEW, Status.APPEALED, Status.RETURNED)))
    if edition_id:
        statement = statement.where(Proposal.edition_id == edition_id)
    if pool_id:
        statement = statement.where(Proposal.pool_id == pool_id)
    if evaluator_id == "none":
        statement = statement.where(Proposal.evaluator_id.is_(None))
    elif evaluator_id:
        statement = statement.where(Proposal.evaluator_id == evaluator_id)
    return statement.order_by(Proposal.submitted_at, Proposal.id)


def supporter_of(tenant, proposal: Proposal, user) -> Supporter | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(tenant_select(Supporter, tenant, Supporter.proposal_id == proposal.id, Supporter.user_id == user.id))


def evaluators_of(tenant) -> list[User]:
    statement = scoped_to(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.municipality_id == tenant.id, Membership.role.in_((Role.EVALUATOR, Role.ADMIN)))
        .distinct().order_by(User.display_name),
        tenant,
    )
    return list(db.session.scalars(statement))


# --- residents: writing a proposal -----------------------------------------------------------------


@dataclass
class ProposalData:
    title: str
    pool_id: int | None
    summary: str = ""
    description: str = ""
    category_id: int | None = None
    location: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accessibility: str = ""
    #: The author's estimate in grosze; the cost items must add up to it.
    estimated_cost: int | None = None
    #: (description, grosze) pairs.
    cost_items: list[tuple[str, int]] = field(default_factory=list)


def _forbid(message) -> ServiceValidationError:
    return ServiceValidationError.single("", str(message))


def _ensure_author(proposal: Proposal, *, actor) -> None:
    if not proposal.is_author(actor):
        raise _forbid(_l("Only the proposal's authors can do this."))


def _validate_proposal(tenant, edition: Edition, data: ProposalData) -> Pool | None:
    errors: dict[str, list[str]] = {}
    for name, limit in TEXT_LIMITS.items():
        value = getattr(data, name) or ""
        if len(value) > limit:
            errors[name] = [str(_l("Shorten this to %(limit)s characters (now %(length)s).", limit=limit, length=len(value)))]
    if not (data.title or "").strip():
        errors["title"] = [str(_l("Enter a title."))]
    for name in ("description", "summary", "accessibility"):
        found = html_in_markdown(getattr(data, name))
        if found:
            errors.setdefault(name, []).append(str(_l(
                "HTML is not allowed here; use Markdown formatting instead. Remove: %(html)s", html=" ".join(found)[:80]
            )))
    pool = pool_in_edition(tenant, edition, data.pool_id) if data.pool_id is not None else None
    if pool is None:
        errors["pool_id"] = [str(_l("Choose a pool of this edition."))]
    if data.category_id is not None and category_in_edition(tenant, edition, data.category_id) is None:
        errors["category_id"] = [str(_l("Choose a category of this edition."))]
    if (data.latitude is None) != (data.longitude is None):
        errors["latitude"] = [str(_l("Enter both coordinates, or neither."))]
    elif data.latitude is not None and not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180):
        errors["latitude"] = [str(_l("These are not valid coordinates."))]
    if len(data.cost_items) > MAX_COST_ITEMS:
        errors["cost_items"] = [ngettext("List at most %(num)d cost item.", "List at most %(num)d cost items.", MAX_COST_ITEMS)]
    if any(amount is None or amount < 0 for _, amount in data.cost_items):
        errors.setdefault("cost_items", []).append(str(_l("Costs cannot be negative.")))
    if any(not (text or "").strip() or len(text) > 200 for text, _ in data.cost_items):
        errors.setdefault("cost_items", []).append(str(_l("Describe each cost item in up to 200 characters.")))
    if data.estimated_cost is not None and data.estimated_cost < 0:
        errors["estimated_cost"] = [str(_l("The amount cannot be negative."))]
    elif data.estimated_cost is not None and "cost_items" not in errors:
        total = sum(amount for _, amount in data.cost_items)
        if data.cost_items and total != data.estimated_cost:
            errors["estimated_cost"] = [str(_l(
                "The cost items add up to %(items)s, but the estimate is %(estimate)s. Make them equal.",
                items=format_money(total), estimate=format_money(data.estimated_cost),
            ))]
        elif pool is not None:
            errors.update(_cost_limit_errors(pool, data.estimated_cost))
    if errors:
        raise ServiceValidationError(errors)
    return pool


def _cost_limit_errors(pool: Pool, cost: int) -> dict[str, list[str]]:
    if pool.max_cost is not None and cost > pool.max_cost:
        return {"estimated_cost": [str(_l("The pool “%(pool)s” accepts projects up to %(limit)s.", pool=pool.name, limit=format_money(pool.max_cost)))]}
    if pool.min_project_cost is not None and 0 < cost < pool.min_project_cost:
        return {"estimated_cost": [str(_l("The pool “%(pool)s” accepts projects from %(limit)s.", pool=pool.name, limit=format_money(pool.min_project_cost)))]}
    return {}


def _apply(tenant, proposal: Proposal, data: ProposalData) -> None:
    proposal.title = data.title.strip()
    proposal.summary = (data.summary or "").strip()
    proposal.description = data.description or ""
    proposal.pool_id = data.pool_id
    proposal.category_id = data.category_id
    proposal.location = (data.location or "").strip()
    proposal.latitude, proposal.longitude = data.latitude, data.longitude
    proposal.accessibility = (data.accessibility or "").strip()
    proposal.estimated_cost = data.estimated_cost or 0
    proposal.cost_items = [
        CostItem(municipality_id=tenant.id, position=index, description=text.strip(), amount=amount)
        for index, (text, amount) in enumerate(data.cost_items)
    ]


def create_proposal(tenant, edition: Edition, data: ProposalData, *, actor) -> Proposal:
    """A new draft; anyone signed in may propose (residency is the municipality's own check)."""
    require_phase(edition, (Phase.SUBMISSION,), _l("Submitting proposals"))
    _validate_proposal(tenant, edition, data)
    proposal = Proposal(municipality_id=tenant.id, edition_id=edition.id, author_id=actor.id, status=Status.DRAFT)
    _apply(tenant, proposal, data)
    db.session.add(proposal)
    db.session.flush()
    record_audit(actor, tenant, "proposal.create", proposal, title=proposal.title)
    db.session.flush()
    return proposal


def _ensure_editable(proposal: Proposal) -> None:
    """Drafts and submitted proposals until the submission deadline; returned ones until theirs."""
    if proposal.status is Status.RETURNED:
        require_phase(proposal.edition, CORRECTION_PHASES, _l("Correcting a returned proposal"))
        if proposal.deadline_passed:
            raise _forbid(_l("The deadline for corrections has passed."))
        return
    if proposal.status not in (Status.DRAFT, Status.SUBMITTED):
        raise _forbid(_l("A proposal that is “%(status)s” can no longer be changed.", status=proposal.status.label))
    require_phase(proposal.edition, (Phase.SUBMISSION,), _l("Changing proposals"))


def update_proposal(tenant, proposal: Proposal, data: ProposalData, *, actor) -> Proposal:
    _ensure_author(proposal, actor=actor)
    _ensure_editable(proposal)
    _validate_proposal(tenant, proposal.edition, data)
    _apply(tenant, proposal, data)
    record_audit(actor, tenant, "proposal.update", proposal, title=proposal.title)
    db.session.flush()
    return proposal


def submission_problems(proposal: Proposal) -> list[str]:
    """What a proposal still lacks before it can be submitted."""
    problems = []
    if not proposal.summary:
        problems.append(str(_l("Write a short summary.")))
    if not proposal.description:
        problems.append(str(_l("Describe the project.")))
    if not proposal.location:
        problems.append(str(_l("Say where the project is.")))
    if not proposal.accessibility:
        problems.append(str(_l("Say how the project meets the needs of people with disabilities (or why this does not apply).")))
    if not proposal.cost_items or proposal.estimated_cost <= 0:
        problems.append(str(_l("List the costs.")))
    problems += [message for messages in _cost_limit_errors(proposal.pool, proposal.estimated_cost).values() for message in messages]
    return problems


def submit_proposal(tenant, proposal: Proposal, *, actor):
    """Submit a draft (it gets its number and becomes public), or send a corrected one back."""
    _ensure_author(proposal, actor=actor)
    _ensure_editable(proposal)
    problems = submission_problems(proposal)
    if problems:
        raise ServiceValidationError({"": problems})
    if proposal.status is Status.SUBMITTED:
        raise _forbid(_l("The proposal is already submitted."))
    if proposal.status is Status.RETURNED:
        returned = last_event(proposal, Status.RETURNED)
        target = Status.MERIT_REVIEW if returned is not None and returned.stage is Stage.MERIT else Status.SUBMITTED
        event = transition(tenant, proposal, target, Stage.AUTHOR, str(_l("Corrected by the author.")), actor=actor)
    else:
        edition_numbers = select(func.max(Proposal.number)).where(Proposal.edition_id == proposal.edition_id)
        proposal.number = (db.session.scalar(scoped_to(edition_numbers, tenant)) or 0) + 1
        proposal.submitted_at = utcnow()
        event = transition(tenant, proposal, Status.SUBMITTED, Stage.AUTHOR, actor=actor)
    db.session.flush()
    notify_authors(tenant, proposal, event)
    return event


def withdraw_proposal(tenant, proposal: Proposal, *, actor):
    """Authors may withdraw until voting starts."""
    _ensure_author(proposal, actor=actor)
    if proposal.edition.phase not in (Phase.ANNOUNCED, Phase.SUBMISSION) + REVIEW_PHASES:
        raise _forbid(_l("Proposals can be withdrawn only until voting starts."))
    event = transition(tenant, proposal, Status.WITHDRAWN, Stage.AUTHOR, actor=actor)
    db.session.flush()
    notify_authors(tenant, proposal, event)
    return event


# --- attachments, supporters, co-authors ----------------------------------------------------------


def _store_attachment(tenant, proposal: Proposal, file_storage, kind: AttachmentKind) -> Attachment:
    """Save an uploaded file (checked by its content) and attach it to the proposal."""
    stored = save_upload(file_storage, IMAGES_AND_PDF, owner=tenant.id)
    attachment = Attachment(
        municipality_id=tenant.id, proposal_id=proposal.id, kind=kind, original_name=stored.original_name,
        stored_name=stored.stored_name, content_type=stored.content_type, size=stored.size,
    )
    proposal.attachments.append(attachment)
    return attachment


def add_attachment(tenant, proposal: Proposal, file_storage, kind: AttachmentKind = AttachmentKind.DOCUMENT, *, actor) -> Attachment:
    _ensure_author(proposal, actor=actor)
    _ensure_editable(proposal)
    if kind is AttachmentKind.DOCUMENT and sum(a.kind is kind for a in proposal.attachments) >= MAX_ATTACHMENTS:
        raise ServiceValidationError.single("file", ngettext("A proposal can have at most %(num)d attachment.", "A proposal can have at most %(num)d attachments.", MAX_ATTACHMENTS))
    attachment = _store_attachment(tenant, proposal, file_storage, kind)
    db.session.flush()
    record_audit(actor, tenant, "proposal.attach", attachment, kind=kind.value, name=attachment.original_name)
    db.session.flush()
    return attachment


def remove_attachment(tenant, attachment: Attachment, *, actor) -> None:
    proposal = attachment.proposal
    _ensure_author(proposal, actor=actor)
    _ensure_editable(proposal)
    record_audit(actor, tenant, "proposal.detach", attachment, name=attachment.original_name)
    db.session.delete(attachment)
    db.session.flush()
    delete_upload(attachment.stored_name, owner=tenant.id)


def set_paper_supporters(tenant, proposal: Proposal, count: int | None, scan, *, actor) -> None:
    """Record the paper list: its scan (image or PDF) and the number of signatures on it."""
    _ensure_author(proposal, actor=actor)
    _ensure_editable(proposal)
    if count is None or count < 0:
        raise ServiceValidationError.single("count", str(_l("Enter the number of signatures on the list.")))
    has_scan = any(a.kind is AttachmentKind.SUPPORTERS_LIST for a in proposal.attachments)
    if count > 0 and not has_scan and not getattr(scan, "filename", ""):
        raise ServiceValidationError.single("scan", str(_l("Attach the scan of the signed list.")))
    if getattr(scan, "filename", ""):
        add_attachment(tenant, proposal, scan, AttachmentKind.SUPPORTERS_LIST, actor=actor)
    proposal.paper_supporters = count
    record_audit(actor, tenant, "proposal.paper_supporters", proposal, count=count)
    db.session.flush()


def support_proposal(tenant, proposal: Proposal, *, actor) -> Supporter:
    """Online support by a signed-in resident, during the submission phase."""
    if proposal.status is not Status.SUBMITTED:
        raise _forbid(_l("Only submitted proposals can be supported."))
    require_phase(proposal.edition, (Phase.SUBMISSION,), _l("Supporting proposals"))
    if proposal.is_author(actor):
        raise _forbid(_l("Authors cannot support their own proposal."))
    if supporter_of(tenant, proposal, actor) is not None:
        raise _forbid(_l("You already support this proposal."))
    supporter = Supporter(municipality_id=tenant.id, proposal_id=proposal.id, user_id=actor.id)
    proposal.supporters.append(supporter)
    db.session.flush()
    record_audit(actor, tenant, "proposal.support", proposal)
    db.session.flush()
    return supporter


def add_coauthor(tenant, proposal: Proposal, email: str, *, actor) -> CoAuthor:
    _ensure_author(proposal, actor=actor)
    _ensure_editable(proposal)
    user = user_by_email(email)
    if user is None or not user.is_active:
        raise ServiceValidationError.single("email", str(_l("No one has an account with this e-mail address. Ask them to create one first.")))
    if proposal.is_author(user):
        raise ServiceValidationError.single("email", str(_l("This person is already an author of the proposal.")))
    coauthor = CoAuthor(municipality_id=tenant.id, proposal_id=proposal.id, user_id=user.id)
    proposal.coauthors.append(coauthor)
    db.session.flush()
    record_audit(actor, tenant, "proposal.add_coauthor", proposal, user_id=user.id)
    db.session.flush()
    return coauthor


# --- officials: review and appeals ----------------------------------------------------------------


def assign_evaluator(tenant, proposal: Proposal, evaluator_id: int | None, *, actor) -> None:
    ensure_permission(actor, ASSIGN_EVALUATORS, tenant)
    evaluator = None
    if evaluator_id:
        evaluator = next((user for user in evaluators_of(tenant) if user.id == evaluator_id), None)
        if evaluator is None:
            raise ServiceValidationError.single("evaluator_id", str(_l("Choose an evaluator of this municipality.")))
    proposal.evaluator_id = evaluator.id if evaluator else None
    record_audit(actor, tenant, "proposal.assign", proposal, evaluator_id=proposal.evaluator_id)
    db.session.flush()


def check_justification(justification: str) -> None:
    if len((justification or "").strip()) < MIN_JUSTIFICATION:
        raise ServiceValidationError.single(
            "justification", ngettext("Write a justification of at least %(num)d character; it is published.", "Write a justification of at least %(num)d characters; it is published.", MIN_JUSTIFICATION)
        )


def formal_checklist_items(pool) -> dict:
    """The formal checklist that applies to a proposal of this pool: supporters only where some are required."""
    if pool.required_supporters:
        return FORMAL_CHECKLIST
    return {name: label for name, label in FORMAL_CHECKLIST.items() if name != "supporters"}


def _checked(checklist_items, ticked) -> dict[str, bool]:
    ticked = set(ticked or ())
    return {name: name in ticked for name in checklist_items}


def _decide(tenant, proposal, stage, decision, justification, checklist, corrected_cost=None, *, actor):
    """The common end of a formal or merit decision: the step, its deadline, the mail."""
    edition = proposal.edition
    if decision == Decision.ADMIT and not all(checklist.values()):
        raise ServiceValidationError.single("checklist", str(_l("To admit a proposal, every item of the checklist must be met.")))
    if not any(checklist.values()):
        # Nothing ticked: the reviewer did not go through the checklist, so none of it is published as failed.
        checklist = {}
    now = utcnow()
    if decision == Decision.RETURN:
        to, deadline = Status.RETURNED, min(now + timedelta(days=edition.correction_days), edition.voting_starts_at)
    elif decision == Decision.REJECT:
        to, deadline = Status.REJECTED, min(now + timedelta(days=edition.appeal_days), edition.voting_starts_at)
    else:
        to, deadline = (Status.MERIT_REVIEW if stage is Stage.FORMAL else Status.ADMITTED), None
    if corrected_cost is not None:
        proposal.corrected_cost = corrected_cost
    event = transition(
        tenant, proposal, to, stage, justification, actor=actor, checklist=checklist, corrected_cost=corrected_cost, deadline=deadline
    )
    db.session.flush()
    notify_authors(tenant, proposal, event)
    return event


def formal_decision(tenant, proposal: Proposal, decision: str, justification: str, ticked=(), *, actor):
    ensure_permission(actor, REVIEW_PROPOSALS, tenant)
    require_phase(proposal.edition, FORMAL_PHASES, _l("Formal review"))
    late_correction = proposal.status is Status.RETURNED and proposal.deadline_passed and decision == Decision.REJECT
    if proposal.status is not Status.SUBMITTED and not late_correction:
        raise _forbid(_l("This proposal is not waiting for formal review."))
    if decision not in Decision.CHOICES:
        raise ServiceValidationError.single("decision", str(_l("Choose a decision.")))
    check_justification(justification)
    checklist = _checked(formal_checklist_items(proposal.pool), ticked)
    if decision == Decision.ADMIT and proposal.supporter_count < proposal.pool.required_supporters:
        raise ServiceValidationError.single("checklist", str(_l(
            "The proposal has %(count)s supporters; the pool requires %(required)s.",
            count=proposal.supporter_count, required=proposal.pool.required_supporters,
        )))
    return _decide(tenant, proposal, Stage.FORMAL, decision, justification, checklist, actor=actor)


def merit_decision(tenant, proposal: Proposal, decision: str, justification: str, ticked=(), corrected_cost=None, *, actor):
    ensure_permission(actor, REVIEW_PROPOSALS, tenant)
    require_phase(proposal.edition, MERIT_PHASES, _l("Merit review"))
    late_correction = proposal.status is Status.RETURNED and proposal.deadline_passed and decision == Decision.REJECT
    if proposal.status is not Status.MERIT_REVIEW and not late_correction:
        raise _forbid(_l("This proposal is not waiting for merit review."))
    if decision not in Decision.CHOICES:
        raise ServiceValidationError.single("decision", str(_l("Choose a decision.")))
    check_justification(justification)
    if corrected_cost is not None and corrected_cost < 0:
        raise ServiceValidationError.single("corrected_cost", str(_l("The amount cannot be negative.")))
    if decision == Decision.ADMIT:
        errors = _cost_limit_errors(proposal.pool, corrected_cost if corrected_cost is not None else proposal.cost)
        if errors:
            raise ServiceValidationError({"corrected_cost": errors["estimated_cost"]})
    checklist = _checked(MERIT_CHECKLIST, ticked)
    return _decide(tenant, proposal, Stage.MERIT, decision, justification, checklist, corrected_cost, actor=actor)


def appeal_deadline(proposal: Proposal):
    """Until when a rejection may be appealed (None: it may not be appealed at all)."""
    rejection = last_event(proposal, Status.REJECTED)
    if proposal.status is not Status.REJECTED or rejection is None or rejection.stage is Stage.APPEAL:
        return None
    return proposal.deadline


def lodge_appeal(tenant, proposal: Proposal, grounds: str, document=None, *, actor):
    """The author appeals a formal or merit rejection, once, within the edition's appeal days,
    optionally with a document for the panel (private, like the list of supporters)."""
    _ensure_author(proposal, actor=actor)
    if proposal.status is not Status.REJECTED:
        raise _forbid(_l("Only a rejected proposal can be appealed."))
    deadline = appeal_deadline(proposal)
    if deadline is None:
        raise _forbid(_l("The appeal panel's decision is final; it cannot be appealed again."))
    if utcnow() >= deadline:
        raise _forbid(_l("The time for appeals has passed."))
    require_phase(proposal.edition, REVIEW_PHASES, _l("Appealing"))
    if len((grounds or "").strip()) < MIN_JUSTIFICATION:
        raise ServiceValidationError.single("grounds", ngettext("Explain why the decision is wrong in at least %(num)d character.", "Explain why the decision is wrong in at least %(num)d characters.", MIN_JUSTIFICATION))
    if len(grounds) > TEXT_LIMITS["accessibility"]:
        raise ServiceValidationError.single("grounds", str(_l("Shorten this to %(limit)s characters (now %(length)s).", limit=TEXT_LIMITS["accessibility"], length=len(grounds))))
    if document:
        _store_attachment(tenant, proposal, document, AttachmentKind.APPEAL)
    event = transition(tenant, proposal, Status.APPEALED, Stage.AUTHOR, grounds, actor=actor)
    db.session.flush()
    notify_authors(tenant, proposal, event)
    return event


def decide_appeal(tenant, proposal: Proposal, upheld: bool, justification: str, *, actor):
    """The panel admits the appeal (the proposal goes on to the next stage) or dismisses it."""
    ensure_permission(actor, DECIDE_APPEALS, tenant)
    require_phase(proposal.edition, REVIEW_PHASES, _l("Deciding appeals"))
    if proposal.status is not Status.APPEALED:
        raise _forbid(_l("This proposal has no appeal waiting for a decision."))
    rejection = last_event(proposal, Status.REJECTED)
    if rejection is not None and rejection.actor_id == actor.id:
        raise _forbid(_l("You took the decision under appeal; another member of the panel must decide."))
    check_justification(justification)
    if upheld:
        to = Status.MERIT_REVIEW if rejection is not None and rejection.stage is Stage.FORMAL else Status.ADMITTED
    else:
        to = Status.REJECTED
    event = transition(tenant, proposal, to, Stage.APPEAL, justification, actor=actor)
    db.session.flush()
    notify_authors(tenant, proposal, event)
    return event


@category_removal.connect
def _category_in_use(tenant, category, **_kwargs) -> str | None:
    """A category stays while proposals use it (editions asks before removing one)."""
    used = db.session.scalar(scoped_to(select(func.count(Proposal.id)).where(Proposal.category_id == category.id), tenant))
    return str(_l("Proposals use this category, so it cannot be removed.")) if used else None
