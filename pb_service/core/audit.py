"""The audit log: every administrative action, who did it, where and when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb_service.core.models import utcnow
from pb_service.core.tenancy import TenantOwned
from pb_service.extensions import db


class AuditEvent(TenantOwned, db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The municipality concerned; empty for national actions (e.g. creating a municipality).
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True, nullable=True
    )
    #: Who acted; empty for the system (commands, scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Dotted verb, e.g. ``membership.invite``.
    action: Mapped[str] = mapped_column(String(80), nullable=False)
    #: What was acted on, e.g. ``Municipality:3``.
    object_ref: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    details: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True, nullable=False)

    actor = relationship("User")


def object_ref(obj) -> str:
    return f"{type(obj).__name__}:{obj.id}" if obj is not None else ""


def record_audit(actor, tenant, action: str, obj=None, **details) -> AuditEvent:
    """Add an audit event to the current unit of work (committed with the action it records)."""
    event = AuditEvent(
        municipality_id=tenant.id if tenant is not None else None,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_ref=object_ref(obj),
        details=details,
    )
    db.session.add(event)
    return event
