"""Good practices: published ones for all, officials propose, staff edit and review."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb_service.core.i18n import current_language
from pb_service.core.permissions import public, requires
from pb_service.core.forms import run_action, save_form
from pb_service.extensions import db
from pb_service.hub.services import practices as services
from pb_service.hub.forms import (
    PracticeForm,
    ReviewForm,
)
from pb_service.analytics.queries import COLUMNS_BY_KEY
from pb_service.hub.models import (
    GoodPractice,
    PracticeStatus,
)
from pb_service.hub.permissions import CONTRIBUTE_TO_HUB, MANAGE_HUB, can_see_practice

from pb_service.hub.views.pages import language_arg, markdown_preview

hub_practices = Blueprint("hub_practices", __name__)


@hub_practices.get("/hub/practices")
@public
def practices():
    return render_template("hub/practices.html", practices=services.published_practices(), language=current_language())


@hub_practices.get("/hub/practices/<int:practice_id>")
@public
def practice(practice_id: int):
    item = db.session.get(GoodPractice, practice_id)
    if item is None or not can_see_practice(current_user, item):
        abort(404)
    translation, is_fallback = item.translation_for(current_language())
    return render_template(
        "hub/practice.html", practice=item, translation=translation, is_fallback=is_fallback,
        linked=services.practice_edition(item), indicator_columns=[COLUMNS_BY_KEY[key] for key in services.PRACTICE_INDICATORS],
    )


@hub_practices.route("/<municipality>/office/hub/practices/new", methods=["GET", "POST"])
@requires(CONTRIBUTE_TO_HUB)
def propose_practice():
    form = PracticeForm()
    form.set_editions(g.municipality, services.practice_editions(g.municipality))
    preview = markdown_preview(form)
    response = None if preview is not None else save_form(
        form, lambda: services.propose_practice(g.municipality, form.practice_data(), form.translation_data(current_language()), actor=current_user),
        success=_("Thank you. Programme staff will review the practice and publish it."), next_url=url_for("hub.office"),
    )
    return response or render_template("hub/practice_form.html", form=form, preview=preview, title=_("Propose a good practice"))


@hub_practices.route("/hub/manage/practices/<int:practice_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def manage_practice(practice_id: int):
    item = db.get_or_404(GoodPractice, practice_id)
    language = language_arg(item.original_language)
    translation = item.translation(language)
    form = PracticeForm(obj=item)
    form.set_editions(item.municipality, services.practice_editions(item.municipality))
    if request.method == "GET" and translation is not None:
        form.title.data, form.summary.data, form.body.data = translation.title, translation.summary, translation.body
    review = ReviewForm(prefix="review", note=item.review_note)
    preview = markdown_preview(form)
    response = None if preview is not None or not form.submit.data else save_form(
        form, lambda: services.edit_practice(item, form.practice_data(), form.translation_data(language), actor=current_user),
        success=_("Saved."), next_url=url_for("hub_practices.manage_practice", practice_id=item.id, lang=language),
    )
    return response or render_template("hub/manage/practice.html", practice=item, form=form, review=review, language=language, preview=preview)


@hub_practices.post("/hub/manage/practices/<int:practice_id>/review")
@requires(MANAGE_HUB)
def review_practice(practice_id: int):
    item = db.get_or_404(GoodPractice, practice_id)
    review = ReviewForm(prefix="review")
    return run_action(
        lambda: services.review_practice(item, actor=current_user, publish=bool(review.publish.data), note=review.note.data),
        success=lambda _result: _("The practice is published.") if item.status is PracticeStatus.PUBLISHED else _("The practice is rejected."),
        next_url=url_for("hub_practices.manage_practice", practice_id=item.id), form=review,
    )
