"""The per-account attempt counter: a temporary lock after repeated wrong passwords or codes.

Flask-Limiter counts per address; this counts per account, so that guessing spread over many
addresses (a botnet) still stops. The lock is temporary, because a permanent one would let anyone
lock an official out for good.

Every check is counted *before* it is made, in one ``UPDATE … RETURNING`` that is committed at
once: however many requests arrive together, on however many servers, each gets its own number,
and only the first ``MAX_FAILED_ATTEMPTS`` are checked at all. Counting after the check (read,
add one, write) let 50 simultaneous guesses all be checked while the counter lost updates.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, or_, update

from pb_service.accounts.models import User
from pb_service.core.audit import record_audit
from pb_service.core.models import utcnow
from pb_service.extensions import db

#: Failed password or code checks in a row that lock the account.
MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=15)
LOCK_MINUTES = int(LOCK_DURATION.total_seconds() // 60)


def begin_attempt(user) -> int | None:
    """Count one check of ``user``'s password or code before it is made.

    Returns the attempt's number (1 for the first since the last success or lock), or None when
    the check must not be made: the account is locked, or this attempt is past the limit because
    others are being checked at the same moment.
    """
    now = utcnow()
    number = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_attempts=User.failed_attempts + 1, locked_until=None)
        .returning(User.failed_attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    # Committed at once, so that every other server counts from this number.
    db.session.commit()
    return number if number is not None and number <= MAX_FAILED_ATTEMPTS else None


def record_failure(user, attempt: int) -> None:
    """The check numbered ``attempt`` failed (it is counted already); the last allowed one locks."""
    if attempt < MAX_FAILED_ATTEMPTS:
        return
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(locked_until=utcnow() + LOCK_DURATION, failed_attempts=0)
        .execution_options(synchronize_session=False)
    )
    record_audit(None, None, "account.locked", user, minutes=LOCK_MINUTES)
    db.session.commit()


def release_attempt(user) -> None:
    """A right password of a user who still owes a second factor: it does not count as a failure,
    and it does not wipe out earlier wrong codes either."""
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(failed_attempts=case((User.failed_attempts > 0, User.failed_attempts - 1), else_=0))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def record_success(user) -> None:
    """Signed in: the count starts again."""
    db.session.execute(
        update(User).where(User.id == user.id).values(failed_attempts=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
