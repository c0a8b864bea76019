"""The per-account failed-attempt counter: a temporary lock after repeated wrong passwords or codes.

Flask-Limiter counts per address; this counts per account, so that guessing spread over many
addresses (a botnet) still stops. The lock is temporary, because a permanent one would let anyone
lock an official out for good.
"""
from __future__ import annotations

from datetime import timedelta

from pb_service.core.audit import record_audit
from pb_service.core.models import as_utc, utcnow
from pb_service.extensions import db

#: Failed password or code checks in a row that lock the account.
MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=15)
LOCK_MINUTES = int(LOCK_DURATION.total_seconds() // 60)


def is_locked(user) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > utcnow()


def record_failure(user) -> None:
    """Count a failed check; the fifth in a row locks the account for a while."""
    user.failed_attempts += 1
    if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
        user.locked_until = utcnow() + LOCK_DURATION
        user.failed_attempts = 0
        record_audit(None, None, "account.locked", user, minutes=LOCK_MINUTES)
    db.session.commit()


def record_success(user) -> None:
    if user.failed_attempts or user.locked_until is not None:
        user.failed_attempts = 0
        user.locked_until = None
        db.session.commit()
