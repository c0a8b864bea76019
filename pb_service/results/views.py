"""Public results (after publication only), protests, receipts, and the officials' results office."""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pb_service.core import spreadsheets
from pb_service.core.forms import run_action, save_form
from pb_service.core.permissions import has_permission, personal, public, requires
from pb_service.core.signals import project_page, voting_closed
from pb_service.editions.models import Edition, LevelKind
from pb_service.editions.loaders import edition_or_404, edition_part_or_404, office_edition_or_404
from pb_service.editions.rule_choices import tie_break_name
from pb_service.core.jobs.services import tracked_job
from pb_service.results import services
from pb_service.results.explain import explain, explanations
from pb_service.results.forms import ProtestDecisionForm, ProtestForm, ReceiptForm
from pb_service.results.models import Protest, ResultCount
from pb_service.results.permissions import DECIDE_PROTESTS, MANAGE_RESULTS, VIEW_RESULTS_OFFICE
from pb_service.results.whatif import what_if
from pb_service.voting.models import Channel
from pb_service.voting.protocol import voting_protocol

results = Blueprint("results", __name__, url_prefix="/<municipality>")


@results.app_template_global("tie_break_label")
def tie_break_label(pool_result) -> str:
    """The edition's tie-break in the reader's language, with the lottery's seed."""
    parameters = pool_result.parameters
    label = tie_break_name(parameters.get("tie_breaking", ""))
    return _("%(order)s; lottery seed %(seed)s", order=label, seed=parameters.get("seed"))


@results.app_template_global("settled_by_label")
def settled_by_label(criterion: str) -> str:
    """What settled a tie (the rules engine's criterion), in the reader's language."""
    labels = {"cost": _("the lower cost"), "votes": _("more votes"), "lottery": _("the lottery"), "id": _("the project id")}
    return labels.get(criterion, criterion)


@results.app_template_global("tie_note")
def tie_note(pool_result, project_result) -> str:
    """For a project that lost a tie: the projects it tied with, by title, and what settled it."""
    pid = str(project_result.proposal_id)
    titles = pool_result.titles
    for tie in pool_result.ties:
        if pid in tie["projects"]:
            others = "; ".join(titles.get(other, other) for other in tie["projects"] if other != pid)
            return _("Tied with %(projects)s; settled by %(by)s.", projects=others, by=settled_by_label(tie["settled_by"]))
    return ""


@results.app_template_filter("percent")
def percent(share) -> str:
    """A share (0..1, also a Fraction) as the locale writes a percentage with one decimal."""
    return format_percent(float(share), "#,##0.0%")


def _published(edition_id: int) -> tuple[Edition, ResultCount]:
    """The edition and its published count, or 404: nothing is shown before publication."""
    edition = edition_or_404(edition_id)
    count = services.published_count(g.municipality, edition)
    if count is None:
        abort(404)
    return edition, count


# --- public ----------------------------------------------------------------------------------------


@results.get("/editions/<int:edition_id>/results/")
@public
def edition_results(edition_id: int):
    edition = edition_or_404(edition_id)
    count = services.published_count(g.municipality, edition)
    if count is None:
        return render_template(
            "results/pending.html", edition=edition, window_open=services.protest_window_open(edition),
            protests=services.protests_of(g.municipality, edition),
        )
    return render_template(
        "results/edition.html", edition=edition, count=count, turnout=services.turnout(g.municipality, edition),
        protocol=voting_protocol(g.municipality, edition), protests=services.protests_of(g.municipality, edition),
        Channel=Channel, LevelKind=LevelKind,
        measures_pending=any(result.measures is None for result in count.pools) and services.measures_job(g.municipality, edition) is not None,
    )


@results.get("/editions/<int:edition_id>/results/pools/<int:pool_id>")
@public
def pool_results(edition_id: int, pool_id: int):
    edition, count = _published(edition_id)
    pool_result = count.pool_result(pool_id)
    if pool_result is None:
        abort(404)
    return render_template(
        "results/pool.html", edition=edition, count=count, result=pool_result, told=explanations(pool_result),
        measures_pending=pool_result.measures is None and services.measures_job(g.municipality, edition) is not None,
    )


