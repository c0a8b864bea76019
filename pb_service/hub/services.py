"""What staff, officials and everyone else do in the hub.

Every function takes the acting person explicitly and never reads the request. Staff actions are
audited (with no municipality: hub content is national); officials' contributions are audited in
their municipality.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, distinct, func, select

from pb_service.accounts.models import Membership
from pb_service.analytics.models import EditionIndicators
from pb_service.core.audit import record_audit
from pb_service.core.mail import send_mail
from pb_service.core.models import as_utc, utcnow
from pb_service.core.permissions import PermissionDenied, ensure_permission
from pb_service.core.tenancy import cross_tenant_lookup, cross_tenant_select, tenant_lookup, tenant_select
from pb_service.core.uploads import DOCUMENTS, delete_upload, save_upload
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition
from pb_service.extensions import db
from pb_service.hub.models import (
    CONTENT_LANGUAGES,
    MaterialFile,
    Audience,
    CourseLesson,
    CourseModule,
    Event,
    EventKind,
    EventMaterial,
    EventRegistration,
    Expert,
    ExpertQuestion,
    GoodPractice,
    LessonCompletion,
    Material,
    MaterialAudience,
    MaterialKind,
    MaterialRevision,
    MaterialTopic,
    PilotStatus,
    PracticeKind,
    PracticeStatus,
    PublicationStatus,
    QuestionStatus,
    RegistrationStatus,
    Topic,
    Visibility,
)
from pb_service.hub.permissions import CONTRIBUTE_TO_HUB, MANAGE_HUB, can_see_hub_item, manages_hub, may_answer, sees_officials_only
from pb_service.hub.search import build_search_text
from pb_service.results.services import editions_with_published_results

#: Confirmed participants are reminded once, when the event is this close.
REMINDER_WINDOW = timedelta(hours=48)
#: Training documents (PDF, DOCX, XLSX) may be larger than proposal attachments.
MATERIAL_MAX_BYTES = 20 * 1024 * 1024
STAFF_QUESTIONS_REASON = "hub: programme staff and experts handle every municipality's questions"
#: Headings of a published Q&A, in the language it is written in (not the publisher's).
QA_HEADINGS = {"pl": ("Pytanie", "Odpowiedź"), "en": ("Question", "Answer"), "uk": ("Питання", "Відповідь")}
COMPLETION_REASON = "hub: programme staff compare course completion across municipalities (aggregate)"


# --- who sees what -----------------------------------------------------------------------------


def public_only(statement, model):
    """Restrict a statement to published public items (feed, API)."""
    return statement.where(model.status == PublicationStatus.PUBLISHED, model.visibility == Visibility.PUBLIC)


def visible_to(statement, model, viewer):
    if manages_hub(viewer):
        return statement
    visibility = [Visibility.PUBLIC] + ([Visibility.OFFICIALS] if sees_officials_only(viewer) else [])
    return statement.where(model.status == PublicationStatus.PUBLISHED, model.visibility.in_(visibility))


# --- translations (materials, modules, lessons, events, practices) ------------------------------


@dataclass
class TranslationData:
    language: str
    title: str
    summary: str = ""
    body: str = ""
    #: For the version history: what changed.
    note: str = ""


def _validate_translation(data: TranslationData) -> None:
    errors = {}
    if data.language not in CONTENT_LANGUAGES:
        errors["language"] = [str(_l("Choose one of the offered languages."))]
    if not (data.title or "").strip():
        errors["title"] = [str(_l("Enter a title."))]
    if errors:
        raise ServiceValidationError(errors)


def _put_translation(item, data: TranslationData):
    """Create or change ``item``'s version in ``data.language``."""
    _validate_translation(data)
    translation = item.translation(data.language)
    if translation is None:
        translation_class = type(item).translations.property.mapper.class_
        translation = translation_class(language=data.language, title="")
        item.translations.append(translation)
    translation.title = data.title.strip()
    translation.summary = (data.summary or "").strip()
    translation.body = data.body or ""
    return translation


def _add_new(actor, tenant, item, action: str):
    """Store a new item with its audit entry."""
    db.session.add(item)
    db.session.flush()
    record_audit(actor, tenant, action, item)
    db.session.flush()
    return item


def refresh_search_text(material: Material) -> None:
    """Rewrite what search indexes for each language version (a course includes its lessons)."""
    for translation in material.translations:
        parts = [translation.title, translation.summary, translation.body]
        for module in material.modules:
            for item in [module, *module.lessons]:
                version = item.translation(translation.language)
                if version is not None:
                    parts += [version.title, version.body]
        translation.search_text = build_search_text(*parts)


# --- materials ---------------------------------------------------------------------------------


@dataclass
class MaterialData:
    kind: MaterialKind
    visibility: Visibility = Visibility.PUBLIC
    topics: list[Topic] = field(default_factory=list)
    audiences: list[Audience] = field(default_factory=list)
    video_url: str = ""
    original_language: str = "pl"


def _apply_material_data(material: Material, data: MaterialData) -> None:
    errors = {}
    if data.kind is MaterialKind.VIDEO and not data.video_url.startswith(("https://", "http://")):
        errors["video_url"] = [str(_l("Enter the video's address, starting with https://"))]
    if data.original_language not in CONTENT_LANGUAGES:
        errors["original_language"] = [str(_l("Choose one of the offered languages."))]
    if not data.audiences:
        errors["audiences"] = [str(_l("Choose at least one audience."))]
    if errors:
        raise ServiceValidationError(errors)
    material.kind = data.kind
    material.visibility = data.visibility
    material.video_url = data.video_url if data.kind is MaterialKind.VIDEO else ""
    material.original_language = data.original_language
    material.topic_links = [MaterialTopic(topic=topic) for topic in dict.fromkeys(data.topics)]
    material.audience_links = [MaterialAudience(audience=audience) for audience in dict.fromkeys(data.audiences)]


def _add_revision(actor, material: Material, data: TranslationData) -> MaterialRevision:
    last = db.session.scalar(
        select(func.max(MaterialRevision.number)).where(
            MaterialRevision.material_id == material.id, MaterialRevision.language == data.language
        )
    )
    revision = MaterialRevision(
        material_id=material.id, language=data.language, number=(last or 0) + 1, title=data.title.strip(),
        summary=(data.summary or "").strip(), body=data.body or "", note=(data.note or "").strip()[:300],
        edited_by_id=actor.id,
    )
    db.session.add(revision)
    return revision


def create_material(actor, data: MaterialData, translation: TranslationData) -> Material:
    """A new draft in its original language."""
    ensure_permission(actor, MANAGE_HUB)
    if translation.language != data.original_language:
        raise ServiceValidationError.single("language", str(_l("Write the first version in the original language.")))
    material = Material(created_by_id=actor.id)
    _apply_material_data(material, data)
    _put_translation(material, translation)
    db.session.add(material)
    db.session.flush()
    _add_revision(actor, material, translation)
    refresh_search_text(material)
    record_audit(actor, None, "hub.material_create", material, kind=material.kind.value)
    db.session.flush()
    return material


def update_material(actor, material: Material, data: MaterialData, translation: TranslationData) -> Material:
    """Change the settings and one language version; a changed version enters the history."""
    ensure_permission(actor, MANAGE_HUB)
    if material.kind is MaterialKind.COURSE and data.kind is not MaterialKind.COURSE and material.modules:
        raise ServiceValidationError.single("kind", str(_l("Remove the course's modules before changing its kind.")))
    before = material.translation(translation.language)
    before_text = (before.title, before.summary, before.body) if before is not None else None
    _apply_material_data(material, data)
    after = _put_translation(material, translation)
    if (after.title, after.summary, after.body) != before_text:
        _add_revision(actor, material, translation)
    refresh_search_text(material)
    record_audit(actor, None, "hub.material_update", material, language=translation.language)
    db.session.flush()
    return material


def revisions_of(material: Material) -> list[MaterialRevision]:
    statement = (
        select(MaterialRevision)
        .where(MaterialRevision.material_id == material.id)
        .order_by(MaterialRevision.created_at.desc(), MaterialRevision.id.desc())
    )
    return list(db.session.scalars(statement))


def _publish(actor, item, action: str) -> None:
    ensure_permission(actor, MANAGE_HUB)
    if item.translation(item.original_language) is None:
        raise ServiceValidationError.single("", str(_l("Write the version in the original language first.")))
    item.status = PublicationStatus.PUBLISHED
    item.published_at = item.published_at or utcnow()
    record_audit(actor, None, action, item)
    db.session.flush()


def _unpublish(actor, item, action: str) -> None:
    ensure_permission(actor, MANAGE_HUB)
    item.status = PublicationStatus.DRAFT
    record_audit(actor, None, action, item)
    db.session.flush()


def publish_material(actor, material: Material) -> None:
    if material.kind is MaterialKind.COURSE and not material.lessons:
        raise ServiceValidationError.single("", str(_l("A course needs at least one lesson before it is published.")))
    _publish(actor, material, "hub.material_publish")


def unpublish_material(actor, material: Material) -> None:
    _unpublish(actor, material, "hub.material_unpublish")


def add_attachment(actor, material: Material, file, language: str = "") -> MaterialFile:
    """Store a PDF, DOCX or XLSX file with the material; anything else is refused untouched."""
    ensure_permission(actor, MANAGE_HUB)
    if language and language not in CONTENT_LANGUAGES:
        raise ServiceValidationError.single("language", str(_l("Choose one of the offered languages.")))
    stored = save_upload(file, DOCUMENTS, max_bytes=MATERIAL_MAX_BYTES)
    attachment = MaterialFile(
        language=language, original_name=stored.original_name, stored_name=stored.stored_name,
        file_kind=stored.kind, size=stored.size, uploaded_by_id=actor.id,
    )
    material.attachments.append(attachment)
    db.session.flush()
    record_audit(actor, None, "hub.attachment_add", material, file=stored.original_name, kind=stored.kind)
    db.session.flush()
    return attachment


def remove_attachment(actor, attachment: MaterialFile) -> None:
    ensure_permission(actor, MANAGE_HUB)
    material, stored_name = attachment.material, attachment.stored_name
    material.attachments.remove(attachment)
    record_audit(actor, None, "hub.attachment_remove", material, file=attachment.original_name)
    db.session.flush()
    delete_upload(stored_name)


def attachments_for(material: Material, language: str) -> list[MaterialFile]:
    """Files in the reader's language first, then those for every language, then the others."""
    order = {language: 0, "": 1}
    return sorted(material.attachments, key=lambda a: (order.get(a.language, 2), a.id))


# --- courses -----------------------------------------------------------------------------------


def _ensure_course(material: Material) -> None:
    if material.kind is not MaterialKind.COURSE:
        raise ServiceValidationError.single("", str(_l("Only a course has modules and lessons.")))


def add_module(actor, course: Material, data: TranslationData) -> CourseModule:
    ensure_permission(actor, MANAGE_HUB)
    _ensure_course(course)
    module = CourseModule(position=len(course.modules) + 1)
    _put_translation(module, data)
    course.modules.append(module)
    refresh_search_text(course)
    record_audit(actor, None, "hub.module_add", course)
    db.session.flush()
    return module


def add_lesson(actor, module: CourseModule, data: TranslationData) -> CourseLesson:
    ensure_permission(actor, MANAGE_HUB)
    lesson = CourseLesson(position=len(module.lessons) + 1)
    _put_translation(lesson, data)
    module.lessons.append(lesson)
    refresh_search_text(module.course)
    record_audit(actor, None, "hub.lesson_add", module.course)
    db.session.flush()
    return lesson


def save_course_part_translation(actor, part: CourseModule | CourseLesson, data: TranslationData) -> None:
    """Write one language version of a module or a lesson."""
    ensure_permission(actor, MANAGE_HUB)
    _put_translation(part, data)
    course = part.course if isinstance(part, CourseModule) else part.module.course
    refresh_search_text(course)
    record_audit(actor, None, "hub.course_translate", course, part=f"{type(part).__name__}:{part.id}", language=data.language)
    db.session.flush()


def mark_lesson_done(actor, lesson: CourseLesson) -> None:
    """Idempotent: marking a lesson done twice keeps the first time."""
    if not can_see_hub_item(actor, lesson.module.course):
        raise PermissionDenied("hub.view")
    exists = db.session.scalar(
        select(LessonCompletion.id).where(LessonCompletion.lesson_id == lesson.id, LessonCompletion.user_id == actor.id)
    )
    if exists is None:
        db.session.add(LessonCompletion(lesson_id=lesson.id, user_id=actor.id))
        db.session.flush()


def completed_lesson_ids(user, course: Material) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    lesson_ids = [lesson.id for lesson in course.lessons]
    statement = select(LessonCompletion.lesson_id).where(
        LessonCompletion.user_id == user.id, LessonCompletion.lesson_id.in_(lesson_ids)
    )
    return set(db.session.scalars(statement))


@dataclass
class CourseCompletion:
    municipality_name: str
    officials: int
    started: int
    completed: int


def completion_by_municipality(actor, course: Material) -> list[CourseCompletion]:
    """Per municipality: its officials, how many started the course and how many finished it."""
    ensure_permission(actor, MANAGE_HUB)
    from pb_service.municipalities.models import Municipality

    lesson_ids = [lesson.id for lesson in course.lessons]
    done = (
        select(LessonCompletion.user_id, func.count(LessonCompletion.id).label("lessons_done"))
        .where(LessonCompletion.lesson_id.in_(lesson_ids))
        .group_by(LessonCompletion.user_id)
        .subquery()
    )
    finished = case((done.c.lessons_done >= len(lesson_ids), done.c.user_id))
    statement = (
        cross_tenant_select(
            Municipality.name,
            func.count(distinct(Membership.user_id)),
            func.count(distinct(done.c.user_id)),
            func.count(distinct(finished)),
            reason=COMPLETION_REASON,
        )
        .select_from(Membership)
        .join(Municipality, Municipality.id == Membership.municipality_id)
        .outerjoin(done, done.c.user_id == Membership.user_id)
        .group_by(Municipality.id, Municipality.name)
        .order_by(Municipality.name)
    )
    return [CourseCompletion(*row) for row in db.session.execute(statement)]


# --- good practices ----------------------------------------------------------------------------


@dataclass
class PracticeData:
    kind: PracticeKind
    pilot_status: PilotStatus | None = None
    edition_id: int | None = None


#: Hub pages belong to no municipality: they read a practice's published edition and its
#: indicators (open data) across the database wall, one statement at a time.
PRACTICE_EDITION_REASON = "hub: a good practice and the published edition it comes from"


def practice_editions(municipality) -> list[Edition]:
    """The editions a practice of ``municipality`` may be linked to: its own, with published results."""
    return editions_with_published_results(municipality, lookup_reason=PRACTICE_EDITION_REASON)


def _apply_practice_data(practice: GoodPractice, municipality, data: PracticeData) -> None:
    if data.kind is PracticeKind.PILOT_PROJECT and data.pilot_status is None:
        raise ServiceValidationError.single("pilot_status", str(_l("Say where the pilot project stands.")))
    if data.edition_id is not None and data.edition_id not in {edition.id for edition in practice_editions(municipality)}:
        raise ServiceValidationError.single("edition_id", str(_l("Choose an edition of this municipality with published results.")))
    practice.kind = data.kind
    practice.pilot_status = data.pilot_status if data.kind is PracticeKind.PILOT_PROJECT else None
    practice.edition_id = data.edition_id


@dataclass
class PracticeEdition:
    edition: Edition
    #: As analytics stored them when the results were published (None if not computed).
    indicators: EditionIndicators | None


#: The indicators a practice page shows of its edition (keys of the analytics columns).
PRACTICE_INDICATORS = (
    "budget_total", "budget_per_resident", "proposals_submitted", "proposals_admitted", "projects_on_ballot",
    "voters", "turnout", "funded_count", "funded_share", "completion_rate",
)


def practice_edition(practice: GoodPractice) -> PracticeEdition | None:
    """The practice's edition with its indicators (None when the practice is not linked to one)."""
    if practice.edition_id is None:
        return None
    municipality = practice.municipality
    edition = db.session.scalar(tenant_lookup(Edition, municipality, Edition.id == practice.edition_id, reason=PRACTICE_EDITION_REASON))
    if edition is None:
        return None
    indicators = db.session.scalar(
        tenant_lookup(EditionIndicators, municipality, EditionIndicators.edition_id == edition.id, reason=PRACTICE_EDITION_REASON)
    )
    return PracticeEdition(edition, indicators)


def propose_practice(actor, municipality, data: PracticeData, translation: TranslationData) -> GoodPractice:
    """An official proposes a practice of their municipality; staff review it."""
    ensure_permission(actor, CONTRIBUTE_TO_HUB, municipality)
    practice = GoodPractice(municipality_id=municipality.id, proposed_by_id=actor.id, original_language=translation.language)
    _apply_practice_data(practice, municipality, data)
    _put_translation(practice, translation)
    return _add_new(actor, municipality, practice, "hub.practice_propose")


