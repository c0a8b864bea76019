"""Experts and the questions officials ask them; an answer may become a published Q&A."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pb_service.accounts.models import Membership
from pb_service.core.audit import record_audit
from pb_service.core.mail import send_mail
from pb_service.core.models import utcnow
from pb_service.core.permissions import PermissionDenied, ensure_permission
from pb_service.core.tenancy import cross_tenant_lookup, cross_tenant_select, tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition
from pb_service.extensions import db
from pb_service.hub.models import (
    CONTENT_LANGUAGES,
    Audience,
    Expert,
    ExpertQuestion,
    Material,
    MaterialKind,
    QuestionStatus,
    Topic,
    Visibility,
)
from pb_service.hub.permissions import CONTRIBUTE_TO_HUB, MANAGE_HUB, may_answer
from pb_service.hub.services.content import TranslationData, add_new, publish, public_link
from pb_service.hub.services.materials import MaterialData, create_material


STAFF_QUESTIONS_REASON = "hub: programme staff and experts handle every municipality's questions"


#: Headings of a published Q&A, in the language it is written in (not the publisher's).
QA_HEADINGS = {"pl": ("Pytanie", "Odpowiedź"), "en": ("Question", "Answer"), "uk": ("Питання", "Відповідь")}


@dataclass
class ExpertData:
    name: str
    bio: str = ""
    topics: list[Topic] = field(default_factory=list)
    email: str = ""
    #: The e-mail address of the expert's own account, if they have one.
    account_email: str = ""
    active: bool = True


def save_expert(expert: Expert | None, data: ExpertData, *, actor) -> Expert:
    ensure_permission(actor, MANAGE_HUB)
    from pb_service.accounts.services import user_by_email

    if not data.name.strip():
        raise ServiceValidationError.single("name", str(_l("Enter the expert's name.")))
    user = None
    if data.account_email.strip():
        user = user_by_email(data.account_email)
        if user is None:
            raise ServiceValidationError.single("account_email", str(_l("No account has this e-mail address.")))
    expert = expert or Expert()
    expert.name, expert.bio, expert.email = data.name.strip(), data.bio.strip(), data.email.strip().lower()
    expert.topics = [topic.value for topic in data.topics]
    expert.user_id = user.id if user else None
    expert.active = data.active
    db.session.add(expert)
    db.session.flush()
    record_audit(actor, None, "hub.expert_save", expert)
    db.session.flush()
    return expert


def list_experts(active_only: bool = True) -> list[Expert]:
    statement = select(Expert).order_by(func.lower(Expert.name))
    if active_only:
        statement = statement.where(Expert.active.is_(True))
    return list(db.session.scalars(statement))


@dataclass
class QuestionData:
    topic: Topic
    subject: str
    body: str
    language: str = "pl"
    edition_id: int | None = None
    consent_to_publish: bool = False


def question_editions(municipality) -> list[Edition]:
    """The editions a question of ``municipality`` may concern: its own, newest first."""
    return list(db.session.scalars(tenant_select(Edition, municipality).order_by(Edition.year.desc(), Edition.id.desc())))


def ask_expert(municipality, data: QuestionData, *, actor) -> ExpertQuestion:
    ensure_permission(actor, CONTRIBUTE_TO_HUB, municipality)
    errors = {}
    if not data.subject.strip():
        errors["subject"] = [str(_l("Enter a short subject."))]
    if len(data.body.strip()) < 20:
        errors["body"] = [str(_l("Describe the question and its context in a few sentences."))]
    if data.edition_id is not None and data.edition_id not in {edition.id for edition in question_editions(municipality)}:
        errors["edition_id"] = [str(_l("Choose one of your municipality's editions."))]
    if errors:
        raise ServiceValidationError(errors)
    question = ExpertQuestion(
        municipality_id=municipality.id, asked_by_id=actor.id, topic=data.topic, subject=data.subject.strip(),
        body=data.body.strip(), language=data.language if data.language in CONTENT_LANGUAGES else "pl",
        edition_id=data.edition_id, consent_to_publish=data.consent_to_publish,
    )
    return add_new(municipality, question, "hub.question_ask", actor=actor)


def questions_of(municipality) -> list[ExpertQuestion]:
    statement = tenant_select(ExpertQuestion, municipality).order_by(ExpertQuestion.created_at.desc(), ExpertQuestion.id.desc())
    return list(db.session.scalars(statement))


def all_questions(*, actor) -> list[ExpertQuestion]:
    ensure_permission(actor, MANAGE_HUB)
    statement = cross_tenant_select(ExpertQuestion, reason=STAFF_QUESTIONS_REASON).order_by(
        ExpertQuestion.created_at.desc(), ExpertQuestion.id.desc()
    )
    return list(db.session.scalars(statement))


def question_by_id(question_id: int) -> ExpertQuestion | None:
    """Any municipality's question: only for staff and assigned experts (callers check)."""
    statement = cross_tenant_select(ExpertQuestion, reason=STAFF_QUESTIONS_REASON).where(ExpertQuestion.id == question_id)
    return db.session.scalar(statement)


