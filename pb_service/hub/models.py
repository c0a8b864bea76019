"""Hub content: materials (with translations, revisions, attachments and courses), good practices,
experts and their questions, events with registrations.

Hub content is shared by every municipality, so it is not tenant-owned; only an expert question,
a municipality's own correspondence until it is published, is.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, ForeignKeyConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from pb_service.core.models import TimestampMixin, as_utc, utcnow, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.extensions import db

#: Languages a hub item may be written in, in the order the editor offers them.
CONTENT_LANGUAGES = ("pl", "en", "uk")


class LabelledEnum(str, enum.Enum):
    """An enum whose members have a translated label in ``LABELS``."""

    @property
    def label(self) -> str:
        return str(LABELS[type(self)][self])


class MaterialKind(LabelledEnum):
    GUIDE = "guide"
    COURSE = "course"
    DOCUMENT = "document"
    VIDEO = "video"
    TEMPLATE = "template"
    #: An expert's answer published with the asker's consent.
    QA = "qa"


class Topic(LabelledEnum):
    """The programme's themes."""

    PARTICIPATORY_BUDGETING = "participatory_budgeting"
    COHESION_POLICY = "cohesion_policy"
    AGEING = "ageing"
    DEPOPULATION = "depopulation"
    ENERGY_POVERTY = "energy_poverty"
    CLIMATE_CHANGE = "climate_change"


class Audience(LabelledEnum):
    RESIDENTS = "residents"
    OFFICIALS = "officials"
    STAFF = "staff"


class Visibility(LabelledEnum):
    PUBLIC = "public"
    #: Officials of any municipality and programme staff; everyone else gets 404.
    OFFICIALS = "officials"


class PublicationStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class PracticeKind(LabelledEnum):
    CASE_STUDY = "case_study"
    PILOT_PROJECT = "pilot_project"


class PilotStatus(LabelledEnum):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


class PracticeStatus(LabelledEnum):
    PROPOSED = "proposed"
    PUBLISHED = "published"
    REJECTED = "rejected"


