"""The public catalogue, residents' own proposals, and officials' review queue."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pb_service.core.forms import labelled_choices, run_action, save_form
from pb_service.core.maps import map_box
from pb_service.core.markdown import render_markdown
from pb_service.core.pagination import paginate
from pb_service.core.permissions import has_permission, personal, public, requires
from pb_service.core.signals import project_page
from pb_service.core.tenancy import get_for_tenant_or_404
from pb_service.core.uploads import send_upload
from pb_service.editions.models import Phase
from pb_service.editions.services import category_in_edition, editions_of, pool_in_edition
from pb_service.editions.loaders import edition_or_404
from pb_service.extensions import db
from pb_service.proposals import services
from pb_service.proposals.forms import (
    AppealDecisionForm, AppealForm, AssignForm, AttachmentForm, CoAuthorForm, FormalReviewForm, MeritReviewForm,
    PaperSupportersForm, ProposalForm,
)
from pb_service.proposals.models import PRIVATE_ATTACHMENTS, PUBLIC_STATUSES, Attachment, Proposal, Status
from pb_service.proposals.permissions import (
    ASSIGN_EVALUATORS, DECIDE_APPEALS, REVIEW_PROPOSALS, VIEW_REVIEW_QUEUE, can_see_private_parts, can_see_proposal,
)

CATALOGUE_PAGE_SIZE = 12
QUEUE_PAGE_SIZE = 30

proposals = Blueprint("proposals", __name__, url_prefix="/<municipality>")


def _int_arg(name: str):
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return None


def _status_arg(allowed):
    value = request.args.get("status") or None
    return Status(value) if value in {status.value for status in allowed} else None


def _visible_proposal(proposal_id: int) -> Proposal:
    proposal = get_for_tenant_or_404(db.session, Proposal, g.municipality, proposal_id)
    if not can_see_proposal(current_user, proposal, g.municipality):
        abort(404)
    return proposal


def _own_proposal(proposal_id: int) -> Proposal:
    proposal = get_for_tenant_or_404(db.session, Proposal, g.municipality, proposal_id)
    if not proposal.is_author(current_user):
        abort(404)
    return proposal


# --- public ----------------------------------------------------------------------------------------


@proposals.get("/editions/<int:edition_id>/projects")
@public
def catalogue(edition_id: int):
    edition = edition_or_404(edition_id)
    pool = pool_in_edition(g.municipality, edition, _int_arg("pool"))
    category = category_in_edition(g.municipality, edition, _int_arg("category"))
    status = _status_arg(PUBLIC_STATUSES)
    text = (request.args.get("q") or "").strip()[:100]
    statement = services.catalogue(
        g.municipality, edition, pool_id=pool.id if pool else None, category_id=category.id if category else None,
        status=status, text=text,
    )
    page = paginate(db.session, statement, request.args.get("page"), CATALOGUE_PAGE_SIZE)
    mapped = [p for p in page.items if p.latitude is not None]
    return render_template(
        "proposals/catalogue.html", edition=edition, page=page, pool=pool, category=category, status=status, text=text,
        statuses=sorted(PUBLIC_STATUSES, key=list(Status).index), mapped=mapped, map_box=map_box(mapped),
        on_ballot=edition.phase in (Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION, Phase.CLOSED),
    )


@proposals.get("/proposals/<int:proposal_id>")
@public
def detail(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    tenant = g.municipality
    # What other domains show on the page (results: the outcome and how close it came).
    shown_by_others = {key: value for _receiver, values in project_page.send(tenant, proposal=proposal) for key, value in (values or {}).items()}
    return render_template(
        "proposals/detail.html", proposal=proposal, edition=proposal.edition, description=render_markdown(proposal.description),
        **shown_by_others,
        is_author=proposal.is_author(current_user), is_supporter=services.supporter_of(tenant, proposal, current_user) is not None,
        appeal_deadline=services.appeal_deadline(proposal), Status=Status, Phase=Phase,
        can_review=has_permission(current_user, VIEW_REVIEW_QUEUE, tenant),
    )


@proposals.get("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@public
def attachment(proposal_id: int, attachment_id: int):
    """Files only through here: the supporters list is the authors' and reviewers' alone."""
    proposal = _visible_proposal(proposal_id)
    found = get_for_tenant_or_404(db.session, Attachment, g.municipality, attachment_id)
    if found.proposal_id != proposal.id:
        abort(404)
    private = found.kind in PRIVATE_ATTACHMENTS
    if private and not can_see_private_parts(current_user, proposal, g.municipality):
        abort(404)
    response = send_upload(found, g.municipality.id)
    response.headers["Cache-Control"] = "private, no-store" if private else "private, max-age=300"
    return response


# --- residents: their own proposals --------------------------------------------------------------


def _proposal_form(edition, proposal=None, *, bound: bool = True) -> ProposalForm:
    """The proposal's own form; ``bound=False`` ignores the request's fields (another form was sent)."""
    form = ProposalForm(obj=proposal) if bound else ProposalForm(formdata=None, obj=proposal)
    form.pool_id.choices = [SelectChoice(pool.id, f"{pool.level.name}: {pool.name}") for pool in edition.pools]
    form.category_id.choices = [SelectChoice("", _("No category"))] + [SelectChoice(c.id, c.name) for c in edition.categories]
    if proposal is not None and not (bound and form.is_submitted()):
        while len(form.cost_items.entries):
            form.cost_items.pop_entry()
        for item in proposal.cost_items:
            form.cost_items.append_entry({"description": item.description, "amount": item.amount})
    return form


def _render_proposal_form(form, edition, proposal=None, **side_forms):
    """The edit page; ``side_forms`` holds a sidebar form that was sent and refused, shown with its errors."""
    form.add_spare_rows()
    return render_template(
        "proposals/edit.html", form=form, edition=edition, proposal=proposal,
        attachment_form=side_forms.get("attachment_form") or AttachmentForm(formdata=None),
        supporters_form=side_forms.get("supporters_form") or PaperSupportersForm(formdata=None, data={"count": proposal.paper_supporters if proposal else 0}),
        coauthor_form=side_forms.get("coauthor_form") or CoAuthorForm(formdata=None),
        refused_form=next(iter(side_forms.values()), None), problems=services.submission_problems(proposal) if proposal else [],
        Status=Status,
    )


@proposals.route("/editions/<int:edition_id>/proposals/new", methods=["GET", "POST"])
@personal
def new(edition_id: int):
    edition = edition_or_404(edition_id)
    form = _proposal_form(edition)
    response = save_form(
        form, lambda: services.create_proposal(g.municipality, edition, form.to_data(), actor=current_user),
        success=_("Your draft is saved. Add attachments and supporters, then submit it."),
        next_url=lambda proposal: url_for("proposals.edit", proposal_id=proposal.id),
    )
    return response or _render_proposal_form(form, edition)


@proposals.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@personal
def edit(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    form = _proposal_form(proposal.edition, proposal)
    response = save_form(
        form, lambda: services.update_proposal(g.municipality, proposal, form.to_data(), actor=current_user),
        success=_("Your changes are saved."), next_url=url_for("proposals.edit", proposal_id=proposal.id),
    )
    return response or _render_proposal_form(form, proposal.edition, proposal)


def _author_step(proposal_id: int, action, success: str, back="edit"):
    proposal = _own_proposal(proposal_id)
    target = url_for("proposals.edit", proposal_id=proposal.id) if back == "edit" else url_for("proposals.detail", proposal_id=proposal.id)
    return run_action(lambda: action(proposal), success=success, next_url=target)


def _sidebar_step(proposal_id: int, form, key: str, action, success: str):
    """A form in the edit page's sidebar: done and back to the page, or the page again with its errors."""
    proposal = _own_proposal(proposal_id)
    response = save_form(form, lambda: action(proposal), success=success, next_url=url_for("proposals.edit", proposal_id=proposal.id))
    return response or _render_proposal_form(_proposal_form(proposal.edition, proposal, bound=False), proposal.edition, proposal, **{key: form})


