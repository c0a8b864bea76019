"""Two app servers (gunicorn, two workers each) share sessions and rate limits: the session is a
cookie signed with the one ``SECRET_KEY``, the rate-limit counters live in Redis. What a server
keeps for itself (core/cache.py: public rows and the ballot page's parts) expires within seconds."""
from __future__ import annotations

import re
import uuid

import pytest
import redis
from flask_migrate import upgrade

from pb_service.core.tenancy import allow_cross_tenant
from pb_service.extensions import db
from tests.app_servers import REDIS_URL, Browser, redis_answers, two_servers
from tests.conftest import POSTGRES_URL, PostgresDatabase, make_app
from tests.factories import PASSWORD, make_user


pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(POSTGRES_URL is None, reason="needs the PostgreSQL server (two processes share one database)"),
    pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379"),
]


@pytest.fixture(scope="module")
def servers(smtp_server):
    """A resident's account, and two servers on one database and one Redis (counters of their own)."""
    with PostgresDatabase(POSTGRES_URL) as url:
        app = make_app(url, smtp_server.port)
        with app.app_context():
            upgrade()
            allow_cross_tenant(db.session, "test fixtures")
            email = make_user(db.session, second_factor=False, display_name="Anna").email
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        prefix = f"pb-test-{uuid.uuid4().hex[:12]}"
        environment = {"SECRET_KEY": app.config["SECRET_KEY"], "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
        with two_servers(url, env=environment) as bases:
            yield bases, email
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


def display_name(browser: Browser) -> str:
    status, location, page = browser.request("/account/settings")
    assert status == 200, (status, location)
    return re.search(r'name="display_name"[^>]*value="([^"]*)"', page).group(1)


def test_signed_in_on_one_server_acts_on_the_other_and_signs_out_from_both(servers):
    (first, second), email = servers
    browser = Browser(first)
    assert browser.password_step(email, PASSWORD) == "/"
    assert display_name(browser) == "Anna"

    browser.base = second
    token = browser.csrf("/account/settings")
    status, location, _ = browser.request("/account/settings", {"csrf_token": token, "display_name": "Anna z drugiego", "locale": "pl"})
    assert (status, location) == (302, "/account/settings")
    browser.base = first
    assert display_name(browser) == "Anna z drugiego"

    copied = Browser(first)  # the same session cookie, kept by someone else
    for cookie in browser.cookies:
        copied.cookies.set_cookie(cookie)
    browser.base = second
    status, _, _ = browser.request("/account/logout", {"csrf_token": browser.csrf("/account/settings")})
    assert status == 302
    # Signed out on the second server: the copy of the cookie is worthless on the first one too.
    status, location, _ = copied.request("/account/settings")
    assert (status, location.split("?")[0]) == (302, "/account/login")


def test_a_rate_limit_counts_requests_to_both_servers(servers):
    """Password-reset requests: five a minute per address, whichever server takes them."""
    bases, _email = servers
    answers = []
    for attempt in range(6):
        browser = Browser(bases[attempt % 2])
        token = browser.csrf("/account/reset")
        answers.append(browser.request("/account/reset", {"csrf_token": token, "email": "nobody@example.org"})[0])
    # Each server saw three: with counters of its own neither would refuse.
    assert answers == [200, 200, 200, 200, 200, 429]
