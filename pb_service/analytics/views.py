"""The staff dashboard and municipality profiles, the public open-data pages, and the
implementation pages of a municipality (residents' list and timeline, officials' updates)."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from flask import Blueprint, Response, abort, g, render_template, request, url_for
from babel import Locale
from babel import numbers as babel_numbers
from babel.numbers import parse_pattern
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from pb_service.analytics import charts, export, implementation, queries
from pb_service.analytics.forms import ExpenditureForm, ImplementationUpdateForm
from pb_service.analytics.indicators import SMALL_COUNT, updates_by_project
from pb_service.analytics.models import ImplementationPhoto, ImplementationStatus, ImplementationUpdate
from pb_service.analytics.permissions import (
    MANAGE_EXPENDITURE, REPORT_IMPLEMENTATION, VIEW_ANALYTICS, VIEW_IMPLEMENTATION_OFFICE,
)
from pb_service.analytics.queries import COLUMNS, Column, Filters
from pb_service.analytics.services import expenditures, set_expenditure, voters_note_of
from pb_service.core.forms import run_action, save_form
from pb_service.core.i18n import format_money
from pb_service.core.jobs.services import programme_jobs, tracked_job
from pb_service.core.maps import map_box
from pb_service.core.pagination import MAX_PAGE, Page
from pb_service.core.permissions import has_permission, personal, public, requires
from pb_service.core.tenancy import get_for_tenant_or_404
from pb_service.core.uploads import send_upload
from pb_service.editions.loaders import edition_or_404
from pb_service.extensions import db
from pb_service.municipalities.models import MunicipalityKind, Voivodeship
from pb_service.municipalities.services import municipality_by_slug_or_404
from pb_service.proposals.models import Proposal

analytics = Blueprint("analytics", __name__, url_prefix="/staff/analytics")
open_data = Blueprint("open_data", __name__, url_prefix="/open-data")
implementation_pages = Blueprint("implementation", __name__, url_prefix="/<municipality>")

#: The columns of the comparison table on the pages (the files and the API carry them all).
COMPACT_COLUMNS = [column for column in COLUMNS if column.compact]
EXPORT_FORMATS = ("csv", "xlsx")
#: Editions per page of the comparison table (the charts and the downloads take every edition).
TABLE_PAGE_SIZE = 100
#: The JSON column the dashboard reads (the category chart); the others are not decoded there.
CHART_JSON = ("funded_by_category",)


# --- tables shared by the dashboard and open data -------------------------------------------------


def _chart_tables(rows) -> dict[str, tuple[list[Column], list[dict]]]:
    """Each chart's data table as (columns, rows), exported as any other table."""
    line = charts.turnout_over_years(rows)
    turnout_rows = [
        {"municipality": s.name, "year": year, "turnout": turnout, "partial_coverage": partial}
        for s in (line.series if line else []) for year, turnout, _, _, partial in s.points
    ]
    by_key = queries.COLUMNS_BY_KEY
    share = Column("share", _("Share of the money for funded projects"), "percent")
    count = Column("count", _("Funded projects"), "int")
    cost = Column("cost", _("Cost of funded projects"), "money")
    category = Column("category", _("Category"), "text")
    return {
        "turnout-over-years": ([by_key["municipality"], by_key["year"], by_key["turnout"], by_key["partial_coverage"]], turnout_rows),
        "budget-and-turnout": (
            [by_key[k] for k in ("municipality", "year", "edition", "budget_per_resident", "turnout")],
            [row.values for row in rows],
        ),
        "categories": (
            [category, count, cost, share],
            [{"category": bar.label or _("No category"), "count": bar.detail["count"], "cost": bar.detail["cost"], "share": bar.value} for bar in charts.category_shares(rows)],
        ),
        "implementation": (
            [by_key[k] for k in ("municipality", "year", "edition", "funded_count", "impl_completed", "impl_in_progress", "impl_abandoned", "completion_rate")],
            [bar.row.values for bar in charts.implementation_rates(rows)],
        ),
    }


