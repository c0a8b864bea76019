"""The second factor: TOTP (RFC 6238) from an authenticator app, and one-time recovery codes.

Required for officials (anyone with a membership) and programme staff, voluntary for residents.
Services take the user explicitly; the views keep the half-signed-in state in the session.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import String, delete, or_, select, type_coerce, update

from pb_service.accounts.lockout import LOCK_MINUTES, MAX_FAILED_ATTEMPTS, begin_attempt, record_failure, record_success
from pb_service.accounts.models import Membership, RecoveryCode, User
from pb_service.core.audit import record_audit
from pb_service.core.encryption import app_secret_keys, reencrypt
from pb_service.core.models import utcnow
from pb_service.core.tenancy import cross_tenant_lookup
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db

ISSUER = "pb-service"
RECOVERY_CODE_COUNT = 10
#: Lower-case letters and digits without the look-alikes (0/o, 1/l/i): easy to copy from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: Accept the codes of one time step either side of now (clocks on phones drift).
_DRIFT_STEPS = 1


def requires_second_factor(user: User) -> bool:
    """Officials of any municipality and programme staff must use a second factor."""
    if user.is_staff:
        return True
    statement = cross_tenant_lookup(Membership.id, reason="second factor: is the user an official anywhere").where(
        Membership.user_id == user.id
    )
    return db.session.scalar(statement.limit(1)) is not None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code, drawn here (no image service sees the secret)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, light="#fff", title=str(_l("QR code for the authenticator app")))
    return Markup(svg)


def start_enrolment(user: User) -> str:
    """A new secret waiting for confirmation (the same one while the user has not confirmed it)."""
    if not user.totp_pending_secret:
        user.totp_pending_secret = new_secret()
        db.session.flush()
    return user.totp_pending_secret


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _totp_step(secret: str, code: str) -> int | None:
    """The time step whose code this is (whether it was used before is ``_spend_totp_step``'s question)."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - _DRIFT_STEPS, now + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned once, to be shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(raw)))
    return codes


def _code_error() -> ServiceValidationError:
    return ServiceValidationError.single("code", str(_l("This code is not right. Enter the current code from your app.")))


def _locked_error() -> ServiceValidationError:
    return ServiceValidationError.single(
        "code", ngettext("Too many wrong codes. The account is locked for %(num)d minute.", "Too many wrong codes. The account is locked for %(num)d minutes.", LOCK_MINUTES)
    )


def _begin_code_check(user: User) -> int:
    """The attempt's number (see ``lockout``), or the lock's message when no check may be made."""
    attempt = begin_attempt(user)
    if attempt is None:
        raise _locked_error()
    return attempt


def _refuse_code(user: User, attempt: int) -> ServiceValidationError:
    record_failure(user, attempt)
    return _locked_error() if attempt >= MAX_FAILED_ATTEMPTS else _code_error()


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the pending secret on once the app shows a right code; returns the new recovery codes."""
    attempt = _begin_code_check(user)
    step = _totp_step(user.totp_pending_secret, _normalise(code)) if user.totp_pending_secret else None
    if step is None:
        raise _refuse_code(user, attempt)
    user.totp_secret, user.totp_pending_secret, user.totp_last_step = user.totp_pending_secret, "", step
    # A new second factor ends the sessions that were opened without it.
    user.end_sessions()
    codes = _new_recovery_codes(user)
    record_audit(user, None, "account.two_factor_enable", user)
    record_success(user)
    return codes


def _spend_totp_step(user: User, step: int) -> bool:
    """Mark ``step`` used unless it (or a later one) already is: a code is good once (RFC 6238,
    section 5.2), and one statement, so that two requests with the same code cannot both pass."""
    spent = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def _spend_recovery_code(user: User, code: str) -> bool:
    """Mark an unused recovery code used: the row count says whether this request was the one."""
    code_id = db.session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == _hash_recovery_code(code),
        ).limit(1)
    )
    if code_id is None:
        return False
    spent = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def check_second_factor(user: User, code: str) -> None:
    """Accept a current TOTP code or an unused recovery code (which is then spent), or raise."""
    attempt = _begin_code_check(user)
    normalised = _normalise(code)
    step = _totp_step(user.totp_secret, normalised)
    if step is not None and _spend_totp_step(user, step):
        record_success(user)
        return
    if step is None and _spend_recovery_code(user, normalised):
        record_audit(user, None, "account.recovery_code_used", user, left=unused_recovery_codes(user))
        record_success(user)
        return
    raise _refuse_code(user, attempt)


def unused_recovery_codes(user: User) -> int:
    statement = select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return len(db.session.scalars(statement).all())


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code proves the app."""
    check_second_factor(user, code)
    codes = _new_recovery_codes(user)
    record_audit(user, None, "account.recovery_codes_regenerate", user)
    db.session.flush()
    return codes


def disable(user: User, code: str) -> None:
    """Residents may turn the second factor off; officials and staff may not."""
    if requires_second_factor(user):
        raise ServiceValidationError.single("", str(_l("Officials and programme staff must keep the second factor.")))
    check_second_factor(user, code)
    user.totp_secret, user.totp_pending_secret, user.totp_last_step = "", "", None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.end_sessions()
    record_audit(user, None, "account.two_factor_disable", user)
    db.session.flush()


def reencrypt_secrets() -> int:
    """Encrypt every stored authenticator secret again under the current ``SECRET_KEY`` (after a key
    change, before its fallback is dropped); the stored tokens are read and written as they are."""
    keys, count = app_secret_keys(), 0
    columns = {name: User.__table__.c[name] for name in ("totp_secret", "totp_pending_secret")}
    stored = select(User.id, *(type_coerce(column, String).label(name) for name, column in columns.items()))
    for row in db.session.execute(stored).all():
        tokens = {name: reencrypt(getattr(row, name), keys) for name in columns if getattr(row, name)}
        if tokens:
            db.session.execute(
                update(User.__table__).where(User.__table__.c.id == row.id)
                .values({name: type_coerce(token, String) for name, token in tokens.items()})
            )
            count += len(tokens)
    return count
