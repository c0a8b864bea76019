"""Counters and one-use codes under races (issue 18): 50 requests at once, two app servers, one PostgreSQL.

The per-address rate limit is off in these servers: it stands for an attacker with many addresses,
which the per-account counter must stop on its own. CSRF stays on, as in production.
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pyotp
import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from pb_service.accounts import twofactor
from pb_service.accounts.lockout import MAX_FAILED_ATTEMPTS, begin_attempt
from pb_service.accounts.models import RecoveryCode, User
from pb_service.core.audit import AuditEvent
from pb_service.core.models import as_utc, utcnow
from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select
from pb_service.extensions import db
from tests.app_servers import Browser, two_servers
from tests.conftest import POSTGRES_URL, PostgresDatabase, make_app
from tests.factories import PASSWORD, TOTP_SECRET, make_municipality, make_official, make_user

pytestmark = [pytest.mark.database, pytest.mark.skipif(POSTGRES_URL is None, reason="needs the PostgreSQL server (two processes share one database)")]

CLIENTS = 50
#: The servers under attack: production settings except the per-address limit (many addresses).
RACE_APP = "pb_service:create_app({'RATELIMIT_ENABLED': False})"
def _at_once(calls) -> Counter:
    """Run the calls on 50 threads that start together; count the outcomes."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return Counter(pool.map(run, calls))


@pytest.fixture(scope="module")
def race_database(smtp_server):
    with PostgresDatabase(POSTGRES_URL) as url:
        app = make_app(url, smtp_server.port)
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        yield app, url


@pytest.fixture(scope="module")
def race_servers(race_database):
    """One pair of servers for the module: each test attacks accounts of its own."""
    app, url = race_database
    with two_servers(url, app=RACE_APP, env={"SECRET_KEY": app.config["SECRET_KEY"]}) as bases:
        yield bases


def _make_accounts(app):
    """A resident without and an official with a second factor; the official's recovery codes."""
    with app.app_context():
        allow_cross_tenant(db.session, "test fixtures")
        resident = make_user(db.session, second_factor=False)
        official = make_official(db.session, make_municipality(db.session))
        codes = twofactor._new_recovery_codes(official)
        db.session.commit()
        accounts = resident.id, resident.email, official.id, official.email, codes
        db.session.remove()
    return accounts


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_fifty_simultaneous_wrong_passwords_lock_the_account(race_database, race_servers):
    app, _url = race_database
    resident_id, email, *_ = _make_accounts(app)
    browsers = [Browser(race_servers[i % 2]) for i in range(CLIENTS)]
    tokens = [browser.csrf("/account/login") for browser in browsers]
    outcomes = _at_once([
        lambda browser=browser, token=token: browser.request(
            "/account/login", {"csrf_token": token, "email": email, "password": f"wrong guess {i}"}
        )[0]
        for i, (browser, token) in enumerate(zip(browsers, tokens))
    ])
    # The right password is refused now: the account is locked, whatever the counter's races.
    late = Browser(race_servers[0])
    status, _, page = late.request("/account/login", {"csrf_token": late.csrf("/account/login"), "email": email, "password": PASSWORD})
    assert outcomes == Counter({422: CLIENTS})  # each refused, the form shown again
    assert status == 422 and "/account/settings" not in page
    with app.app_context():
        resident = _user(resident_id)
        assert as_utc(resident.locked_until) > utcnow() + timedelta(minutes=14)
        assert resident.failed_attempts == 0
        locks = db.session.scalars(
            cross_tenant_select(AuditEvent, reason="test: national audit events").where(
                AuditEvent.action == "account.locked", AuditEvent.object_ref == f"User:{resident_id}"
            )
        ).all()
        assert len(locks) == 1
        db.session.remove()


def test_fifty_simultaneous_attempts_let_only_the_allowed_number_be_checked(race_database):
    """The counter itself: 50 threads, each its own connection, take a number at the same moment."""
    app, _url = race_database
    resident_id, *_ = _make_accounts(app)

    def take_number():
        with app.app_context():
            try:
                return begin_attempt(db.session.get(User, resident_id))
            finally:
                db.session.remove()

    numbers = _at_once([take_number] * CLIENTS)
    assert numbers == Counter({None: CLIENTS - MAX_FAILED_ATTEMPTS, **{n: 1 for n in range(1, MAX_FAILED_ATTEMPTS + 1)}})
    with app.app_context():
        assert _user(resident_id).failed_attempts == CLIENTS
        db.session.remove()


def _pending_browsers(bases, email: str) -> list[tuple[Browser, str]]:
    """50 browsers past the password step of one account, each with the code form's CSRF token."""
    pending = []
    for i in range(CLIENTS):
        browser = Browser(bases[i % 2])
        assert browser.password_step(email, PASSWORD).endswith("/account/login/code")
        pending.append((browser, browser.csrf("/account/login/code")))
    return pending


def _submit_code_at_once(pending, code: str) -> Counter:
    return _at_once([
        lambda browser=browser, token=token: browser.request("/account/login/code", {"csrf_token": token, "code": code})[0]
        for browser, token in pending
    ])


def test_fifty_simultaneous_uses_of_one_totp_code_sign_in_once(race_database, race_servers):
    app, _url = race_database
    *_, official_id, email, _codes = _make_accounts(app)
    pending = _pending_browsers(race_servers, email)
    totp = pyotp.TOTP(TOTP_SECRET)
    # A code of the next step stays good for the whole burst (one step either side is accepted).
    step = totp.timecode(utcnow()) + 1
    outcomes = _submit_code_at_once(pending, totp.generate_otp(step))
    assert outcomes == Counter({302: 1, 422: CLIENTS - 1})
    with app.app_context():
        assert _user(official_id).totp_last_step == step
        db.session.remove()


def test_fifty_simultaneous_uses_of_one_recovery_code_sign_in_once(race_database, race_servers):
    app, _url = race_database
    *_, official_id, email, codes = _make_accounts(app)
    pending = _pending_browsers(race_servers, email)
    outcomes = _submit_code_at_once(pending, codes[0])
    assert outcomes == Counter({302: 1, 422: CLIENTS - 1})
    with app.app_context():
        used = db.session.scalars(
            select(RecoveryCode.used_at).where(RecoveryCode.user_id == official_id, RecoveryCode.used_at.is_not(None))
        ).all()
        assert len(used) == 1
        db.session.remove()
