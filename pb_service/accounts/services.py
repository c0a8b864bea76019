"""Registration, sign-in, password reset, and officials' memberships and invitations.

Messages that could reveal whether an address has an account are the same either way: the mail
that arrives tells the owner what happened.
"""
from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from pb_service.accounts.lockout import begin_attempt, record_failure, release_attempt
from pb_service.accounts.models import Invitation, Membership, User
from pb_service.accounts.permissions import MANAGE_MEMBERS
from pb_service.config import ConfigurationError
from pb_service.core.audit import record_audit
from pb_service.core.encryption import app_secret_keys
from pb_service.core.mail import send_mail
from pb_service.core.models import utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.roles import Role
from pb_service.core.tenancy import get_for_tenant, tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db

MIN_PASSWORD_LENGTH = 10
CONFIRM_MAX_AGE = 7 * 24 * 3600
RESET_MAX_AGE = 2 * 3600
INVITATION_MAX_AGE = 14 * 24 * 3600

#: argon2id parameters by the ``PASSWORD_HASHING`` setting: RFC 9106's second recommendation
#: (64 MiB, three passes: about 0.25 s of CPU a hash) wherever real passwords live; argon2-cffi's
#: cheapest for test suites, whose hundreds of sign-ins would otherwise spend minutes hashing.
PASSWORD_HASHING = {"rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY, "test-only-cheapest": profiles.CHEAPEST}


def init_password_hashing(app) -> None:
    choice = app.config["PASSWORD_HASHING"]
    allowed = ["rfc9106-low-memory"] if app.config["PB_ENV"] == "production" else list(PASSWORD_HASHING)
    if choice not in allowed:
        raise ConfigurationError(f"PASSWORD_HASHING must be {' or '.join(allowed)}")
    app.extensions["password_hasher"] = PasswordHasher.from_parameters(PASSWORD_HASHING[choice])


def _hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader for ``User.get_id()``: a stale ``session_version`` signs the session out."""
    user_id, _, version = (session_id or "").partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or str(user.session_version) != version:
        return None
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased (see ``pb_service/data/README.md``)."""
    data = resources.files("pb_service").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode("utf-8").splitlines() if line.strip())


def password_problems(password: str) -> list[str]:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return [ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_PASSWORD_LENGTH)]
    if password.strip().lower() in common_passwords():
        return [str(_l("This password is on a list of common passwords that attackers try first. Choose another."))]
    return []


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and checks with any: links mailed before a key change still work.
    return URLSafeTimedSerializer(list(reversed(app_secret_keys())), salt=f"pb-service.{purpose}")


def _load_token(purpose: str, token: str, max_age: int) -> dict | None:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