@proposals.post("/proposals/<int:proposal_id>/attachments")
@personal
def upload(proposal_id: int):
    return _sidebar_step(
        proposal_id, AttachmentForm(), "attachment_form",
        lambda p: services.add_attachment(g.municipality, p, request.files.get("file"), actor=current_user), _("The file is attached."),
    )


@proposals.post("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/delete")
@personal
def remove_attachment(proposal_id: int, attachment_id: int):
    found = get_for_tenant_or_404(db.session, Attachment, g.municipality, attachment_id)
    if found.proposal_id != proposal_id:
        abort(404)
    return _author_step(proposal_id, lambda p: services.remove_attachment(g.municipality, found, actor=current_user), _("The file is removed."))


@proposals.post("/proposals/<int:proposal_id>/supporters/paper")
@personal
def paper_supporters(proposal_id: int):
    form = PaperSupportersForm()
    return _sidebar_step(
        proposal_id, form, "supporters_form",
        lambda p: services.set_paper_supporters(g.municipality, p, form.count.data, request.files.get("scan"), actor=current_user),
        _("The paper list of supporters is saved."),
    )


@proposals.post("/proposals/<int:proposal_id>/coauthors")
@personal
def add_coauthor(proposal_id: int):
    form = CoAuthorForm()
    return _sidebar_step(
        proposal_id, form, "coauthor_form",
        lambda p: services.add_coauthor(g.municipality, p, form.email.data, actor=current_user), _("The co-author is added."),
    )


