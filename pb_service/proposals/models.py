"""A proposal (a ballot *project* once admitted), its costs, files, supporters and history."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, BigInteger, CheckConstraint, ForeignKey, ForeignKeyConstraint, Integer, Numeric, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb_service.accounts.models import User
from pb_service.core.enums import LabelledEnum
from pb_service.core.models import TimestampMixin, UTCDateTime, utcnow, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.editions.models import Category, Edition, Pool
from pb_service.extensions import db


class Status(LabelledEnum):
    """The proposal's state; :mod:`pb_service.proposals.workflow` says which steps are allowed."""

    DRAFT = "draft", _l("Draft")
    #: Submitted, waiting for formal review.
    SUBMITTED = "submitted", _l("Submitted, awaiting formal review")
    #: Returned to the author for correction, with a deadline.
    RETURNED = "returned", _l("Returned for correction")
    #: Formally correct, waiting for merit review.
    MERIT_REVIEW = "merit_review", _l("In merit review")
    #: Goes on the ballot.
    ADMITTED = "admitted", _l("Admitted to the vote")
    REJECTED = "rejected", _l("Rejected")
    #: The author appealed a rejection; the appeal panel decides.
    APPEALED = "appealed", _l("Appeal under consideration")
    WITHDRAWN = "withdrawn", _l("Withdrawn by the author")
    #: Set by the results: funded or not.
    SELECTED = "selected", _l("Selected for funding")
    NOT_SELECTED = "not_selected", _l("Not selected")
    #: Set while the municipality carries out a selected project.
    IN_IMPLEMENTATION = "in_implementation", _l("Being implemented")
    COMPLETED = "completed", _l("Completed")
    ABANDONED = "abandoned", _l("Abandoned")


#: Statuses the public sees (drafts are the author's own).
PUBLIC_STATUSES = frozenset(Status) - {Status.DRAFT}
#: Statuses of projects on the ballot, during and after the vote.
BALLOT_STATUSES = frozenset(
    {Status.ADMITTED, Status.SELECTED, Status.NOT_SELECTED, Status.IN_IMPLEMENTATION, Status.COMPLETED, Status.ABANDONED}
)


class Stage(LabelledEnum):
    """Who took a step: the author, a formal or merit evaluator, the appeal panel, or the system."""

    AUTHOR = "author", _l("Author")
    FORMAL = "formal", _l("Formal review")
    MERIT = "merit", _l("Merit review")
    APPEAL = "appeal", _l("Appeal panel")
    SYSTEM = "system", _l("System")


class AttachmentKind(str, enum.Enum):
    #: Photos, maps, drawings, cost estimates: public with the proposal.
    DOCUMENT = "document"
    #: The scanned paper list of supporters: personal data, author and officials only.
    SUPPORTERS_LIST = "supporters_list"
    #: What the author attaches to an appeal (e.g. a land register extract): author and officials only.
    APPEAL = "appeal"


#: Attachments only the authors and the reviewing officials may open.
PRIVATE_ATTACHMENTS = frozenset({AttachmentKind.SUPPORTERS_LIST, AttachmentKind.APPEAL})