def _link(endpoint_path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + endpoint_path


# --- residents' own accounts -------------------------------------------------------------------


def register(email: str, password: str, display_name: str, locale: str, confirm_path) -> User | None:
    """Create an unconfirmed account and mail the confirmation link.

    ``confirm_path(token)`` builds the link's path. If the address is taken, its owner gets a
    mail saying so and nothing else changes (the page says the same in both cases).
    """
    problems = password_problems(password)
    if problems:
        raise ServiceValidationError({"password": problems})
    email = normalise_email(email)
    # Hashed either way: a taken address must not answer faster (tests/test_account_enumeration.py).
    password_hash = hash_password(password)
    existing = user_by_email(email)
    if existing is not None:
        send_mail(email, "account_exists", existing.locale or locale, user=existing)
        return None
    user = User(email=email, password_hash=password_hash, display_name=display_name.strip(), locale=locale)
    db.session.add(user)
    db.session.flush()
    token = _serializer("confirm").dumps({"uid": user.id, "email": user.email})
    send_mail(email, "confirm_email", locale, user=user, link=_link(confirm_path(token)))
    return user


def confirm_email(token: str) -> User | None:
    data = _load_token("confirm", token, CONFIRM_MAX_AGE)
    if not data:
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        return None
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
        db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The confirmed, active, unlocked user with these credentials, or None.

    A locked account is refused without checking the password, so that guessing cannot go on
    while it is locked; the caller's message is the same in every case (no account enumeration).
    """
    user = user_by_email(email)
    attempt = begin_attempt(user) if user is not None else None
    if attempt is None:
        # Spend the same time as a real check so that timing does not reveal accounts.
        _hasher().hash(password or "")
        return None
    try:
        _hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        record_failure(user, attempt)
        return None
    # The password is right: this attempt is no failure (the sign-in's success resets the count).
    release_attempt(user)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user if user.is_active else None


def request_password_reset(email: str, reset_path, *, register_path: str, locale: str) -> None:
    """Mail a reset link; an address without an account is told so, by a mail as well, so that
    the answer takes as long either way (and its owner learns where to register)."""
    user = user_by_email(email)
    if user is None:
        send_mail(normalise_email(email), "reset_no_account", locale, link=_link(register_path))
        return
    token = _serializer("reset").dumps({"uid": user.id, "ph": user.password_hash[-12:]})
    send_mail(user.email, "reset_password", user.locale, user=user, link=_link(reset_path(token)))


def reset_password(token: str, new_password: str) -> User | None:
    """Set a new password; a link works once, since it is bound to the old password's hash."""
    data = _load_token("reset", token, RESET_MAX_AGE)
    user = db.session.get(User, data.get("uid")) if data else None
    if user is None or user.password_hash[-12:] != data.get("ph"):
        return None
    problems = password_problems(new_password)
    if problems:
        raise ServiceValidationError({"password": problems})
    user.password_hash = hash_password(new_password)
    # Whoever can read the mailbox has proved ownership of the address.
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
    # Sessions opened with the old password end; so does a lock (the owner proved the address).
    user.end_sessions()
    user.failed_attempts, user.locked_until = 0, None
    db.session.flush()
    return user


def set_locale(user: User, locale: str) -> None:
    if locale in current_app.config["LANGUAGES"] or locale == "":
        user.locale = locale
        db.session.flush()


def update_profile(user: User, display_name: str, locale: str) -> None:
    user.display_name = display_name.strip()
    set_locale(user, locale)


def create_staff(email: str, password: str, display_name: str) -> User:
    """Bootstrap a programme-staff account (``flask pb create-staff``), confirmed at once."""
    problems = password_problems(password)
    if problems:
        raise ServiceValidationError({"password": problems})
    user = user_by_email(email)
    if user is None:
        user = User(email=normalise_email(email), password_hash=hash_password(password), display_name=display_name)
        db.session.add(user)
    else:
        user.password_hash = hash_password(password)
        user.end_sessions()  # a privilege change: sessions opened before it end
    user.is_staff = True
    user.confirmed_at = user.confirmed_at or utcnow()
    db.session.flush()
    record_audit(None, None, "staff.create", user, email=user.email)
    db.session.flush()
    return user


# --- officials ---------------------------------------------------------------------------------


def members_of(tenant) -> list[Membership]:
    statement = tenant_select(Membership, tenant).join(Membership.user).order_by(User.display_name, Membership.role)
    return list(db.session.scalars(statement))


def open_invitations(tenant) -> list[Invitation]:
    statement = tenant_select(
        Invitation, tenant, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
    ).order_by(Invitation.created_at.desc())
    return list(db.session.scalars(statement))


def invite_official(tenant, email: str, role: Role, accept_path, *, actor) -> Invitation:
    """Invite someone by e-mail to take ``role``; programme staff appoint a municipality's first admin."""
    ensure_permission(actor, MANAGE_MEMBERS, tenant)
    email = normalise_email(email)
    invitation = Invitation(municipality_id=tenant.id, email=email, role=role, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    record_audit(actor, tenant, "membership.invite", invitation, email=email, role=role.value)
    db.session.flush()
    token = _serializer("invite").dumps({"inv": invitation.id, "m": tenant.id})
    invitee = user_by_email(email)
    send_mail(
        email,
        "invitation",
        (invitee.locale if invitee else "") or tenant.default_locale,
        municipality=tenant,
        role=role,
        inviter=actor,
        link=_link(accept_path(token)),
    )
    return invitation


def invitation_from_token(tenant, token: str) -> Invitation | None:
    data = _load_token("invite", token, INVITATION_MAX_AGE)
    if not data or data.get("m") != tenant.id:
        return None
    invitation = get_for_tenant(db.session, Invitation, tenant, data.get("inv"))
    return invitation if invitation is not None and invitation.is_open else None


def accept_invitation(user: User, tenant, invitation: Invitation) -> Membership:
    """Turn an open invitation into a membership for the signed-in user with the invited address."""
    if user.email != invitation.email:
        raise ServiceValidationError.single(
            "", str(_l("This invitation was sent to another e-mail address. Sign in with that address."))
        )
    membership = db.session.scalar(
        tenant_select(Membership, tenant, Membership.user_id == user.id, Membership.role == invitation.role)
    )
    if membership is None:
        membership = Membership(municipality_id=tenant.id, user_id=user.id, role=invitation.role)
        db.session.add(membership)
        user.end_sessions()  # a privilege change: the view re-issues the session
    invitation.accepted_at = utcnow()
    db.session.flush()
    record_audit(user, tenant, "membership.accept", membership, role=invitation.role.value)
    db.session.flush()
    return membership


def revoke_invitation(tenant, invitation: Invitation, *, actor) -> None:
    ensure_permission(actor, MANAGE_MEMBERS, tenant)
    invitation.revoked_at = utcnow()
    record_audit(actor, tenant, "membership.revoke_invitation", invitation, email=invitation.email)
    db.session.flush()


def remove_membership(tenant, membership: Membership, *, actor) -> None:
    """Take a role away; the last administrator cannot be removed (someone must run the PB)."""
    ensure_permission(actor, MANAGE_MEMBERS, tenant)
    if membership.role is Role.ADMIN:
        admins = [m for m in members_of(tenant) if m.role is Role.ADMIN]
        if len(admins) <= 1:
            raise ServiceValidationError.single("", str(_l("The last administrator cannot be removed.")))
    record_audit(actor, tenant, "membership.remove", membership, email=membership.user.email, role=membership.role.value)
    # The official's open sessions end with the role (a stolen session cookie loses its power too).
    membership.user.end_sessions()
    db.session.delete(membership)
    db.session.flush()
