"""Browser tests: the demo served by a real HTTP server in a thread, driven by Debian's Chromium.

Chromium comes from Debian (`.ci/run` installs it); Playwright only drives it and downloads
nothing. Where /usr/bin/chromium is missing these tests fail in CI (``CI`` set) and are skipped
with a loud reason on a developer's machine.
"""
from __future__ import annotations

import os
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tests.conftest import free_port, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):  # CI installs Chromium (.ci/run): its absence there is a failure
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run should have installed Debian's chromium", pytrace=False)
    pytest.skip(
        f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium; .ci/run does it)",
        allow_module_level=True,
    )


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def demo_server(smtp_server, tmp_path_factory):
    """The demo data (`flask pb demo`) behind a real HTTP server, CSRF on, as in production."""
    from pb_service.demo import load_demo

    database = tmp_path_factory.mktemp("browser") / "demo.sqlite3"
    app = make_app(f"sqlite:///{database}", smtp_server.port, WTF_CSRF_ENABLED=True, PUBLIC_BASE_URL="")
    with app.app_context():
        upgrade()
        load_demo()
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def demo_editions(demo_server) -> dict:
    """Gdańsk's demo editions by phase, e.g. ``{Phase.VOTING: 7, Phase.SUBMISSION: 8, ...}``."""
    from pb_service.core.tenancy import tenant_select
    from pb_service.editions.models import Edition
    from pb_service.extensions import db
    from pb_service.municipalities.services import municipality_by_slug

    with demo_server.app.app_context():
        gdansk = municipality_by_slug("gdansk")
        return {edition.phase: edition.id for edition in db.session.scalars(tenant_select(Edition, gdansk))}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def demo_code(email: str) -> str:
    """The code a demo official's authenticator app shows now (from the demo's fixed, public key)."""
    import pyotp

    from pb_service.demo import demo_totp_secret

    return pyotp.TOTP(demo_totp_secret(email)).now()


@pytest.fixture(scope="session")
def signed_in(demo_server, browser):
    """``signed_in(email)``: the cookies of a demo user, who signs in once per test session
    (sign-in is rate-limited); pass them to ``browser.new_context(storage_state=...)``."""
    from pb_service.demo import DEMO_PASSWORD

    states = {}

    def state(email: str) -> dict:
        if email not in states:
            context = browser.new_context()
            sign_in(context.new_page(), demo_server.url, email, DEMO_PASSWORD)
            states[email] = context.storage_state()
            context.close()
        return states[email]

    return state


def enrol_second_factor(page) -> None:
    """On an enrolment page, set up the authenticator from the key shown as text, enter its code,
    and go past the recovery codes: what a new official does with their phone."""
    import pyotp

    secret = page.inner_text(".secret").replace(" ", "")
    code_input = page.locator("input[name=code]").first
    code_input.fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        code_input.locator("xpath=ancestor::form").locator("button[type=submit]").first.click()
    if page.locator(".recovery-codes").count():
        with page.expect_navigation():
            page.click("text=" + page.locator(".recovery-codes ~ p a.button").first.inner_text())


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Password, then (for officials and staff) the code from the demo authenticator key."""
    page.goto(f"{base_url}/account/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_load_state()
    if page.url.endswith("/account/login/code"):
        page.fill("#code", demo_code(email))
        page.click("#submit")
        page.wait_for_load_state()
    elif page.locator(".secret").count():
        enrol_second_factor(page)
    assert "/account/login" not in page.url, f"could not sign in as {email}"