class Proposal(TenantOwned, TimestampMixin, db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        UniqueConstraint("municipality_id", "id"),
        UniqueConstraint("edition_id", "number"),
        ForeignKeyConstraint(
            ["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE"
        ),
        # A proposal's pool and category always belong to its own edition (and so municipality).
        ForeignKeyConstraint(["edition_id", "pool_id"], ["pool.edition_id", "pool.id"]),
        ForeignKeyConstraint(["edition_id", "category_id"], ["category.edition_id", "category.id"]),
        CheckConstraint("estimated_cost >= 0", name="estimated_cost"),
        CheckConstraint("corrected_cost IS NULL OR corrected_cost >= 0", name="corrected_cost"),
        CheckConstraint("paper_supporters >= 0", name="paper_supporters"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    pool_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    category_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Number within the edition, given on submission (shown as "No. 12" and on the ballot).
    number: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True, nullable=False)
    title: Mapped[str] = mapped_column(String(150), nullable=False)
    #: One or two sentences for the catalogue and the ballot.
    summary: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    #: Markdown; rendered and sanitised.
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: Address or description of the place.
    location: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    #: How the project serves people with disabilities (universal design).
    accessibility: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: The author's estimate in grosze: the sum of the cost items.
    estimated_cost: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    #: The cost as corrected by merit review, in grosze; the ballot shows this when set.
    corrected_cost: Mapped[int | None] = mapped_column(BigInteger)
    #: Supporters on the paper list (scanned as a ``supporters_list`` attachment).
    paper_supporters: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: Online supports whose supporters were erased by the retention policy (``flask pb purge``):
    #: still counted, no longer linked to anyone.
    erased_supporters: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    status: Mapped[Status] = mapped_column(value_enum(Status, 20), default=Status.DRAFT, index=True, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a returned proposal must be corrected by; when a rejection may be appealed until.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The evaluator who reviews it.
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    edition: Mapped[Edition] = relationship()
    pool: Mapped[Pool] = relationship(foreign_keys=[pool_id], primaryjoin="Proposal.pool_id == Pool.id", overlaps="edition")
    category: Mapped[Category | None] = relationship(
        foreign_keys=[category_id], primaryjoin="Proposal.category_id == Category.id", overlaps="edition,pool"
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    evaluator: Mapped[User | None] = relationship(foreign_keys=[evaluator_id])
    cost_items: Mapped[list["CostItem"]] = relationship(
        back_populates="proposal", order_by="CostItem.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="proposal", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    supporters: Mapped[list["Supporter"]] = relationship(back_populates="proposal", cascade="all, delete-orphan")
    coauthors: Mapped[list["CoAuthor"]] = relationship(back_populates="proposal", cascade="all, delete-orphan")
    events: Mapped[list["ProposalEvent"]] = relationship(
        back_populates="proposal", order_by="ProposalEvent.id", cascade="all, delete-orphan"
    )

    @property
    def cost(self) -> int:
        """What the project costs on the ballot: the reviewed cost if there is one."""
        return self.corrected_cost if self.corrected_cost is not None else self.estimated_cost

    @property
    def supporter_count(self) -> int:
        return len(self.supporters) + self.erased_supporters + self.paper_supporters

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def is_author(self, user) -> bool:
        """The author or a co-author (they edit, submit and appeal together)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.id == self.author_id or any(c.user_id == user.id for c in self.coauthors)

    @property
    def deadline_passed(self) -> bool:
        return self.deadline is not None and utcnow() >= self.deadline

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.status.value}>"


class _ProposalPart(TenantOwned):
    """Rows that belong to one proposal; the composite key keeps them in its municipality."""

    proposal_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)

    @classmethod
    def proposal_key(cls) -> ForeignKeyConstraint:
        return ForeignKeyConstraint(
            ["municipality_id", "proposal_id"], ["proposal.municipality_id", "proposal.id"], ondelete="CASCADE"
        )


class CostItem(_ProposalPart, db.Model):
    __tablename__ = "cost_item"
    __table_args__ = (_ProposalPart.proposal_key(), CheckConstraint("amount >= 0", name="amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    #: In grosze.
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)

    proposal: Mapped[Proposal] = relationship(back_populates="cost_items")


class Attachment(_ProposalPart, TimestampMixin, db.Model):
    __tablename__ = "attachment"
    __table_args__ = (_ProposalPart.proposal_key(), UniqueConstraint("stored_name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AttachmentKind] = mapped_column(value_enum(AttachmentKind, 20), nullable=False)
    #: The name the author's file had (shown, never used as a path).
    original_name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Random file name under ``UPLOAD_FOLDER/<municipality_id>/``.
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Proved by the file's content.
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Supporter(_ProposalPart, TimestampMixin, db.Model):
    """A signed-in resident's online support (the paper list is counted in ``paper_supporters``)."""

    __tablename__ = "supporter"
    __table_args__ = (_ProposalPart.proposal_key(), UniqueConstraint("proposal_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)

    proposal: Mapped[Proposal] = relationship(back_populates="supporters")


class CoAuthor(_ProposalPart, TimestampMixin, db.Model):
    __tablename__ = "coauthor"
    __table_args__ = (_ProposalPart.proposal_key(), UniqueConstraint("proposal_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)

    proposal: Mapped[Proposal] = relationship(back_populates="coauthors")
    user: Mapped[User] = relationship()


class ProposalEvent(_ProposalPart, db.Model):
    """One step of the state machine: who, when, from what to what, and the public justification."""

    __tablename__ = "proposal_event"
    __table_args__ = (_ProposalPart.proposal_key(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[Stage] = mapped_column(value_enum(Stage, 10), nullable=False)
    from_status: Mapped[Status] = mapped_column(value_enum(Status, 20, "from_status"), nullable=False)
    to_status: Mapped[Status] = mapped_column(value_enum(Status, 20, "to_status"), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Public: shown to the author and on the proposal's page.
    justification: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: The reviewer's checklist: {item name: passed?}.
    checklist: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    #: The cost merit review found, in grosze (when it changed it).
    corrected_cost: Mapped[int | None] = mapped_column(BigInteger)
    #: Correction or appeal deadline set by this step.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