def _export(name: str, columns: list[Column], rows: list[dict], file_format: str) -> Response:
    filename = f"{name}.{file_format}"
    if file_format == "csv":
        body, content_type = export.to_csv(columns, rows), export.CSV_TYPE
    else:
        body, content_type = export.to_xlsx(columns, rows, name), export.XLSX_TYPE
    # content_type, not mimetype: Flask would add a second "charset" to the CSV's type.
    return Response(body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _filter_choices() -> dict:
    return dict(
        years=queries.years_available(), voivodeships=list(Voivodeship), kinds=list(MunicipalityKind),
        population_classes=[(key, label) for key, (_, _, label) in queries.POPULATION_CLASSES.items()],
    )


def _page_number(page_number, total: int) -> Page:
    """The comparison table's page (items still to be read): an unusable number shows the first
    page, one past the end the last."""
    try:
        number = min(max(1, int(page_number or 1)), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    page = Page([], number, TABLE_PAGE_SIZE, total)
    page.number = min(number, page.pages)
    return page


def _trend_rows(filters: Filters, sort: tuple[str, str], json_columns: tuple[str, ...] = ()) -> tuple[list, int]:
    """The rows of the turnout-over-years chart and how many municipalities match: the filters
    (the year too) choose the municipalities, the largest :data:`charts.MAX_SERIES` of them are
    drawn, and each with all its years side by side."""
    largest, municipalities = queries.largest_municipalities(filters, charts.MAX_SERIES)
    over_years = Filters(**{**vars(filters), "year": None, "municipality_ids": largest})
    return queries.edition_rows(over_years, sort, json_columns=json_columns), municipalities


def _charts(filters: Filters, sort: tuple[str, str], total: int, first_rows: list | None = None) -> dict:
    """The four charts of the matching editions (as :func:`_chart_tables` computes them from all
    rows); ``first_rows``: the first :data:`charts.MAX_POINTS` rows in the table's order, if read."""
    line_rows, municipalities = _trend_rows(filters, sort)
    scatter_rows = first_rows if first_rows is not None else queries.edition_rows(filters, sort, limit=charts.MAX_POINTS, json_columns=())
    scatter = charts.budget_against_turnout(scatter_rows, total)
    for point in scatter.points if scatter else ():
        point.labels = (indicator(point.row["budget_per_resident"], "zloty"), indicator(point.row["turnout"], "percent"))
    return dict(
        line=charts.turnout_over_years(line_rows, municipalities), scatter=scatter,
        categories=charts.category_bars(*queries.category_totals(filters)),
        implementation_bars=charts.implementation_rates(queries.most_funded_reporting(filters, sort, charts.MAX_BARS)),
    )


def _indicator_page(staff: bool):
    """The comparison table (and charts) for the query's filters; ``?format=`` exports a table."""
    filters = Filters.from_args(request.args)
    sort = queries.sort_from_args(request.args)
    file_format = request.args.get("format")
    if file_format in EXPORT_FORMATS:
        table = request.args.get("table", "editions")
        if table == "editions":
            rows = queries.edition_rows(filters, sort, json_columns=())
            return _export("pb-editions", list(COLUMNS), [row.values for row in rows], file_format)
        rows = _trend_rows(filters, sort, CHART_JSON)[0] if table == "turnout-over-years" else queries.edition_rows(filters, sort, json_columns=CHART_JSON)
        tables = _chart_tables(rows)
        if table not in tables:
            abort(404)
        return _export(f"pb-{table}", *tables[table], file_format)
    # The table shows a page; the charts summarise every matching edition, each from a query that
    # reads only what it draws (not every row: thousands of editions would take seconds).
    total = queries.count_editions(filters)
    page = _page_number(request.args.get("page"), total)
    offset = (page.number - 1) * TABLE_PAGE_SIZE
    # The scatter plot draws the first editions in the table's order: one query serves both when
    # the page is among them.
    head = queries.edition_rows(filters, sort, limit=charts.MAX_POINTS, json_columns=()) if total else []
    if offset + TABLE_PAGE_SIZE <= len(head) or len(head) == total:
        rows = head[offset:offset + TABLE_PAGE_SIZE]
    else:
        rows = queries.edition_rows(filters, sort, limit=TABLE_PAGE_SIZE, offset=offset, json_columns=())
    page.items = rows
    return render_template(
        "analytics/indicators.html", staff=staff, endpoint="analytics.dashboard" if staff else "open_data.index",
        rows=rows, page=page, filters=filters, sort=sort, columns=COMPACT_COLUMNS, frame=charts.FRAME,
        **(_charts(filters, sort, total, head) if total else {}),
        **_filter_choices(),
    )


# --- programme staff ---------------------------------------------------------------------------------


@analytics.get("/")
@requires(VIEW_ANALYTICS)
def dashboard():
    return _indicator_page(staff=True)


@analytics.get("/municipalities/<slug>")
@requires(VIEW_ANALYTICS)
def profile(slug: str):
    return _profile(slug, staff=True)


@analytics.get("/imports")
@requires(VIEW_ANALYTICS)
def imports():
    """The programme's latest Pabulib imports with their progress (refreshed while one runs)."""
    return render_template("analytics/imports.html", jobs=programme_jobs("import"))


@analytics.get("/imports/<int:job_id>")
@requires(VIEW_ANALYTICS)
def import_job(job_id: int):
    """One import's progress: files done of the files given, a <progress> bar the page refreshes
    every few seconds until the job ends (no JavaScript), and the outcome."""
    tracked = tracked_job(None, job_id)
    if tracked is None or tracked.kind != "import":
        abort(404)
    return render_template("analytics/import_job.html", job=tracked, summary=json.loads(tracked.outcome) if tracked.outcome else None)


def _profile(slug: str, staff: bool):
    municipality = municipality_by_slug_or_404(slug)
    filters = Filters(municipality_id=municipality.id)
    rows = queries.edition_rows(filters, ("year", "asc"))
    file_format = request.args.get("format")
    if file_format in EXPORT_FORMATS:
        return _export(f"pb-{municipality.slug}", list(COLUMNS), [row.values for row in rows], file_format)
    return render_template(
        "analytics/profile.html", staff=staff, municipality=municipality, rows=rows, columns=COMPACT_COLUMNS, standings=queries.peer_standing(municipality),
    )


# --- open data (everyone) -----------------------------------------------------------------------------


@open_data.get("/")
@public
def index():
    return _indicator_page(staff=False)


@open_data.get("/municipalities/<slug>")
@public
def municipality(slug: str):
    return _profile(slug, staff=False)


@open_data.get("/methodology")
@public
def methodology():
    return render_template("analytics/methodology.html", small_count=SMALL_COUNT, columns=COLUMNS)


# --- implementation: residents ------------------------------------------------------------------------


def _funded_with_status(edition):
    projects = implementation.funded_projects(g.municipality, edition)
    updates = updates_by_project(g.municipality, [p.id for p in projects])
    return [(project, updates[project.id]) for project in projects]


@implementation_pages.get("/editions/<int:edition_id>/implementation")
@public
def edition_implementation(edition_id: int):
    edition = edition_or_404(edition_id)
    projects = _funded_with_status(edition)
    mapped = [project for project, _ in projects if project.latitude is not None]
    return render_template(
        "analytics/implementation.html", edition=edition, projects=projects, map_box=map_box(mapped),
        current_status=implementation.current_status, Status=ImplementationStatus,
    )


def _funded_project(proposal_id: int) -> Proposal:
    proposal = get_for_tenant_or_404(db.session, Proposal, g.municipality, proposal_id)
    if proposal.status not in implementation.FUNDED_STATUSES or not proposal.edition.is_published:
        abort(404)
    return proposal


@implementation_pages.get("/projects/<int:proposal_id>/implementation/photos/<int:photo_id>")
@public
def photo(proposal_id: int, photo_id: int):
    proposal = _funded_project(proposal_id)
    found = get_for_tenant_or_404(db.session, ImplementationPhoto, g.municipality, photo_id)
    if found.update.proposal_id != proposal.id:
        abort(404)
    return send_upload(found, g.municipality.id, max_age=300)


@implementation_pages.post("/projects/<int:proposal_id>/follow")
@personal
def follow(proposal_id: int):
    proposal = _funded_project(proposal_id)
    return run_action(
        lambda: implementation.follow(g.municipality, proposal, actor=current_user),
        success=_("You will get an e-mail when the municipality reports on this project."),
        next_url=url_for("proposals.detail", proposal_id=proposal.id),
    )


@implementation_pages.post("/projects/<int:proposal_id>/unfollow")
@personal
def unfollow(proposal_id: int):
    proposal = _funded_project(proposal_id)
    return run_action(
        lambda: implementation.unfollow(g.municipality, proposal, actor=current_user),
        success=_("You no longer follow this project."), next_url=url_for("proposals.detail", proposal_id=proposal.id),
    )


@implementation_pages.app_template_global("edition_voters_note")
def edition_voters_note(edition) -> str:
    """For the voting protocol (office): why the edition's voters are not knowable, "" if they are."""
    return voters_note_of(g.municipality, edition.id)


@implementation_pages.app_template_global("implementation_of")
def implementation_of(proposal: Proposal) -> dict | None:
    """For the project page: the timeline and whether the visitor follows it (funded projects only)."""
    if proposal.status not in implementation.FUNDED_STATUSES:
        return None
    updates = implementation.timeline(g.municipality, proposal)
    return {
        "updates": updates, "status": updates[0].status if updates else ImplementationStatus.PLANNED,
        "following": implementation.follower_of(g.municipality, proposal, current_user) is not None,
        "can_report": has_permission(current_user, REPORT_IMPLEMENTATION, g.municipality),
    }


# --- implementation: officials ---------------------------------------------------------------------


@implementation_pages.get("/office/editions/<int:edition_id>/implementation")
@requires(VIEW_IMPLEMENTATION_OFFICE)
def office(edition_id: int):
    edition = edition_or_404(edition_id)
    return render_template(
        "analytics/implementation_office.html", edition=edition, projects=_funded_with_status(edition),
        current_status=implementation.current_status, can_report=has_permission(current_user, REPORT_IMPLEMENTATION, g.municipality),
    )


@implementation_pages.route("/office/projects/<int:proposal_id>/implementation", methods=["GET", "POST"])
@requires(REPORT_IMPLEMENTATION)
def report(proposal_id: int):
    proposal = get_for_tenant_or_404(db.session, Proposal, g.municipality, proposal_id)
    updates = implementation.timeline(g.municipality, proposal)
    form = ImplementationUpdateForm()
    if request.method == "GET" and updates:
        latest: ImplementationUpdate = updates[0]
        form.status.data = latest.status.value
        for name in ("percent_done", "actual_cost", "started_on", "planned_end_on", "completed_on"):
            getattr(form, name).data = getattr(latest, name)
    response = save_form(
        form, lambda: implementation.post_update(g.municipality, proposal, form.to_data(), request.files.getlist("photos"), actor=current_user),
        success=_("The update is published and followers are told."),
        next_url=url_for("implementation.office", edition_id=proposal.edition_id),
    )
    return response or render_template("analytics/report.html", form=form, proposal=proposal, updates=updates)


@implementation_pages.route("/office/expenditure", methods=["GET", "POST"])
@requires(MANAGE_EXPENDITURE)
def expenditure():
    form = ExpenditureForm()
    response = save_form(
        form, lambda: set_expenditure(g.municipality, form.year.data, form.amount.data, actor=current_user),
        success=_("The expenditure is saved and the indicators of that year are recomputed."),
        next_url=url_for("implementation.expenditure"),
    )
    return response or render_template("analytics/expenditure.html", form=form, rows=expenditures(g.municipality))


#: Number patterns parsed once: Babel parses a pattern given as text on every call.
PERCENT_PATTERN = parse_pattern("#,##0.0%")
DECIMAL_PATTERN = parse_pattern("#,##0.0")
_TENTH = Decimal("0.1")
_THOUSANDTH = Decimal("0.001")


@lru_cache(maxsize=8192)
def _formatted(kind: str, value: Decimal | int, locale: Locale) -> str:
    if kind == "percent":
        return babel_numbers.format_percent(value, PERCENT_PATTERN, locale=locale)
    if kind == "number":
        return babel_numbers.format_decimal(value, DECIMAL_PATTERN, locale=locale)
    return babel_numbers.format_decimal(value, locale=locale)


@analytics.app_template_filter("indicator")
def indicator(value, kind: str) -> str:
    """An indicator as the reader's language writes it; "—" where it is not known.

    Shares and numbers are rounded first (half to even at the shown digit, as Babel rounds) and
    formatted once per value and language: a dashboard shows thousands of them.
    """
    if value is None:
        return "—"
    if kind == "money":
        return format_money(value)
    if kind == "zloty":
        return format_money(round(value * 100))
    if kind == "percent":
        return _formatted(kind, Decimal(str(value)).quantize(_THOUSANDTH, ROUND_HALF_EVEN), get_locale())
    if kind == "number":
        return _formatted(kind, Decimal(str(value)).quantize(_TENTH, ROUND_HALF_EVEN), get_locale())
    if kind == "int":
        return _formatted(kind, value, get_locale())
    if kind == "bool":
        return _("yes") if value else _("no")
    return str(value)