@results.get("/results/how-close")
@public
def method():
    """How the "how close was it" figures are computed, and the research they come from."""
    return render_template("results/method.html")


@results.get("/editions/<int:edition_id>/results.csv")
@public
def results_csv(edition_id: int):
    edition, count = _published(edition_id)
    rows = (
        [
            pool_result.pool_id, pool_result.pool.name, pool_result.rule, project.proposal_id, project.proposal.number or "",
            project.proposal.title, f"{project.cost / 100:.2f}", project.votes,
            "" if pool_result.vote_type == "approval" else project.score, project.rank, project.outcome.value,
            int(project.selected), *_measure_cells(project.measures),
        ]
        for pool_result in count.pools for project in pool_result.projects
    )
    header = [
        "pool_id", "pool", "rule", "project_id", "number", "title", "cost_pln", "votes", "points", "rank", "outcome", "selected",
        *MEASURE_COLUMNS,
    ]
    return Response(
        spreadsheets.csv_text(header, rows), mimetype=spreadsheets.CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="results-{g.municipality.slug}-{edition.id}.csv"'},
    )


#: The performance measures in the results CSV (money in złoty, as cost_pln); empty: none.
MEASURE_COLUMNS = ("max_winning_cost_pln", "singleton_add", "optimist_add", "pessimist_add")


def _measure_cells(values: dict | None) -> list:
    values = values or {}
    return ["" if values.get(name) is None else values[name] for name in (name.removesuffix("_pln") for name in MEASURE_COLUMNS)]


@results.route("/editions/<int:edition_id>/results/receipts", methods=["GET", "POST"])
@public
def receipts(edition_id: int):
    edition, count = _published(edition_id)
    form = ReceiptForm()
    found = None
    if form.validate_on_submit():
        found = services.receipt_in_count(g.municipality, edition, form.receipt.data)
    return render_template("results/receipts.html", edition=edition, count=count, form=form, found=found)


@results.get("/editions/<int:edition_id>/protests/")
@public
def protests(edition_id: int):
    edition = edition_or_404(edition_id)
    return render_template(
        "results/protests.html", edition=edition, protests=services.protests_of(g.municipality, edition),
        window_open=services.protest_window_open(edition),
    )


@results.route("/editions/<int:edition_id>/protests/new", methods=["GET", "POST"])
@personal
def new_protest(edition_id: int):
    edition = edition_or_404(edition_id)
    form = ProtestForm()
    form.pool_id.choices = [SelectChoice("", _("The whole vote"))] + [SelectChoice(pool.id, pool.name) for pool in edition.pools]
    response = save_form(
        form, lambda: services.lodge_protest(g.municipality, edition, form.grounds.data, form.pool_id.data, actor=current_user),
        success=_("Your protest is lodged. The panel will decide it and tell you by e-mail."),
        next_url=url_for("results.protests", edition_id=edition.id),
    )
    return response or render_template(
        "results/protest_form.html", form=form, edition=edition, window_open=services.protest_window_open(edition)
    )


# --- officials ---------------------------------------------------------------------------------------


@results.get("/office/editions/<int:edition_id>/results/")
@requires(VIEW_RESULTS_OFFICE)
def office(edition_id: int):
    edition = office_edition_or_404(edition_id)
    return _office_page(edition)


def _office_page(edition: Edition, decision_forms: dict | None = None):
    tenant = g.municipality
    count = services.current_count(tenant, edition)
    protests_list = services.protests_of(tenant, edition)
    forms = decision_forms or {}
    return render_template(
        "results/office.html", edition=edition, count=count, protests=protests_list,
        decision_forms={p.id: forms.get(p.id) or ProtestDecisionForm(formdata=None, prefix=f"p{p.id}") for p in protests_list},
        problems=services.publication_problems(tenant, edition, count),
        warnings={result.id: services.result_warnings(result) for result in count.pools} if count and not count.is_published else {},
        can_manage=has_permission(current_user, MANAGE_RESULTS, tenant),
        can_decide=has_permission(current_user, DECIDE_PROTESTS, tenant),
        pools={pool.id: pool for pool in edition.pools}, after_voting=edition.phase in services.AFTER_VOTING,
        count_job=services.latest_count_job(tenant, edition), measures_job=services.latest_measures_job(tenant, edition),
        told={result.pool_id: explanations(result) for result in count.pools} if count else {},
    )


