"""Public edition pages (timeline, pools, categories) and officials' edition management."""
from __future__ import annotations

from flask import Blueprint, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pb_service.core.forms import run_action, save_form
from pb_service.core.permissions import has_permission, public, requires
from pb_service.core.signals import voting_closed
from pb_service.editions import services
from pb_service.editions.forms import (
    AdvancePhaseForm, BudgetFormulaForm, CategoryForm, CopyEditionForm, EditionForm, LevelForm, PoolForm, SettingsForm,
)
from pb_service.editions.models import DATED_PHASES, PHASE_START_COLUMNS, Category, Edition, Level, Phase, Pool
from pb_service.editions.permissions import MANAGE_EDITIONS, VIEW_EDITIONS_OFFICE
from pb_service.editions.loaders import edition_or_404, edition_part_or_404, office_edition_or_404
from pb_service.editions.rule_choices import OUTCOME_RULE_LABELS, tie_break_name
from pb_service.editions.services import max_supporters

editions = Blueprint("editions", __name__, url_prefix="/<municipality>")


@editions.app_template_filter("outcome_rule_label")
def outcome_rule_label(rule: str) -> str:
    """An outcome rule as residents and officials read it, never the rules engine's name."""
    return str(OUTCOME_RULE_LABELS.get(rule, rule))


editions.app_template_filter("tie_break_name")(tie_break_name)

#: The edition form's date fields, in the order of the phases.
PHASE_FIELDS = [PHASE_START_COLUMNS[phase] for phase in DATED_PHASES] + ["closes_at"]


# --- public ----------------------------------------------------------------------------------------


@editions.get("/editions/<int:edition_id>/")
@public
def detail(edition_id: int):
    edition = edition_or_404(edition_id)
    return render_template(
        "editions/detail.html", edition=edition, phase_changes=services.phase_changes(g.municipality, edition),
        Phase=Phase,
    )


# --- officials -------------------------------------------------------------------------------------


@editions.get("/office/editions/")
@requires(VIEW_EDITIONS_OFFICE)
def office_list():
    return render_template(
        "editions/office_list.html", editions=services.editions_of(g.municipality, published_only=False),
        can_manage=has_permission(current_user, MANAGE_EDITIONS, g.municipality),
    )


