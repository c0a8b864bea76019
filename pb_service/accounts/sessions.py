"""Signed-in sessions: rotation at sign-in and privilege change, the second-factor mark, timeouts.

Sessions are signed cookies. Rotation means: clear everything the cookie carried before sign-in
and issue a new one; ``User.session_version`` (part of the session's user id) makes every
earlier cookie of the user worthless after a privilege or credential change. Officials and staff
get idle and absolute timeouts (``SESSION_IDLE_MINUTES``, ``SESSION_ABSOLUTE_HOURS``).
"""
from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from pb_service.accounts.lockout import record_success
from pb_service.accounts.models import User
from pb_service.accounts.twofactor import requires_second_factor
from pb_service.extensions import db

#: The half-done sign-in: password checked, second factor not yet.
PENDING_KEY = "pending_sign_in"
PENDING_MAX_AGE = 5 * 60
#: The session passed the second factor.
SECOND_FACTOR_KEY = "second_factor"
LOGIN_AT_KEY = "signed_in_at"
SEEN_AT_KEY = "seen_at"
#: ``seen_at`` is refreshed at most this often, so that not every response sets a new cookie.
SEEN_RESOLUTION = 60

#: Endpoints that stay open whatever the session's state.
ALWAYS_OPEN = frozenset({"static", "accounts.logout", "main.switch_language", "main.health"})
#: What an official without a second factor may still open: the enrolment.
ENROLMENT_OPEN = ALWAYS_OPEN | {"accounts.two_factor"}


def begin_pending(user: User, *, remember: bool, next_url: str) -> None:
    """Remember that the password was right; the user is not signed in until the second step."""
    session.clear()
    session[PENDING_KEY] = {
        "uid": user.id, "version": user.session_version, "remember": remember, "next": next_url, "at": time.time(),
    }


def pending_sign_in() -> tuple[User | None, dict]:
    """The user half-way through signing in (None when there is none or it is too old)."""
    pending = session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        session.pop(PENDING_KEY, None)
        return None, {}
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.is_active or user.session_version != pending.get("version"):
        session.pop(PENDING_KEY, None)
        return None, {}
    return user, pending


def complete_sign_in(user: User, *, remember: bool, second_factor: bool) -> None:
    """Sign in with a fresh session: nothing from before sign-in survives (session fixation)."""
    session.clear()
    # A "remember me" cookie would bring back a session without the second factor and past the
    # timeouts, so those who use a second factor do not get one.
    strict = second_factor or requires_second_factor(user)
    login_user(user, remember=remember and not strict)
    now = time.time()
    session.update({SECOND_FACTOR_KEY: second_factor, LOGIN_AT_KEY: now, SEEN_AT_KEY: now})
    record_success(user)


def reissue(user: User, *, second_factor: bool | None = None) -> None:
    """After a privilege or factor change of the signed-in user: a new session, same sign-in time."""
    kept = {key: session.get(key) for key in (SECOND_FACTOR_KEY, LOGIN_AT_KEY, SEEN_AT_KEY)}
    if second_factor is not None:
        kept[SECOND_FACTOR_KEY] = second_factor
    session.clear()
    login_user(user)
    session.update(kept)


def _end_session(message: str):
    logout_user()
    session.clear()
    flash(message, "info")
    next_url = request.full_path if request.method == "GET" and request.query_string else request.path
    return redirect(url_for("accounts.login", next=next_url if request.method == "GET" else None))


def enforce_session_policy():
    """Before each request: second-factor mark, officials' timeouts and enrolment."""
    if request.endpoint in ALWAYS_OPEN or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if user.has_second_factor and not session.get(SECOND_FACTOR_KEY):
        return _end_session(_("Sign in again with your second factor."))
    if not requires_second_factor(user):
        return None
    now = time.time()
    config = current_app.config
    signed_in_at, seen_at = session.get(LOGIN_AT_KEY), session.get(SEEN_AT_KEY)
    if (
        signed_in_at is None or seen_at is None
        or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
        or now - signed_in_at > config["SESSION_ABSOLUTE_HOURS"] * 3600
    ):
        return _end_session(_("Your session has ended after a time without activity or after many hours. Please sign in again."))
    if now - seen_at >= SEEN_RESOLUTION:
        session[SEEN_AT_KEY] = now
    if not user.has_second_factor and request.endpoint not in ENROLMENT_OPEN:
        flash(_("Officials must use a second factor. Set it up to continue."), "info")
        return redirect(url_for("accounts.two_factor"))
    return None
