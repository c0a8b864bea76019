"""Test fixtures: one app per database backend, each test inside a transaction that is rolled back.

Databases: PostgreSQL when ``PB_TEST_DATABASE_URL`` is set or ``postgresql://127.0.0.1/test``
answers (each session creates a database of its own), and SQLite. A database test runs once, on
PostgreSQL (production's database, with row-level security) where it answers, else on SQLite;
tests of what can differ between the two (migrations, hand-written SQL, search, the ballot box's
storage: modules marked ``both_databases``) run on both. ``PB_TEST_BACKENDS=sqlite`` runs on
SQLite only (``make test-fast``).

Markers set here from what a test uses: ``database`` (the ``app`` fixture), ``unit`` (neither a
database nor a browser); ``browser`` is set by the browser tests.
"""
from __future__ import annotations

import os
import socket
import tempfile
import uuid
from email import message_from_bytes, policy

import psycopg
import pytest
from hypothesis import settings
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_migrate import upgrade

from pb_service import create_app
from pb_service.core.cache import forget_all
from pb_service.core.tenancy import allow_cross_tenant
from pb_service.extensions import db, limiter
from tests.examples import FAST as EXAMPLES_FAST
from tests.examples import examples

DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1/test"

# The same examples on every run: a property failure is reproducible, and CI does not depend on luck.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
# The inner loop (`make test-fast`) draws fewer examples; see tests/examples.py.
settings.register_profile("repeatable-fast", settings.get_profile("repeatable"), max_examples=examples(settings.default.max_examples))
settings.load_profile("repeatable-fast" if EXAMPLES_FAST else "repeatable")


def postgres_server_url() -> str | None:
    url = os.environ.get("PB_TEST_DATABASE_URL")
    if url:
        return url
    try:
        with psycopg.connect(DEFAULT_POSTGRES_URL, connect_timeout=2):
            return DEFAULT_POSTGRES_URL
    except psycopg.OperationalError:
        return None


ONLY_SQLITE = os.environ.get("PB_TEST_BACKENDS", "").strip().lower() == "sqlite"
POSTGRES_URL = None if ONLY_SQLITE else postgres_server_url()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
#: The backend of a database test that runs once.
SINGLE_BACKEND = "postgresql" if POSTGRES_URL else "sqlite"


def pytest_collection_modifyitems(config, items):
    """Mark each test unit or database, and keep a database test on one backend unless its
    module is marked ``both_databases``."""
    kept, dropped = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("app")
        if backend is None and "app" not in item.fixturenames:
            if not (item.get_closest_marker("browser") or item.get_closest_marker("database")):
                item.add_marker(pytest.mark.unit)
            kept.append(item)
            continue
        item.add_marker(pytest.mark.database)
        if backend is None or backend == SINGLE_BACKEND or item.get_closest_marker("both_databases"):
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` (``make test``) with every browser test (tests/browser/) in one group on
    one worker: one demo, one Chromium and one sign-in per demo user for the run, and the
    accessibility crawl's visitors share what axe has checked; the group, the largest, starts
    first and the other worker runs the rest meanwhile.

    The groups are made here from the test's path: xdist 3.8 marks an ``xdist_group`` by changing
    ``item._nodeid``, which pytest 9 no longer reads, so the marker groups nothing.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser" if nodeid.startswith("tests/browser/") else nodeid

    return BrowserTestsTogether(config, log)


def with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


class PostgresDatabase:
    """A throw-away database on the PostgreSQL server, so tests never touch anyone's data."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.name = f"pb_test_{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> str:
        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        return with_database(self.server_url, self.name).replace("postgresql://", "postgresql+psycopg://", 1)

    def __exit__(self, *exc) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class MailSink:
    """Keeps what a real SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list:
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    sink = smtp_server.handler
    sink.clear()
    return sink


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production: fresh ``g``, fresh session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(database_url: str, smtp_port: int, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "WTF_CSRF_ENABLED": False,
        "PUBLIC_BASE_URL": "http://localhost",
        "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="pb-test-uploads-"),
        # Hundreds of sign-ins: production's 0.25 s of CPU a hash would cost the suite minutes.
        "PASSWORD_HASHING": "test-only-cheapest",
        # The measures in the count's own process (tests/rules test the processes' path).
        "MEASURES_PROCESSES": 1,
        **overrides,
    }
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, smtp_server, tmp_path_factory):
    uploads = str(tmp_path_factory.mktemp("uploads"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.sqlite3"
        app = make_app(url, smtp_server.port, UPLOAD_FOLDER=uploads)
        with app.app_context():
            upgrade()
        yield app
        return
    with PostgresDatabase(POSTGRES_URL) as url:
        app = make_app(url, smtp_server.port, UPLOAD_FOLDER=uploads)
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def session(app):
    """The database session of the test, inside a transaction rolled back at the end."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        # The test's own session builds and checks data of several municipalities, as operations
        # commands do; requests made by the test client run behind the wall (their own sessions).
        allow_cross_tenant(db.session, "test fixtures")
        limiter.reset()
        # Rows and pages cached by earlier tests' requests were rolled back with them.
        forget_all()
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session.configure(bind=None)
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def backend(session) -> str:
    """``sqlite`` or ``postgresql``."""
    return session.get_bind().dialect.name


@pytest.fixture
def in_request(app, session):
    """An English request context, for calling services directly (their messages need a locale)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield
