"""An API token of one municipality, with named permissions; only its SHA-256 is stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb_service.accounts.models import User
from pb_service.core.models import TimestampMixin, UTCDateTime, utcnow
from pb_service.core.tenancy import TenantOwned
from pb_service.extensions import db


class ApiToken(TenantOwned, TimestampMixin, db.Model):
    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the token is for, e.g. "Integration with the city's GIS".
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The token's first characters, shown in lists so that people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    #: Hex SHA-256 of the whole token (tokens are 32 random bytes: a fast hash is enough).
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Names of the permissions it carries (``core.permissions.REGISTRY``), a subset of its creator's.
    permissions: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The official it acts for: the token stops working when they lose the permissions.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()