@proposals.post("/proposals/<int:proposal_id>/submit")
@personal
def submit(proposal_id: int):
    return _author_step(
        proposal_id, lambda p: services.submit_proposal(g.municipality, p, actor=current_user),
        _("The proposal is submitted. We have sent you a confirmation by e-mail."), back="detail",
    )


@proposals.post("/proposals/<int:proposal_id>/withdraw")
@personal
def withdraw(proposal_id: int):
    return _author_step(
        proposal_id, lambda p: services.withdraw_proposal(g.municipality, p, actor=current_user), _("The proposal is withdrawn."), back="detail",
    )


@proposals.post("/proposals/<int:proposal_id>/support")
@personal
def support(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    return run_action(
        lambda: services.support_proposal(g.municipality, proposal, actor=current_user),
        success=_("Thank you: your support is recorded."), next_url=url_for("proposals.detail", proposal_id=proposal.id),
    )


@proposals.route("/proposals/<int:proposal_id>/appeal", methods=["GET", "POST"])
@personal
def appeal(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    form = AppealForm()
    response = save_form(
        form, lambda: services.lodge_appeal(g.municipality, proposal, form.grounds.data, request.files.get("document"), actor=current_user),
        success=_("Your appeal is lodged. The appeal panel will decide and tell you by e-mail."),
        next_url=url_for("proposals.detail", proposal_id=proposal.id),
    )
    return response or render_template(
        "proposals/appeal.html", form=form, proposal=proposal, deadline=services.appeal_deadline(proposal)
    )


@proposals.get("/my-proposals")
@personal
def mine():
    return render_template("proposals/mine.html", proposals=services.proposals_of(g.municipality, current_user))


# --- officials: review -----------------------------------------------------------------------------


@proposals.get("/office/review/")
@requires(VIEW_REVIEW_QUEUE)
def queue():
    tenant = g.municipality
    all_editions = editions_of(tenant, published_only=False)
    edition = next((e for e in all_editions if e.id == _int_arg("edition")), None)
    pool = pool_in_edition(tenant, edition, _int_arg("pool")) if edition else None
    evaluator = request.args.get("evaluator") or None
    evaluator = "none" if evaluator == "none" else _int_arg("evaluator")
    status = _status_arg(PUBLIC_STATUSES)
    statement = services.review_queue(
        tenant, edition_id=edition.id if edition else None, status=status, pool_id=pool.id if pool else None, evaluator_id=evaluator,
    )
    page = paginate(db.session, statement, request.args.get("page"), QUEUE_PAGE_SIZE)
    return render_template(
        "proposals/queue.html", page=page, editions=all_editions, edition=edition, pool=pool, status=status,
        evaluator=evaluator, evaluators=services.evaluators_of(tenant), statuses=sorted(PUBLIC_STATUSES, key=list(Status).index),
    )


def _reviewed(proposal_id: int) -> Proposal:
    proposal = get_for_tenant_or_404(db.session, Proposal, g.municipality, proposal_id)
    if proposal.status is Status.DRAFT:
        abort(404)
    return proposal


def _review_page(proposal: Proposal, **forms):
    tenant = g.municipality
    assign_form = AssignForm(data={"evaluator_id": proposal.evaluator_id})
    assign_form.evaluator_id.choices = [SelectChoice("", _("Nobody"))] + [SelectChoice(user.id, user.display_name) for user in services.evaluators_of(tenant)]
    return render_template(
        "proposals/review.html", proposal=proposal, edition=proposal.edition, description=render_markdown(proposal.description),
        formal_form=_formal_form(proposal, forms.get("formal") or FormalReviewForm(formdata=None)),
        merit_form=forms.get("merit") or MeritReviewForm(formdata=None),
        appeal_form=forms.get("appeal") or AppealDecisionForm(formdata=None), assign_form=assign_form,
        can_review=has_permission(current_user, REVIEW_PROPOSALS, tenant),
        can_decide_appeals=has_permission(current_user, DECIDE_APPEALS, tenant),
        can_assign=has_permission(current_user, ASSIGN_EVALUATORS, tenant),
        Status=Status,
    )


def _formal_form(proposal, form: FormalReviewForm) -> FormalReviewForm:
    form.checklist.choices = labelled_choices(services.formal_checklist_items(proposal.pool).items())
    return form


@proposals.get("/office/review/<int:proposal_id>")
@requires(VIEW_REVIEW_QUEUE)
def review(proposal_id: int):
    return _review_page(_reviewed(proposal_id))


def _review_step(proposal_id: int, form, key: str, action):
    proposal = _reviewed(proposal_id)
    response = save_form(
        form, lambda: action(proposal), success=_("The decision is recorded and the author is told by e-mail."),
        next_url=url_for("proposals.review", proposal_id=proposal.id),
    )
    return response or _review_page(proposal, **{key: form})


@proposals.post("/office/review/<int:proposal_id>/formal")
@requires(REVIEW_PROPOSALS)
def formal(proposal_id: int):
    form = FormalReviewForm()
    return _review_step(proposal_id, form, "formal", lambda p: services.formal_decision(
        g.municipality, p, form.decision.data, form.justification.data, form.checklist.data, actor=current_user,
    ))


@proposals.post("/office/review/<int:proposal_id>/merit")
@requires(REVIEW_PROPOSALS)
def merit(proposal_id: int):
    form = MeritReviewForm()
    return _review_step(proposal_id, form, "merit", lambda p: services.merit_decision(
        g.municipality, p, form.decision.data, form.justification.data, form.checklist.data, form.corrected_cost.data, actor=current_user,
    ))


@proposals.post("/office/review/<int:proposal_id>/appeal")
@requires(DECIDE_APPEALS)
def decide_appeal(proposal_id: int):
    form = AppealDecisionForm()
    return _review_step(proposal_id, form, "appeal", lambda p: services.decide_appeal(
        g.municipality, p, form.outcome.data == "upheld", form.justification.data, actor=current_user,
    ))


@proposals.post("/office/review/<int:proposal_id>/assign")
@requires(ASSIGN_EVALUATORS)
def assign(proposal_id: int):
    proposal = _reviewed(proposal_id)
    form = AssignForm()
    form.evaluator_id.choices = [SelectChoice("", "")] + [SelectChoice(user.id, user.display_name) for user in services.evaluators_of(g.municipality)]
    return run_action(
        lambda: services.assign_evaluator(g.municipality, proposal, form.evaluator_id.data, actor=current_user),
        success=_("The evaluator is assigned."), next_url=url_for("proposals.review", proposal_id=proposal.id), form=form,
    )


@proposals.context_processor
def checklist_labels():
    return {"checklist_labels": {**services.FORMAL_CHECKLIST, **services.MERIT_CHECKLIST}}