@results.get("/office/editions/<int:edition_id>/results/what-if")
@requires(VIEW_RESULTS_OFFICE)
def office_what_if(edition_id: int):
    edition = office_edition_or_404(edition_id)
    if edition.phase not in services.AFTER_VOTING:
        abort(404)
    count = services.current_count(g.municipality, edition)
    return render_template(
        "results/what_if.html", edition=edition, comparisons=what_if(g.municipality, edition),
        told={result.pool_id: (result, explanations(result)) for result in count.pools} if count else {},
    )


@results.post("/office/editions/<int:edition_id>/results/compute")
@requires(MANAGE_RESULTS)
def compute(edition_id: int):
    return _count_votes(office_edition_or_404(edition_id))


def _count_votes(edition: Edition):
    if services.counts_in_background(g.municipality, edition):
        return _count_in_background(edition)
    return run_action(
        lambda: services.compute_results(g.municipality, edition, actor=current_user),
        success=_("The votes are counted. Check the preliminary result below."),
        next_url=url_for("results.office", edition_id=edition.id),
    )


def _count_in_background(edition: Edition):
    """A large edition is counted by a job; the official follows it on its page."""
    started = []

    def start():
        # The job leaves when the request commits (at once, in-process, without a broker).
        started.append(services.start_count(g.municipality, edition, actor=current_user))

    response = run_action(start, success=_("The votes are being counted."), next_url=url_for("results.office", edition_id=edition.id))
    return redirect(url_for("results.count_job", edition_id=edition.id, job_id=started[0].id)) if started else response


@results.get("/office/editions/<int:edition_id>/results/jobs/<int:job_id>")
@requires(VIEW_RESULTS_OFFICE)
def count_job(edition_id: int, job_id: int):
    """The progress of the count or of the measures after it: a <progress> bar, refreshed by the
    page itself every few seconds until the job ends (no JavaScript), and a link to reload by hand."""
    edition = office_edition_or_404(edition_id)
    tracked = tracked_job(g.municipality, job_id)
    if tracked is None or tracked.edition_id != edition.id:
        abort(404)
    return render_template("results/count_job.html", edition=edition, job=tracked)


@voting_closed.connect
def count_after_closing(tenant, edition: Edition):
    """Count the votes right after an official closed them, in the same transaction; a refusal is
    shown and undoes the count alone: the phase stays."""
    if services.current_count(tenant, edition) is not None:
        return None
    return _count_votes(edition)


@results.post("/office/editions/<int:edition_id>/results/publish")
@requires(MANAGE_RESULTS)
def publish(edition_id: int):
    edition = office_edition_or_404(edition_id)
    return run_action(
        lambda: services.publish_results(g.municipality, edition, actor=current_user),
        success=_("The results are published. Projects are marked selected or not, and their authors are told."),
        next_url=url_for("results.office", edition_id=edition.id),
    )


@results.post("/office/editions/<int:edition_id>/protests/<int:protest_id>/decide")
@requires(DECIDE_PROTESTS)
def decide(edition_id: int, protest_id: int):
    edition = office_edition_or_404(edition_id)
    protest = edition_part_or_404(edition, Protest, protest_id)
    form = ProtestDecisionForm(prefix=f"p{protest.id}")
    response = save_form(
        form, lambda: services.decide_protest(g.municipality, protest, form.outcome.data == "upheld", form.justification.data, actor=current_user),
        success=_("The decision is recorded and published."), next_url=url_for("results.office", edition_id=edition.id, _anchor="protests"),
    )
    return response or _office_page(edition, {protest.id: form})


@project_page.connect
def outcome_on_project_page(tenant, proposal) -> dict:
    """A published project's result and how close it came, for its public page."""
    result_line = services.published_project_result(tenant, proposal)
    explanation = explain(result_line, result_line.measures) if result_line else None
    pending = result_line is not None and result_line.measures is None
    return {
        "result_line": result_line, "explanation": explanation,
        "measures_pending": pending and services.measures_job(tenant, proposal.edition) is not None,
    }
