"""The accessibility statement of a municipality's pages and residents' accessibility requests."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb_service.core.enums import LabelledEnum
from pb_service.core.models import TimestampMixin, UTCDateTime, utcnow, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.extensions import db


class Compliance(LabelledEnum):
    """The three statuses the statement template allows."""

    COMPLIANT = "compliant", _l("Compliant")
    PARTIALLY_COMPLIANT = "partially_compliant", _l("Partially compliant")
    NOT_COMPLIANT = "not_compliant", _l("Not compliant")


class AccessibilityStatement(TenantOwned, TimestampMixin, db.Model):
    """One per municipality. Empty text fields mean "show the standard text" (in the reader's
    language), so a municipality that has not written its own still publishes a complete statement."""

    __tablename__ = "accessibility_statement"
    __table_args__ = (UniqueConstraint("municipality_id", name="uq_accessibility_statement_municipality"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When the municipality's pages were first published.
    published_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: The last significant update of the pages.
    updated_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: When the statement was prepared.
    prepared_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: When the statement was last reviewed (it must be reviewed at least once a year).
    reviewed_on: Mapped[date] = mapped_column(Date, nullable=False)
    compliance: Mapped[Compliance] = mapped_column(value_enum(Compliance, 24), default=Compliance.PARTIALLY_COMPLIANT, nullable=False)
    #: What is not accessible (one item per line).
    non_accessible_content: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: Why: the exemptions of art. 3 or the disproportionate burden of art. 8 of the act.
    exemptions: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: How to reach the office: entrances, lifts, parking, toilets, induction loops, sign language.
    architectural_accessibility: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: The municipality's mobile apps, if any.
    apps: Mapped[str] = mapped_column(Text, default="", nullable=False)


class RequestSubject(LabelledEnum):
    INFORMATION = "information", _l("Information or a document in an accessible form")
    VOTING = "voting", _l("Another way to vote")
    OTHER = "other", _l("Something else on these pages")


class AccessForm(LabelledEnum):
    """The preferred form of access (art. 18 of the act: the requester names it)."""

    ACCESSIBLE_DOCUMENT = "accessible_document", _l("An accessible electronic document")
    EASY_TO_READ = "easy_to_read", _l("Easy-to-read text")
    LARGE_PRINT = "large_print", _l("Large print on paper")
    AUDIO = "audio", _l("Audio recording")
    SIGN_LANGUAGE = "sign_language", _l("Polish Sign Language (PJM) interpreter")
    PHONE_CALL = "phone_call", _l("A phone call")
    HOME_VISIT = "home_visit", _l("A visit at home (e.g. to vote on paper)")
    OTHER = "other", _l("Other (describe it in the request)")


#: The act (art. 18 ust. 3) gives the municipality 7 days to make the content accessible or answer.
ANSWER_DAYS = 7


class AccessibilityRequest(TenantOwned, db.Model):
    """A resident's request for accessibility (wniosek o zapewnienie dostępności cyfrowej)."""

    __tablename__ = "accessibility_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    phone: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    subject: Mapped[RequestSubject] = mapped_column(value_enum(RequestSubject, 16), nullable=False)
    #: What is requested: the page or document, or the situation (e.g. cannot go out to vote).
    description: Mapped[str] = mapped_column(Text, nullable=False)
    preferred_form: Mapped[AccessForm] = mapped_column(value_enum(AccessForm, 24), nullable=False)
    #: The requester's language: the confirmation and the answer are in it.
    locale: Mapped[str] = mapped_column(String(5), default="pl", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: The last day to answer (in Warsaw), fixed when the request arrives.
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: What was done or answered, for the record.
    answer_note: Mapped[str] = mapped_column(Text, default="", nullable=False)

    answered_by = relationship("User")

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def days_left(self, today: date) -> int:
        """Days until the deadline: 0 on the last day, negative when overdue."""
        return (self.due_on - today).days