def questions_assigned_to(user) -> list[ExpertQuestion]:
    statement = (
        cross_tenant_select(ExpertQuestion, reason=STAFF_QUESTIONS_REASON)
        .join(Expert, Expert.id == ExpertQuestion.expert_id)
        .where(Expert.user_id == user.id)
        .order_by(ExpertQuestion.created_at.desc())
    )
    return list(db.session.scalars(statement))


def assign_question(question: ExpertQuestion, expert: Expert, *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    question.expert = expert
    if question.status is QuestionStatus.NEW:
        question.status = QuestionStatus.ASSIGNED
    record_audit(actor, None, "hub.question_assign", question, expert=expert.name)
    db.session.flush()
    if expert.email:
        send_mail(expert.email, "hub_question_assigned", question.language, question=question, expert=expert,
                  link=public_link(f"/hub/expert-desk/{question.id}"))


def answer_question(question: ExpertQuestion, answer: str, *, actor) -> None:
    """Staff (on the expert's behalf) or the assigned expert answer; the asker gets the answer."""
    if not may_answer(actor, question):
        raise PermissionDenied("hub.answer")
    if question.expert is None:
        raise ServiceValidationError.single("", str(_l("Assign the question to an expert first.")))
    if len((answer or "").strip()) < 10:
        raise ServiceValidationError.single("answer", str(_l("Write the answer.")))
    question.answer = answer.strip()
    question.status = QuestionStatus.ANSWERED
    question.answered_at = utcnow()
    record_audit(actor, None, "hub.question_answer", question)
    db.session.flush()
    asker = question.asked_by
    if asker is not None:
        send_mail(asker.email, "hub_expert_answer", asker.locale or question.language, question=question,
                  link=public_link(f"/{question.municipality.slug}/office/hub/questions/{question.id}"))


def publish_answer(question: ExpertQuestion, visibility: Visibility, *, actor) -> Material:
    """Make an answered question a Q&A material, without the asker's name; needs their consent."""
    ensure_permission(actor, MANAGE_HUB)
    if not question.consent_to_publish:
        raise ServiceValidationError.single("", str(_l("The person who asked did not agree to publication.")))
    if question.status is not QuestionStatus.ANSWERED:
        raise ServiceValidationError.single("", str(_l("Only an answered question can be published.")))
    if question.published_material_id is not None:
        raise ServiceValidationError.single("", str(_l("This answer is already published.")))
    question_label, answer_label = QA_HEADINGS[question.language]
    body = f"## {question_label}\n\n{question.body}\n\n## {answer_label} ({question.expert.name})\n\n{question.answer}\n"
    data = MaterialData(kind=MaterialKind.QA, visibility=visibility, topics=[question.topic],
                        audiences=[Audience.OFFICIALS], original_language=question.language)
    material = create_material(data, TranslationData(question.language, question.subject, body=body), actor=actor)
    question.published_material_id = material.id
    publish(material, "hub.material_publish", actor=actor)
    return material


def my_municipalities(user) -> list:
    """The municipalities where ``user`` is an official (to offer "ask an expert" there)."""
    from pb_service.municipalities.models import Municipality

    statement = (
        cross_tenant_lookup(Municipality, reason="hub: a person's own roles, to link to their offices")
        .join(Membership, Membership.municipality_id == Municipality.id)
        .where(Membership.user_id == user.id)
        .distinct()
        .order_by(Municipality.name)
    )
    return list(db.session.scalars(statement))