def edit_practice(actor, practice: GoodPractice, data: PracticeData, translation: TranslationData) -> None:
    ensure_permission(actor, MANAGE_HUB)
    _apply_practice_data(practice, practice.municipality, data)
    _put_translation(practice, translation)
    record_audit(actor, None, "hub.practice_edit", practice, language=translation.language)
    db.session.flush()


def review_practice(actor, practice: GoodPractice, publish: bool, note: str = "") -> None:
    ensure_permission(actor, MANAGE_HUB)
    practice.status = PracticeStatus.PUBLISHED if publish else PracticeStatus.REJECTED
    practice.review_note = (note or "").strip()[:1000]
    if publish:
        practice.published_at = practice.published_at or utcnow()
    record_audit(actor, None, "hub.practice_publish" if publish else "hub.practice_reject", practice)
    db.session.flush()


def published_practices() -> list[GoodPractice]:
    statement = (
        select(GoodPractice)
        .where(GoodPractice.status == PracticeStatus.PUBLISHED)
        .order_by(GoodPractice.published_at.desc(), GoodPractice.id.desc())
    )
    return list(db.session.scalars(statement))


def practices_of(municipality) -> list[GoodPractice]:
    statement = (
        select(GoodPractice)
        .where(GoodPractice.municipality_id == municipality.id)
        .order_by(GoodPractice.created_at.desc(), GoodPractice.id.desc())
    )
    return list(db.session.scalars(statement))


def practices_for_review() -> list[GoodPractice]:
    statement = select(GoodPractice).order_by(
        (GoodPractice.status == PracticeStatus.PROPOSED).desc(), GoodPractice.created_at.desc(), GoodPractice.id.desc()
    )
    return list(db.session.scalars(statement))


# --- experts -----------------------------------------------------------------------------------


@dataclass
class ExpertData:
    name: str
    bio: str = ""
    topics: list[Topic] = field(default_factory=list)
    email: str = ""
    #: The e-mail address of the expert's own account, if they have one.
    account_email: str = ""
    active: bool = True


def save_expert(actor, expert: Expert | None, data: ExpertData) -> Expert:
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


def ask_expert(actor, municipality, data: QuestionData) -> ExpertQuestion:
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
    return _add_new(actor, municipality, question, "hub.question_ask")


def questions_of(municipality) -> list[ExpertQuestion]:
    statement = tenant_select(ExpertQuestion, municipality).order_by(ExpertQuestion.created_at.desc(), ExpertQuestion.id.desc())
    return list(db.session.scalars(statement))


def all_questions(actor) -> list[ExpertQuestion]:
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


def assign_question(actor, question: ExpertQuestion, expert: Expert) -> None:
    ensure_permission(actor, MANAGE_HUB)
    question.expert = expert
    if question.status is QuestionStatus.NEW:
        question.status = QuestionStatus.ASSIGNED
    record_audit(actor, None, "hub.question_assign", question, expert=expert.name)
    db.session.flush()
    if expert.email:
        send_mail(expert.email, "hub_question_assigned", question.language, question=question, expert=expert,
                  link=_link(f"/hub/expert-desk/{question.id}"))


def answer_question(actor, question: ExpertQuestion, answer: str) -> None:
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
                  link=_link(f"/{question.municipality.slug}/office/hub/questions/{question.id}"))


def publish_answer(actor, question: ExpertQuestion, visibility: Visibility) -> Material:
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
    material = create_material(actor, data, TranslationData(question.language, question.subject, body=body))
    question.published_material_id = material.id
    _publish(actor, material, "hub.material_publish")
    return material


# --- events ------------------------------------------------------------------------------------


@dataclass
class EventData:
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    visibility: Visibility = Visibility.PUBLIC
    place: str = ""
    online_url: str = ""
    capacity: int | None = None
    original_language: str = "pl"