@editions.route("/office/editions/new", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def new():
    form = EditionForm()
    response = save_form(
        form, lambda: services.create_edition(g.municipality, form.to_data(), actor=current_user),
        success=_("The edition is created. Now add its levels, pools and categories."),
        next_url=lambda edition: url_for("editions.manage", edition_id=edition.id),
    )
    return response or render_template("editions/edit.html", form=form, edition=None, phase_fields=PHASE_FIELDS)


@editions.get("/office/editions/<int:edition_id>/")
@requires(VIEW_EDITIONS_OFFICE)
def manage(edition_id: int):
    edition = office_edition_or_404(edition_id)
    return _manage_page(edition, CategoryForm())


def _manage_page(edition: Edition, category_form: CategoryForm):
    return render_template(
        "editions/manage.html", edition=edition, category_form=category_form, Phase=Phase,
        can_manage=has_permission(current_user, MANAGE_EDITIONS, g.municipality), max_supporters=max_supporters,
    )


@editions.route("/office/editions/<int:edition_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def edit(edition_id: int):
    edition = office_edition_or_404(edition_id)
    form = EditionForm(obj=edition)
    response = save_form(
        form, lambda: services.update_edition(g.municipality, edition, form.to_data(), actor=current_user),
        success=_("The edition is saved."), next_url=url_for("editions.manage", edition_id=edition.id),
    )
    return response or render_template("editions/edit.html", form=form, edition=edition, phase_fields=PHASE_FIELDS)


@editions.route("/office/editions/<int:edition_id>/settings", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def settings(edition_id: int):
    edition = office_edition_or_404(edition_id)
    form = SettingsForm(obj=edition)
    form.leftover_pool_id.choices = [SelectChoice("", _("None"))] + [SelectChoice(pool.id, pool.name) for pool in edition.pools]
    response = save_form(
        form, lambda: services.update_settings(g.municipality, edition, form.to_data(), actor=current_user),
        success=_("The settings are saved."), next_url=url_for("editions.manage", edition_id=edition.id),
    )
    return response or render_template("editions/settings.html", form=form, edition=edition)


@editions.post("/office/editions/<int:edition_id>/publish")
@requires(MANAGE_EDITIONS)
def publish(edition_id: int):
    edition = office_edition_or_404(edition_id)
    return run_action(
        lambda: services.publish_edition(g.municipality, edition, actor=current_user),
        success=_("The edition is published."), next_url=url_for("editions.manage", edition_id=edition.id),
    )


@editions.post("/office/editions/<int:edition_id>/draw-lot")
@requires(MANAGE_EDITIONS)
def draw_lot(edition_id: int):
    edition = office_edition_or_404(edition_id)
    return run_action(
        lambda: services.draw_ballot_lot(g.municipality, edition, actor=current_user),
        success=_("The ballot order is drawn and recorded."), next_url=url_for("editions.manage", edition_id=edition.id),
    )


@editions.route("/office/editions/<int:edition_id>/copy", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def copy(edition_id: int):
    edition = office_edition_or_404(edition_id)
    form = CopyEditionForm(data={"year": edition.year + 1, "name": edition.name.replace(str(edition.year), str(edition.year + 1))})
    response = save_form(
        form, lambda: services.copy_edition(g.municipality, edition, form.name.data, form.year.data, actor=current_user),
        success=_("The edition is copied. Check its dates before publishing it."),
        next_url=lambda new: url_for("editions.manage", edition_id=new.id),
    )
    return response or render_template("editions/copy.html", form=form, edition=edition)


@editions.route("/office/editions/<int:edition_id>/advance", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def advance(edition_id: int):
    edition = office_edition_or_404(edition_id)
    form = AdvancePhaseForm()
    response = save_form(
        form, lambda: services.advance_phase(g.municipality, edition, form.reason.data, actor=current_user),
        success=_("The edition has moved to the next phase."), next_url=url_for("editions.manage", edition_id=edition.id),
    )
    if response is not None and edition.phase is Phase.RESULTS:
        # Closing the vote counts it (results listens): the preliminary result is ready for the officials' checks.
        follow_ups = [page for _receiver, page in voting_closed.send(g.municipality, edition=edition) if page is not None]
        return follow_ups[0] if follow_ups else response
    return response or render_template("editions/advance.html", form=form, edition=edition)


@editions.route("/office/editions/<int:edition_id>/levels/new", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def new_level(edition_id: int):
    return _level_page(edition_id, None)


@editions.route("/office/editions/<int:edition_id>/levels/<int:level_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def edit_level(edition_id: int, level_id: int):
    return _level_page(edition_id, level_id)


def _level_page(edition_id: int, level_id: int | None):
    edition = office_edition_or_404(edition_id)
    level = edition_part_or_404(edition, Level, level_id) if level_id is not None else None
    form = LevelForm(obj=level)
    if level is not None and not form.is_submitted():
        form.points.data = ", ".join(str(p) for p in level.points)
    response = save_form(
        form, lambda: services.save_level(g.municipality, edition, level, form.to_data(), actor=current_user),
        success=_("The level is saved."), next_url=url_for("editions.manage", edition_id=edition.id),
    )
    return response or render_template("editions/level.html", form=form, edition=edition, level=level)


@editions.route("/office/editions/<int:edition_id>/levels/<int:level_id>/formula", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def budget_formula(edition_id: int, level_id: int):
    edition = office_edition_or_404(edition_id)
    level = edition_part_or_404(edition, Level, level_id)
    saved = level.budget_formula or {}
    form = BudgetFormulaForm(data={
        "total": saved.get("total") or sum(pool.budget for pool in level.pools) or None,
        "equal_share": saved.get("equal", 50), "population_share": saved.get("population", 30), "area_share": saved.get("area", 20),
    })
    response = save_form(
        form,
        lambda: services.apply_budget_formula(
            g.municipality, level, form.total.data, form.equal_share.data, form.population_share.data, form.area_share.data, 
        actor=current_user),
        success=_("The district budgets are computed."), next_url=url_for("editions.manage", edition_id=edition.id),
    )
    return response or render_template("editions/formula.html", form=form, edition=edition, level=level)


@editions.route("/office/editions/<int:edition_id>/pools/new", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def new_pool(edition_id: int):
    return _pool_page(edition_id, None)


@editions.route("/office/editions/<int:edition_id>/pools/<int:pool_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_EDITIONS)
def edit_pool(edition_id: int, pool_id: int):
    return _pool_page(edition_id, pool_id)


def _pool_page(edition_id: int, pool_id: int | None):
    edition = office_edition_or_404(edition_id)
    pool = edition_part_or_404(edition, Pool, pool_id) if pool_id is not None else None
    form = PoolForm(obj=pool)
    form.level_id.choices = [SelectChoice(level.id, level.name) for level in edition.levels]
    response = save_form(
        form, lambda: services.save_pool(g.municipality, edition, pool, form.to_data(), actor=current_user),
        success=_("The pool is saved."), next_url=url_for("editions.manage", edition_id=edition.id),
    )
    return response or render_template("editions/pool.html", form=form, edition=edition, pool=pool)


@editions.post("/office/editions/<int:edition_id>/categories")
@requires(MANAGE_EDITIONS)
def add_category(edition_id: int):
    edition = office_edition_or_404(edition_id)
    form = CategoryForm()
    response = save_form(
        form, lambda: services.add_category(g.municipality, edition, form.name.data, actor=current_user),
        success=_("The category is added."), next_url=url_for("editions.manage", edition_id=edition.id),
    )
    return response or _manage_page(edition, form)


@editions.post("/office/editions/<int:edition_id>/categories/<int:category_id>/delete")
@requires(MANAGE_EDITIONS)
def delete_category(edition_id: int, category_id: int):
    edition = office_edition_or_404(edition_id)
    category = edition_part_or_404(edition, Category, category_id)
    return run_action(
        lambda: services.remove_category(g.municipality, category, actor=current_user),
        success=_("The category is removed."), next_url=url_for("editions.manage", edition_id=edition.id),
    )


@editions.app_template_global()
def open_editions(municipality=None) -> list[Edition]:
    """For the municipality's home page (its open editions) and the front page (everyone's)."""
    if municipality is None:
        return services.current_editions_everywhere()
    return services.current_editions(municipality)
