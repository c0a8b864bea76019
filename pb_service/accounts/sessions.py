"""Signed-in sessions: rotation at sign-in and privilege change, the second-factor mark, timeouts.

Sessions are signed cookies. Rotation means: clear everything the cookie carried before sign-in
and issue a new one; ``User.session_version`` (part of the session's user id) makes every
earlier cookie of the user worthless after sign-out or a privilege or credential change, so a
copied cookie dies on the server, not only in the browser that signed out. Every session has an
idle and an absolute lifetime, checked against times the signed cookie carries: officials and
staff ``SESSION_IDLE_MINUTES`` and ``SESSION_ABSOLUTE_HOURS``, residents
``RESIDENT_SESSION_IDLE_HOURS`` and ``RESIDENT_SESSION_ABSOLUTE_DAYS``. "Keep me signed in"
(residents only) makes the cookie outlive the browser, within those same lifetimes; there is no
separate "remember me" cookie that would bring a session back past them.
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
    login_user(user)
    # A cookie kept after the browser closes is for residents without a second factor; officials'
    # and second-factor sessions end with the browser (and at their timeouts in any case).
    session.permanent = remember and not (second_factor or requires_second_factor(user))
    now = time.time()
    session.update({SECOND_FACTOR_KEY: second_factor, LOGIN_AT_KEY: now, SEEN_AT_KEY: now})
    record_success(user)


def reissue(user: User, *, second_factor: bool | None = None) -> None:
    """After a privilege or factor change of the signed-in user: a new session, same sign-in time."""
    kept = {key: session.get(key) for key in (SECOND_FACTOR_KEY, LOGIN_AT_KEY, SEEN_AT_KEY)}
    if second_factor is not None:
        kept[SECOND_FACTOR_KEY] = second_factor
    permanent = session.permanent
    session.clear()
    login_user(user)
    session.update(kept)
    session.permanent = permanent


def sign_out(user: User) -> None:
    """End the session here and every copy of its cookie elsewhere (and the user's other sessions)."""
    user.end_sessions()
    db.session.flush()
    logout_user()
    session.clear()


def _lifetimes(official: bool) -> tuple[float, float]:
    """Idle and absolute lifetime of a session, in seconds: officials' and staff's are shorter."""
    config = current_app.config
    if official:
        return config["SESSION_IDLE_MINUTES"] * 60, config["SESSION_ABSOLUTE_HOURS"] * 3600
    return config["RESIDENT_SESSION_IDLE_HOURS"] * 3600, config["RESIDENT_SESSION_ABSOLUTE_DAYS"] * 86400


def _end_session(message: str):
    logout_user()
    session.clear()
    flash(message, "info")
    next_url = request.full_path if request.method == "GET" and request.query_string else request.path
    return redirect(url_for("accounts.login", next=next_url if request.method == "GET" else None))


def enforce_session_policy():
    """Before each request: second-factor mark, timeouts, and officials' enrolment."""
    if request.endpoint in ALWAYS_OPEN or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if user.has_second_factor and not session.get(SECOND_FACTOR_KEY):
        return _end_session(_("Sign in again with your second factor."))
    official = requires_second_factor(user)
    now = time.time()
    idle, absolute = _lifetimes(official)
    signed_in_at, seen_at = session.get(LOGIN_AT_KEY), session.get(SEEN_AT_KEY)
    if signed_in_at is None or seen_at is None or now - seen_at > idle or now - signed_in_at > absolute:
        return _end_session(_("Your session has ended after a time without activity or after many hours. Please sign in again."))
    if now - seen_at >= SEEN_RESOLUTION:
        session[SEEN_AT_KEY] = now
    if official and not user.has_second_factor and request.endpoint not in ENROLMENT_OPEN:
        flash(_("Officials must use a second factor. Set it up to continue."), "info")
        return redirect(url_for("accounts.two_factor"))
    return None