def _apply_event_data(event: Event, data: EventData) -> None:
    errors = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = [str(_l("The end must come after the start."))]
    if not data.place.strip() and not data.online_url.strip():
        errors["place"] = [str(_l("Give the place or the link to join online."))]
    if data.online_url and not data.online_url.startswith(("https://", "http://")):
        errors["online_url"] = [str(_l("Enter a full address starting with https://"))]
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = [str(_l("Capacity must be at least 1, or empty for no limit."))]
    if errors:
        raise ServiceValidationError(errors)
    for name, value in vars(data).items():
        setattr(event, name, value.strip() if isinstance(value, str) else value)


def create_event(actor, data: EventData, translation: TranslationData) -> Event:
    ensure_permission(actor, MANAGE_HUB)
    event = Event(created_by_id=actor.id)
    _apply_event_data(event, data)
    _put_translation(event, translation)
    return _add_new(actor, None, event, "hub.event_create")


def update_event(actor, event: Event, data: EventData, translation: TranslationData) -> None:
    ensure_permission(actor, MANAGE_HUB)
    _apply_event_data(event, data)
    _put_translation(event, translation)
    record_audit(actor, None, "hub.event_update", event, language=translation.language)
    db.session.flush()


def publish_event(actor, event: Event) -> None:
    _publish(actor, event, "hub.event_publish")


def unpublish_event(actor, event: Event) -> None:
    _unpublish(actor, event, "hub.event_unpublish")


def upcoming_events(viewer, now: datetime | None = None) -> list[Event]:
    statement = visible_to(select(Event), Event, viewer).where(Event.ends_at >= (now or utcnow())).order_by(Event.starts_at)
    return list(db.session.scalars(statement))


def past_events(viewer, now: datetime | None = None, limit: int = 20) -> list[Event]:
    statement = visible_to(select(Event), Event, viewer).where(Event.ends_at < (now or utcnow()))
    return list(db.session.scalars(statement.order_by(Event.starts_at.desc()).limit(limit)))


def registration_of(user, event: Event) -> EventRegistration | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return next((r for r in event.registrations if r.user_id == user.id), None)


def waiting_position(registration: EventRegistration) -> int | None:
    if registration.status is not RegistrationStatus.WAITING:
        return None
    return registration.event.waiting.index(registration) + 1


