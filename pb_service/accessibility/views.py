"""The public statement and request form; the officials' statement editor and request list."""
from __future__ import annotations

from flask import Blueprint, g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from pb_service.accessibility import services
from pb_service.accessibility.forms import AnswerForm, AccessRequestForm, StatementForm
from pb_service.accessibility.models import ANSWER_DAYS, AccessibilityRequest
from pb_service.accessibility.permissions import ANSWER_ACCESSIBILITY_REQUESTS, EDIT_ACCESSIBILITY_STATEMENT
from pb_service.core.security import MAIL_LIMIT
from pb_service.core.forms import save_form
from pb_service.core.i18n import current_language
from pb_service.core.permissions import public, requires
from pb_service.core.tenancy import get_for_tenant_or_404
from pb_service.extensions import db, limiter
from pb_service.municipalities.services import list_municipalities

accessibility = Blueprint("accessibility", __name__, url_prefix="/<municipality>")
#: The service-wide page that the footer of pages outside any municipality links to.
accessibility_index = Blueprint("accessibility_index", __name__)


@accessibility_index.get("/accessibility")
@public
def index():
    return render_template("accessibility/index.html", municipalities=list_municipalities())


@accessibility.get("/accessibility")
@public
def statement():
    municipality = g.municipality
    found = services.statement_for(municipality)
    return render_template(
        "accessibility/statement.html", statement=found, text=lambda part: services.statement_text(found, part),
        site_url=url_for("municipality.home", _external=True),
    )


@accessibility.route("/accessibility/request", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
@public
def new_access_request():
    form = AccessRequestForm()
    saved = save_form(
        form, lambda: services.submit_access_request(g.municipality, form.to_data(current_language())),
        success=ngettext("Your request is sent. We answer within %(num)d day.", "Your request is sent. We answer within %(num)d days.", ANSWER_DAYS),
        next_url=url_for("accessibility.statement"),
    )
    return saved or render_template("accessibility/request.html", form=form, answer_days=ANSWER_DAYS)


# --- officials ---------------------------------------------------------------------------------


@accessibility.route("/office/accessibility/statement", methods=["GET", "POST"])
@requires(EDIT_ACCESSIBILITY_STATEMENT)
def edit_statement():
    found = services.statement_for(g.municipality)
    form = StatementForm(obj=found)
    saved = save_form(
        form, lambda: services.save_statement(g.municipality, form.to_data(), actor=current_user),
        success=_("The accessibility statement is saved."), next_url=url_for("accessibility.statement"),
    )
    return saved or render_template("accessibility/edit_statement.html", form=form)


@accessibility.get("/office/accessibility/requests")
@requires(ANSWER_ACCESSIBILITY_REQUESTS)
def access_requests():
    return render_template("accessibility/requests.html", access_requests=services.access_requests_of(g.municipality), today=services.warsaw_today())


@accessibility.route("/office/accessibility/requests/<int:request_id>", methods=["GET", "POST"])
@requires(ANSWER_ACCESSIBILITY_REQUESTS)
def answer(request_id: int):
    found = get_for_tenant_or_404(db.session, AccessibilityRequest, g.municipality, request_id)
    form = AnswerForm()
    saved = save_form(
        form, lambda: services.answer_access_request(g.municipality, found, form.note.data or "", actor=current_user),
        success=_("The request is marked as answered."), next_url=url_for("accessibility.access_requests"),
    )
    return saved or render_template("accessibility/answer.html", access_request=found, form=form, today=services.warsaw_today())
