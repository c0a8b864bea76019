"""Users, their roles in municipalities, and invitations to become an official."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb_service.core.models import TimestampMixin, value_enum
from pb_service.core.roles import Role
from pb_service.core.tenancy import TenantOwned, tenant_select
from pb_service.extensions import db


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    #: Argon2id hash (never the password).
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    #: Preferred language ("" = not chosen: follow the switch, the municipality, the browser).
    locale: Mapped[str] = mapped_column(String(5), default="", nullable=False)
    #: Programme staff: national, across all municipalities.
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: When the e-mail address was confirmed; unconfirmed users cannot sign in.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Deactivated accounts cannot sign in.
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active and self.confirmed_at is not None

    def roles_in(self, tenant) -> set[Role]:
        """The roles this user holds in ``tenant``."""
        if tenant is None or self.id is None:
            return set()
        statement = tenant_select(Membership, tenant, Membership.user_id == self.id)
        return {membership.role for membership in db.session.scalars(statement)}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TenantOwned, TimestampMixin, db.Model):
    """An official's role in one municipality."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("municipality_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    role: Mapped[Role] = mapped_column(value_enum(Role, 20), nullable=False)

    user: Mapped[User] = relationship(lazy="joined")


class Invitation(TenantOwned, TimestampMixin, db.Model):
    """An e-mail invitation to take a role in a municipality, accepted through a signed link."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    role: Mapped[Role] = mapped_column(value_enum(Role, 20), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    invited_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