def _link(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def event_link(event: Event) -> str:
    """The event's public page (mails are sent outside requests too, so no ``url_for``)."""
    return _link(f"/hub/events/{event.id}")


def _mail_registration(registration: EventRegistration, template: str) -> None:
    user, event = registration.user, registration.event
    language = user.locale or event.original_language
    translation, _fallback = event.translation_for(language)
    send_mail(user.email, template, language, user=user, event=event, title=translation.title,
              position=waiting_position(registration), link=event_link(event), ics_link=event_link(event) + ".ics")


def _lock(event: Event) -> None:
    """Lock the event row and re-read its registrations, so that two people cannot both take the
    last place (PostgreSQL; SQLite serialises writers anyway)."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    db.session.expire(event, ["registrations"])


def register_for_event(actor, event: Event, now: datetime | None = None) -> EventRegistration:
    """A place if one is free, else a place on the waiting list; a mail says which."""
    if not can_see_hub_item(actor, event) or not event.is_published:
        raise PermissionDenied("hub.view")
    if event.has_started(now):
        raise ServiceValidationError.single("", str(_l("Registration is closed: this event has already started or taken place.")))
    _lock(event)
    registration = registration_of(actor, event)
    if registration is not None and registration.status is RegistrationStatus.CONFIRMED:
        raise ServiceValidationError.single("", str(_l("You are already registered for this event.")))
    if registration is not None and registration.status is RegistrationStatus.WAITING:
        raise ServiceValidationError.single("", str(_l("You are already on the waiting list for this event.")))
    full = event.places_left == 0
    if registration is None:
        registration = EventRegistration(user_id=actor.id, status=RegistrationStatus.WAITING)
        event.registrations.append(registration)
    registration.status = RegistrationStatus.WAITING if full else RegistrationStatus.CONFIRMED
    # Coming back after cancelling queues anew, behind those who waited.
    registration.registered_at = now or utcnow()
    registration.reminder_sent_at = None
    db.session.flush()
    _mail_registration(registration, "hub_registration_waiting" if full else "hub_registration_confirmed")
    return registration


def cancel_registration(actor, registration: EventRegistration, now: datetime | None = None) -> EventRegistration | None:
    """Give up a place; the first person waiting moves up and is told. Returns them, if any."""
    if registration.user_id != actor.id and not manages_hub(actor):
        raise PermissionDenied("hub.cancel")
    if registration.status is RegistrationStatus.CANCELLED:
        raise ServiceValidationError.single("", str(_l("This registration is already cancelled.")))
    event = registration.event
    _lock(event)
    freed_place = registration.status is RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    moved_up = None
    if freed_place and not event.has_started(now) and event.waiting:
        moved_up = event.waiting[0]
        moved_up.status = RegistrationStatus.CONFIRMED
    record_audit(actor, None, "hub.registration_cancel", event, registration=registration.id)
    db.session.flush()
    if moved_up is not None:
        _mail_registration(moved_up, "hub_moved_up")
    return moved_up


def record_attendance(actor, event: Event, present_ids: set[int]) -> None:
    """Staff tick who came; everyone else confirmed is recorded as absent."""
    ensure_permission(actor, MANAGE_HUB)
    for registration in event.confirmed:
        registration.attended = registration.id in present_ids
    record_audit(actor, None, "hub.attendance", event, present=len(present_ids & {r.id for r in event.confirmed}))
    db.session.flush()


def attach_material_to_event(actor, event: Event, material: Material) -> None:
    ensure_permission(actor, MANAGE_HUB)
    if any(link.material_id == material.id for link in event.material_links):
        raise ServiceValidationError.single("material", str(_l("This material is already attached.")))
    event.material_links.append(EventMaterial(material=material))
    record_audit(actor, None, "hub.event_attach", event, material=material.id)
    db.session.flush()


def due_reminders(now: datetime) -> list[EventRegistration]:
    """Confirmed registrations for events starting within :data:`REMINDER_WINDOW`, not reminded yet."""
    statement = (
        select(EventRegistration)
        .join(EventRegistration.event)
        .where(
            Event.status == PublicationStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + REMINDER_WINDOW,
            EventRegistration.status == RegistrationStatus.CONFIRMED,
            EventRegistration.reminder_sent_at.is_(None),
        )
        .order_by(Event.starts_at, EventRegistration.id)
    )
    return list(db.session.scalars(statement).unique())


def send_reminder(registration: EventRegistration, now: datetime) -> None:
    _mail_registration(registration, "hub_event_reminder")
    registration.reminder_sent_at = now
    db.session.flush()


def my_registrations(user) -> list[EventRegistration]:
    statement = (
        select(EventRegistration)
        .join(EventRegistration.event)
        .where(EventRegistration.user_id == user.id, EventRegistration.status != RegistrationStatus.CANCELLED)
        .order_by(Event.starts_at.desc())
    )
    return list(db.session.scalars(statement).unique())


def my_courses(user) -> list[tuple[Material, int, int]]:
    """Courses the user started: (course, lessons done, lessons in all)."""
    statement = (
        select(Material)
        .join(CourseModule, CourseModule.course_id == Material.id)
        .join(CourseLesson, CourseLesson.module_id == CourseModule.id)
        .join(LessonCompletion, LessonCompletion.lesson_id == CourseLesson.id)
        .where(LessonCompletion.user_id == user.id)
        .distinct()
    )
    courses = list(db.session.scalars(statement))
    return [(course, len(completed_lesson_ids(user, course)), len(course.lessons)) for course in courses]


# --- lists -------------------------------------------------------------------------------------


def title_in(item, language: str) -> str:
    translation, _fallback = item.translation_for(language)
    return translation.title if translation else f"#{item.id}"


def all_materials() -> list[Material]:
    """Every material, drafts included (staff)."""
    return list(db.session.scalars(select(Material).order_by(Material.updated_at.desc(), Material.id.desc())))


def all_events() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id.desc())))


def feed_items(limit: int) -> list[tuple[Material | Event, str, str]]:
    """The newest published public materials and events: (item, "material"/"event", path)."""
    materials = db.session.scalars(public_only(select(Material), Material).order_by(Material.published_at.desc()).limit(limit))
    events = db.session.scalars(public_only(select(Event), Event).order_by(Event.published_at.desc()).limit(limit))
    items = [(m, "material", f"/hub/materials/{m.id}") for m in materials] + [(e, "event", f"/hub/events/{e.id}") for e in events]
    items.sort(key=lambda entry: as_utc(entry[0].published_at), reverse=True)
    return items[:limit]


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
