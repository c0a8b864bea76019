"""Ask an expert: officials ask, staff assign and publish, experts answer at their desk."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pb_service.core.i18n import current_language
from pb_service.core.permissions import personal, public, requires
from pb_service.core.tenancy import get_for_tenant_or_404
from pb_service.core.forms import run_action, save_form
from pb_service.extensions import db
from pb_service.hub.services import experts as services
from pb_service.hub.forms import (
    AnswerForm,
    AssignForm,
    ExpertForm,
    PublishAnswerForm,
    QuestionForm,
)
from pb_service.hub.models import (
    Expert,
    ExpertQuestion,
)
from pb_service.hub.permissions import CONTRIBUTE_TO_HUB, MANAGE_HUB, may_answer

from pb_service.hub.views.pages import markdown_preview

hub_experts = Blueprint("hub_experts", __name__)


@hub_experts.get("/hub/experts")
@public
def experts():
    offices = services.my_municipalities(current_user) if current_user.is_authenticated else []
    return render_template("hub/experts.html", experts=services.list_experts(), offices=offices)


@hub_experts.route("/hub/expert-desk/<int:question_id>", methods=["GET", "POST"])
@personal
def expert_desk(question_id: int):
    """An expert with an account answers a question assigned to them."""
    question = services.question_by_id(question_id)
    if question is None or not may_answer(current_user, question):
        abort(404)
    return _answer_page(question, redirect_to=url_for("hub.my_hub"))


def _answer_page(question: ExpertQuestion, redirect_to: str, **context):
    form = AnswerForm(answer=question.answer or None)
    preview = markdown_preview(form)
    response = None if preview is not None or not form.submit.data else save_form(
        form, lambda: services.answer_question(question, form.answer.data, actor=current_user),
        success=_("The answer is saved and sent to the person who asked."), next_url=redirect_to,
    )
    return response or render_template("hub/question.html", question=question, answer_form=form, preview=preview, **context)


@hub_experts.route("/<municipality>/office/hub/questions/new", methods=["GET", "POST"])
@requires(CONTRIBUTE_TO_HUB)
def ask():
    form = QuestionForm()
    form.set_editions(services.question_editions(g.municipality))
    response = save_form(
        form, lambda: services.ask_expert(g.municipality, form.question_data(current_language()), actor=current_user),
        success=_("Your question is sent. You will get the answer by e-mail."), next_url=url_for("hub.office"),
    )
    return response or render_template("hub/ask.html", form=form)


@hub_experts.get("/<municipality>/office/hub/questions/<int:question_id>")
@requires(CONTRIBUTE_TO_HUB)
def question(question_id: int):
    item = get_for_tenant_or_404(db.session, ExpertQuestion, g.municipality, question_id)
    return render_template("hub/question.html", question=item)


@hub_experts.route("/hub/manage/experts/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_expert():
    return _expert_page(None)


@hub_experts.route("/hub/manage/experts/<int:expert_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_expert(expert_id: int):
    return _expert_page(db.get_or_404(Expert, expert_id))


def _expert_page(expert: Expert | None):
    form = ExpertForm(obj=expert)
    if request.method == "GET" and expert is not None:
        form.account_email.data = expert.user.email if expert.user else ""
    response = save_form(
        form, lambda: services.save_expert(expert, form.expert_data(), actor=current_user),
        success=_("Saved."), next_url=url_for("hub.dashboard", _anchor="experts"),
    )
    return response or render_template("hub/manage/expert_form.html", form=form, expert=expert)


@hub_experts.route("/hub/manage/questions/<int:question_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def manage_question(question_id: int):
    item = services.question_by_id(question_id)
    if item is None:
        abort(404)
    assign = AssignForm(prefix="assign", expert=item.expert_id)
    assign.expert.choices = [SelectChoice(e.id, e.name) for e in services.list_experts()]
    response = assign.submit.data and save_form(
        assign, lambda: services.assign_question(item, db.get_or_404(Expert, assign.expert.data), actor=current_user),
        success=lambda _result: _("The question is assigned to %(name)s.", name=item.expert.name),
        next_url=url_for("hub_experts.manage_question", question_id=item.id),
    )
    return response or _answer_page(
        item, redirect_to=url_for("hub_experts.manage_question", question_id=item.id), assign_form=assign,
        publish_form=PublishAnswerForm(prefix="publish"), staff_view=True,
    )


@hub_experts.post("/hub/manage/questions/<int:question_id>/publish")
@requires(MANAGE_HUB)
def publish_answer(question_id: int):
    item = services.question_by_id(question_id)
    if item is None:
        abort(404)
    form = PublishAnswerForm(prefix="publish")
    return run_action(
        lambda: services.publish_answer(item, form.visibility.data, actor=current_user), success=_("The answer is published as a Q&A."),
        next_url=lambda material: url_for("hub_materials.material", material_id=material.id), form=form,
        refused_url=url_for("hub_experts.manage_question", question_id=item.id),
    )