class QuestionStatus(LabelledEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ANSWERED = "answered"


class EventKind(LabelledEnum):
    TRAINING = "training"
    CONFERENCE = "conference"
    MEETING = "meeting"
    STUDY_VISIT = "study_visit"
    WEBINAR = "webinar"


class RegistrationStatus(LabelledEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


#: Labels per enum class: members of different enums may share a value ("officials").
LABELS = {
    MaterialKind: {
        MaterialKind.GUIDE: _l("Guide"),
        MaterialKind.COURSE: _l("Course"),
        MaterialKind.DOCUMENT: _l("Document"),
        MaterialKind.VIDEO: _l("Video"),
        MaterialKind.TEMPLATE: _l("Template"),
        MaterialKind.QA: _l("Expert answer"),
    },
    Topic: {
        Topic.PARTICIPATORY_BUDGETING: _l("Participatory budgeting"),
        Topic.COHESION_POLICY: _l("Territorial dimension of cohesion policy"),
        Topic.AGEING: _l("Ageing"),
        Topic.DEPOPULATION: _l("Depopulation of cities"),
        Topic.ENERGY_POVERTY: _l("Energy poverty"),
        Topic.CLIMATE_CHANGE: _l("Climate change"),
    },
    Audience: {
        Audience.RESIDENTS: _l("Residents"),
        Audience.OFFICIALS: _l("Officials"),
        Audience.STAFF: _l("Programme staff"),
    },
    Visibility: {
        Visibility.PUBLIC: _l("Public"),
        Visibility.OFFICIALS: _l("Officials only"),
    },
    PublicationStatus: {
        PublicationStatus.DRAFT: _l("Draft"),
        PublicationStatus.PUBLISHED: _l("Published"),
    },
    PracticeKind: {
        PracticeKind.CASE_STUDY: _l("Case study"),
        PracticeKind.PILOT_PROJECT: _l("Pilot project"),
    },
    PilotStatus: {
        PilotStatus.PLANNED: _l("Planned"),
        PilotStatus.RUNNING: _l("Running"),
        PilotStatus.COMPLETED: _l("Completed"),
        PilotStatus.DISCONTINUED: _l("Discontinued"),
    },
    PracticeStatus: {
        PracticeStatus.PROPOSED: _l("Proposed"),
        PracticeStatus.PUBLISHED: _l("Published"),
        PracticeStatus.REJECTED: _l("Rejected"),
    },
    QuestionStatus: {
        QuestionStatus.NEW: _l("New"),
        QuestionStatus.ASSIGNED: _l("Assigned to an expert"),
        QuestionStatus.ANSWERED: _l("Answered"),
    },
    EventKind: {
        EventKind.TRAINING: _l("Training"),
        EventKind.CONFERENCE: _l("Conference"),
        EventKind.MEETING: _l("Meeting"),
        EventKind.STUDY_VISIT: _l("Study visit"),
        EventKind.WEBINAR: _l("Webinar"),
    },
    RegistrationStatus: {
        RegistrationStatus.CONFIRMED: _l("Place confirmed"),
        RegistrationStatus.WAITING: _l("On the waiting list"),
        RegistrationStatus.CANCELLED: _l("Cancelled"),
    },
}


# --- translations ------------------------------------------------------------------------------


class TranslationColumns:
    """One language version of a hub item: the same columns for every kind of item."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``pl``, ``en`` or ``uk``.
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    #: One or two sentences for lists and the feed (plain text).
    summary: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    #: Markdown; rendered with :func:`pb_service.core.markdown.render_markdown`.
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)


class Translated:
    """An item with language versions in ``translations``; the original is ``original_language``."""

    @declared_attr
    def original_language(cls) -> Mapped[str]:
        #: The language the item was first written in: the fallback for missing translations.
        return mapped_column(String(5), default="pl", nullable=False)

    def translation(self, language: str | None):
        return next((t for t in self.translations if t.language == language), None)

    def translation_for(self, language: str):
        """``(translation, is_fallback)``: the reader's language, else the original, else any."""
        exact = self.translation(language)
        if exact is not None:
            return exact, False
        fallback = self.translation(self.original_language) or (self.translations[0] if self.translations else None)
        return fallback, fallback is not None

    @property
    def languages(self) -> list[str]:
        present = {t.language for t in self.translations}
        return [code for code in CONTENT_LANGUAGES if code in present]


def _translation_table_args(parent_column: str):
    return (UniqueConstraint(parent_column, "language"),)


# --- materials ---------------------------------------------------------------------------------


class Material(Translated, TimestampMixin, db.Model):
    __tablename__ = "hub_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MaterialKind] = mapped_column(value_enum(MaterialKind, 20), nullable=False)
    visibility: Mapped[Visibility] = mapped_column(value_enum(Visibility, 20), default=Visibility.PUBLIC, nullable=False)
    status: Mapped[PublicationStatus] = mapped_column(
        value_enum(PublicationStatus, 20), default=PublicationStatus.DRAFT, nullable=False
    )
    #: For videos: the address of the recording (we link, we do not host).
    video_url: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    #: When it was first published; the feed and "new" lists sort by it.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    translations: Mapped[list["MaterialTranslation"]] = relationship(
        back_populates="material", cascade="all, delete-orphan", order_by="MaterialTranslation.language"
    )
    topic_links: Mapped[list["MaterialTopic"]] = relationship(cascade="all, delete-orphan")
    audience_links: Mapped[list["MaterialAudience"]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list["MaterialFile"]] = relationship(
        back_populates="material", cascade="all, delete-orphan", order_by="MaterialFile.id"
    )
    modules: Mapped[list["CourseModule"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseModule.position"
    )

    @property
    def topics(self) -> list[Topic]:
        return sorted((link.topic for link in self.topic_links), key=list(Topic).index)

    @property
    def audiences(self) -> list[Audience]:
        return sorted((link.audience for link in self.audience_links), key=list(Audience).index)

    @property
    def is_published(self) -> bool:
        return self.status is PublicationStatus.PUBLISHED

    @property
    def lessons(self) -> list["CourseLesson"]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def __repr__(self) -> str:
        return f"<Material {self.id} {self.kind.value}>"


class MaterialTranslation(TranslationColumns, db.Model):
    __tablename__ = "hub_material_translation"
    __table_args__ = _translation_table_args("material_id")

    material_id: Mapped[int] = mapped_column(ForeignKey("hub_material.id", ondelete="CASCADE"), index=True, nullable=False)
    #: Lower-cased, diacritics-folded text of the title, summary, body (and a course's lessons) that
    #: full-text search indexes; written by the service layer on every save (see ``hub/search.py``).
    search_text: Mapped[str] = mapped_column(Text, default="", nullable=False)

    material: Mapped[Material] = relationship(back_populates="translations")


class MaterialRevision(db.Model):
    """A saved state of one language version: the material's version history."""

    __tablename__ = "hub_material_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("hub_material.id", ondelete="CASCADE"), index=True, nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    #: 1, 2, 3... per material and language.
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: What the editor says changed (optional).
    note: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    edited_by = relationship("User")


class MaterialTopic(db.Model):
    __tablename__ = "hub_material_topic"

    material_id: Mapped[int] = mapped_column(ForeignKey("hub_material.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[Topic] = mapped_column(value_enum(Topic, 40), primary_key=True)


class MaterialAudience(db.Model):
    __tablename__ = "hub_material_audience"

    material_id: Mapped[int] = mapped_column(ForeignKey("hub_material.id", ondelete="CASCADE"), primary_key=True)
    audience: Mapped[Audience] = mapped_column(value_enum(Audience, 20), primary_key=True)


class MaterialFile(db.Model):
    """A file (PDF, DOCX, XLSX) of a material, stored by :mod:`pb_service.core.uploads`."""

    __tablename__ = "hub_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("hub_material.id", ondelete="CASCADE"), index=True, nullable=False)
    #: The language of the file's text; empty when it serves every language.
    language: Mapped[str] = mapped_column(String(5), default="", nullable=False)
    #: The name the uploader's file had (shown and offered on download, never used as a path).
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    #: Random name inside ``UPLOAD_FOLDER``.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: ``pdf``, ``docx`` or ``xlsx``, detected from the content.
    file_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    material: Mapped[Material] = relationship(back_populates="attachments")


# --- courses -----------------------------------------------------------------------------------


class CourseModule(Translated, db.Model):
    __tablename__ = "hub_course_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("hub_material.id", ondelete="CASCADE"), index=True, nullable=False)
    #: Order inside the course: 1, 2, 3...
    position: Mapped[int] = mapped_column(Integer, nullable=False)

    course: Mapped[Material] = relationship(back_populates="modules")
    translations: Mapped[list["ModuleTranslation"]] = relationship(cascade="all, delete-orphan")
    lessons: Mapped[list["CourseLesson"]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="CourseLesson.position"
    )


class ModuleTranslation(TranslationColumns, db.Model):
    __tablename__ = "hub_module_translation"
    __table_args__ = _translation_table_args("module_id")

    module_id: Mapped[int] = mapped_column(ForeignKey("hub_course_module.id", ondelete="CASCADE"), index=True, nullable=False)


class CourseLesson(Translated, db.Model):
    __tablename__ = "hub_course_lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("hub_course_module.id", ondelete="CASCADE"), index=True, nullable=False)
    #: Order inside the module: 1, 2, 3...
    position: Mapped[int] = mapped_column(Integer, nullable=False)

    module: Mapped[CourseModule] = relationship(back_populates="lessons")
    translations: Mapped[list["LessonTranslation"]] = relationship(cascade="all, delete-orphan")


class LessonTranslation(TranslationColumns, db.Model):
    __tablename__ = "hub_lesson_translation"
    __table_args__ = _translation_table_args("lesson_id")

    lesson_id: Mapped[int] = mapped_column(ForeignKey("hub_course_lesson.id", ondelete="CASCADE"), index=True, nullable=False)


class LessonCompletion(db.Model):
    """A person marked a lesson done. Progress belongs to the person; completion per municipality
    is derived from their memberships when staff look (an official may serve several)."""

    __tablename__ = "hub_lesson_completion"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("hub_course_lesson.id", ondelete="CASCADE"), index=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


# --- good practices ----------------------------------------------------------------------------


class GoodPractice(Translated, TimestampMixin, db.Model):
    """A case study or pilot project of one municipality, proposed by its officials, published by staff."""

    __tablename__ = "hub_good_practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True, nullable=False)
    #: The edition of the same municipality the story comes from (one with published results);
    #: the page shows that edition's indicators. Cleared if the edition is deleted.
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("edition.id", ondelete="SET NULL"), index=True, nullable=True)
    kind: Mapped[PracticeKind] = mapped_column(value_enum(PracticeKind, 20), nullable=False)
    #: Only for pilot projects.
    pilot_status: Mapped[PilotStatus | None] = mapped_column(value_enum(PilotStatus, 20), nullable=True)
    status: Mapped[PracticeStatus] = mapped_column(
        value_enum(PracticeStatus, 20), default=PracticeStatus.PROPOSED, nullable=False
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Staff's note to the proposer when they reject or publish (plain text).
    review_note: Mapped[str] = mapped_column(String(1000), default="", nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    municipality = relationship("Municipality")
    proposed_by = relationship("User")
    translations: Mapped[list["PracticeTranslation"]] = relationship(cascade="all, delete-orphan")


class PracticeTranslation(TranslationColumns, db.Model):
    __tablename__ = "hub_practice_translation"
    __table_args__ = _translation_table_args("practice_id")

    practice_id: Mapped[int] = mapped_column(ForeignKey("hub_good_practice.id", ondelete="CASCADE"), index=True, nullable=False)


# --- experts -----------------------------------------------------------------------------------


class Expert(TimestampMixin, db.Model):
    __tablename__ = "hub_expert"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Affiliation and experience, plain text.
    bio: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: Topic values (see :class:`Topic`); a list, as experts are never filtered by topic in SQL.
    topics: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    #: The expert's own account, if any: they then answer assigned questions themselves.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    user = relationship("User")

    @property
    def topic_labels(self) -> list[str]:
        return [Topic(value).label for value in self.topics if value in Topic._value2member_map_]


class ExpertQuestion(TenantOwned, TimestampMixin, db.Model):
    """An official's question to the programme's experts: the municipality's correspondence."""

    __tablename__ = "hub_expert_question"
    #: The edition must be one of the asking municipality's own (its id with the municipality's).
    __table_args__ = (ForeignKeyConstraint(["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The edition it concerns, if one.
    edition_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    topic: Mapped[Topic] = mapped_column(value_enum(Topic, 40), nullable=False)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: The language the question is written in; the answer is published in it.
    language: Mapped[str] = mapped_column(String(5), default="pl", nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The question with its context (Markdown).
    body: Mapped[str] = mapped_column(Text, nullable=False)
    #: The asker agrees that the question and answer may be published without their name.
    consent_to_publish: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    status: Mapped[QuestionStatus] = mapped_column(value_enum(QuestionStatus, 20), default=QuestionStatus.NEW, nullable=False)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("hub_expert.id", ondelete="SET NULL"))
    #: The expert's answer (Markdown).
    answer: Mapped[str] = mapped_column(Text, default="", nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The Q&A material made from it, once published.
    published_material_id: Mapped[int | None] = mapped_column(ForeignKey("hub_material.id", ondelete="SET NULL"))

    asked_by = relationship("User")
    expert: Mapped[Expert | None] = relationship()
    municipality = relationship("Municipality")
    edition = relationship("Edition", viewonly=True)


# --- events ------------------------------------------------------------------------------------


class Event(Translated, TimestampMixin, db.Model):
    __tablename__ = "hub_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(value_enum(EventKind, 20), nullable=False)
    visibility: Mapped[Visibility] = mapped_column(value_enum(Visibility, 20), default=Visibility.PUBLIC, nullable=False)
    status: Mapped[PublicationStatus] = mapped_column(
        value_enum(PublicationStatus, 20), default=PublicationStatus.DRAFT, nullable=False
    )
    #: UTC; shown in Europe/Warsaw time.
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: Address of the venue; empty for online events.
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    #: Link to join an online event (sent in mails, shown to registered people only).
    online_url: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    #: Places; empty means no limit.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    translations: Mapped[list["EventTranslation"]] = relationship(cascade="all, delete-orphan")
    registrations: Mapped[list["EventRegistration"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventRegistration.registered_at"
    )
    material_links: Mapped[list["EventMaterial"]] = relationship(cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status is PublicationStatus.PUBLISHED

    @property
    def confirmed(self) -> list["EventRegistration"]:
        return [r for r in self.registrations if r.status is RegistrationStatus.CONFIRMED]

    @property
    def waiting(self) -> list["EventRegistration"]:
        return [r for r in self.registrations if r.status is RegistrationStatus.WAITING]

    def has_started(self, now: datetime | None = None) -> bool:
        return as_utc(self.starts_at) <= (now or utcnow())

    def is_over(self, now: datetime | None = None) -> bool:
        return as_utc(self.ends_at) < (now or utcnow())

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - len(self.confirmed))


class EventTranslation(TranslationColumns, db.Model):
    __tablename__ = "hub_event_translation"
    __table_args__ = _translation_table_args("event_id")

    event_id: Mapped[int] = mapped_column(ForeignKey("hub_event.id", ondelete="CASCADE"), index=True, nullable=False)


class EventRegistration(db.Model):
    """One person's place (or place in the queue) at an event; one row per person and event."""

    __tablename__ = "hub_event_registration"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("hub_event.id", ondelete="CASCADE"), index=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[RegistrationStatus] = mapped_column(value_enum(RegistrationStatus, 20), nullable=False)
    #: The waiting list moves up in this order (re-registering after a cancellation starts anew).
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    #: Taken by staff after the event: True present, False absent, empty not taken yet.
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: When the reminder went out (so that the scheduled command sends it once).
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    event: Mapped[Event] = relationship(back_populates="registrations")
    user = relationship("User", lazy="joined")


class EventMaterial(db.Model):
    """A material attached to an event, typically afterwards (slides, recording, notes)."""

    __tablename__ = "hub_event_material"

    event_id: Mapped[int] = mapped_column(ForeignKey("hub_event.id", ondelete="CASCADE"), primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("hub_material.id", ondelete="CASCADE"), primary_key=True)

    material: Mapped[Material] = relationship(lazy="joined")
