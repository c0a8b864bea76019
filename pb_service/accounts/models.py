"""Users, their roles in municipalities, and invitations to become an official."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb_service.core.encryption import EncryptedString
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
    #: Base32 TOTP secret (RFC 6238) of the confirmed authenticator; empty: no second factor.
    #: Encrypted at rest (``core/encryption.py``: Fernet, key derived from SECRET_KEY).
    totp_secret: Mapped[str] = mapped_column(EncryptedString(255), default="", server_default="", nullable=False)
    #: A secret shown for enrolment and not yet confirmed with a code from the app (encrypted too).
    totp_pending_secret: Mapped[str] = mapped_column(EncryptedString(255), default="", server_default="", nullable=False)
    #: The last TOTP time step accepted: a code is never accepted twice (RFC 6238, section 5.2).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: Failed password and code checks since the last success; enough of them lock the account.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    #: Sign-in is refused until then (UTC).
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Part of the session's user id: raising it ends every session and "remember me" cookie.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    #: When the resident deleted the account; the row stays, emptied, so that proposals keep an author.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active and self.confirmed_at is not None and self.deleted_at is None

    def get_id(self) -> str:  # Flask-Login: the version makes old session cookies worthless
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Make every session cookie issued so far worthless (sign-out, a new password, a role given
        or taken). One increment in the database, written at the next flush: two concurrent ends
        cannot undo each other."""
        self.session_version = type(self).session_version + 1

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def public_name(self) -> str:
        """The name shown with proposals: a deleted account's proposals stay, by a former resident."""
        return str(_l("Former resident")) if self.deleted_at is not None else self.display_name

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


class RecoveryCode(TimestampMixin, db.Model):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    #: Hex SHA-256 of the normalised code (the codes are random, so a fast hash is enough).
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
