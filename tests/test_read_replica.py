"""Public reads from a real hot standby of the local PostgreSQL server, the rest from the primary.

The standby is a second cluster on another port, made with ``pg_basebackup`` from the server the
suite runs on (``deploy/postgres-replica.sh``). Replay on the standby is paused while the primary
changes, so every answer shows which server it was read from: the replica still has the old data.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import column, func, select, table

from pb_service.accounts.models import User
from pb_service.core.replica import RECENT_WRITE_COOKIE, replica_status
from pb_service.core.roles import Role
from pb_service.core.tenancy import allow_cross_tenant, bind_tenant
from pb_service.extensions import READS_FROM_REPLICA, db
from tests.conftest import POSTGRES_URL, PostgresDatabase, free_port, make_app, with_database
from tests.factories import login, make_municipality, make_official
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition

REPLICA_SCRIPT = Path(__file__).resolve().parent.parent / "deploy" / "postgres-replica.sh"

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(POSTGRES_URL is None, reason="needs the local PostgreSQL server"),
    pytest.mark.skipif(shutil.which("pg_basebackup") is None, reason="pg_basebackup is not installed"),
]


@pytest.fixture(scope="module")
def standby_port():
    """A hot standby of the test server, on a port of its own, for this module."""
    # In memory where there is room (a copy of the whole server): five times faster than on disk here.
    in_memory = os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > 4 * 2**30
    directory = tempfile.mkdtemp(prefix="pb-replica-", dir="/dev/shm" if in_memory else None)
    port = free_port()
    environment = {**os.environ, "PRIMARY": with_database(POSTGRES_URL, "postgres")}
    subprocess.run([str(REPLICA_SCRIPT), "start", directory, str(port)], env=environment, check=True)
    try:
        yield port
    finally:
        subprocess.run([str(REPLICA_SCRIPT), "stop", directory], env=environment, check=True)


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def on_standby(port: int, name: str) -> str:
    return f"postgresql://127.0.0.1:{port}/{name}"


def wait_for_replay(primary_url: str, standby_url: str) -> None:
    """Until the standby has replayed everything the primary had written when asked."""
    with psycopg.connect(primary_url, autocommit=True) as primary:
        written = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    with psycopg.connect(standby_url, autocommit=True) as standby:
        for _ in range(300):
            if standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written]).fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the standby did not catch up in 15 s")


def transactions(standby_url: str, name: str) -> int:
    """Transactions of database ``name`` on the standby (read-only requests end with a rollback)."""
    with psycopg.connect(standby_url, autocommit=True) as standby:
        return standby.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [name]).fetchone()[0]


@pytest.fixture(scope="module")
def stack(standby_port, smtp_server):
    """A database on the primary with two cities, and an app whose public reads go to the standby."""
    with PostgresDatabase(POSTGRES_URL) as url:
        name = url.rpartition("/")[2]
        replica_url = on_standby(standby_port, name).replace("postgresql://", "postgresql+psycopg://", 1)
        app = make_app(url, smtp_server.port, SQLALCHEMY_BINDS={"replica": replica_url}, REPLICA_READ_YOUR_WRITES_SECONDS=30)
        with app.app_context():
            upgrade()
            allow_cross_tenant(db.session, "test fixtures")
            voting = make_voting_edition(db.session, api_ballots_enabled=True)
            other = make_voting_edition(db.session, make_municipality(db.session))
            official = make_official(db.session, voting.municipality, Role.ADMIN)
            db.session.commit()
            data = SimpleNamespace(
                app=app, primary_url=plain(url), standby_url=on_standby(standby_port, "postgres"), name=name,
                city=voting.municipality.id, other_city=other.municipality.id, official_id=official.id,
                slug=voting.municipality.slug, edition_id=voting.edition.id, ballot=api_ballot(voting, 1),
                ballots_url=ballots_url(voting), edition_name=voting.edition.name,
            )
            db.session.remove()
        wait_for_replay(data.primary_url, data.standby_url)
        yield data
        with app.app_context():
            db.engines["replica"].dispose()
            db.engine.dispose()


class ReplayPaused:
    """The standby stops applying the primary's changes (it keeps answering reads)."""

    def __init__(self, standby_url: str):
        self.standby_url = standby_url

    def _call(self, function: str) -> None:
        with psycopg.connect(self.standby_url, autocommit=True) as standby:
            standby.execute(f"SELECT {function}()")

    def __enter__(self):
        self._call("pg_wal_replay_pause")
        return self

    def __exit__(self, *exc):
        self._call("pg_wal_replay_resume")


def rename_edition(primary_url: str, edition_id: int, name: str) -> None:
    with psycopg.connect(primary_url, autocommit=True) as primary:
        primary.execute("UPDATE edition SET name = %s WHERE id = %s", [name, edition_id])


def receipt_answer(client, stack, receipt: str) -> str:
    page = client.post(f"/{stack.slug}/editions/{stack.edition_id}/receipt", data={"receipt": receipt}).get_data(as_text=True)
    answer = re.search(r'<div class="notice[^"]*" role="status">\s*(.*?)\s*</div>', page, re.S).group(1)
    return next(short for short in (IN_THE_BOX, UNKNOWN) if answer.startswith(short))


IN_THE_BOX = "Tak: głos z tym kodem jest w urnie."
UNKNOWN = "Nie ma policzonego głosu z tym kodem."


def test_public_reads_go_to_the_standby_and_its_statistics_show_them(stack):
    page = f"/{stack.slug}/editions/{stack.edition_id}/"
    before = transactions(stack.standby_url, stack.name)
    with stack.app.app_context():
        assert replica_status()["status"] == "ok"
    client = stack.app.test_client()
    for _ in range(5):
        assert client.get(page).status_code == 200
    with stack.app.app_context():
        db.engines["replica"].dispose()  # a backend's statistics are written when it ends
    for _ in range(100):
        if transactions(stack.standby_url, stack.name) >= before + 5:
            break
        time.sleep(0.05)
    assert transactions(stack.standby_url, stack.name) >= before + 5

    with ReplayPaused(stack.standby_url):
        rename_edition(stack.primary_url, stack.edition_id, "Budżet po zmianie")
        # Anonymous: the standby, which has not seen the change.
        assert stack.edition_name in client.get(page).get_data(as_text=True)
        assert "Budżet po zmianie" not in client.get(page).get_data(as_text=True)
        # A signed-in official reads the primary (the sign-in's own cookie of a recent write dropped).
        official = stack.app.test_client()
        with stack.app.app_context():
            allow_cross_tenant(db.session, "test: the official's second factor")
            login(official, db.session.get(User, stack.official_id))
        official.delete_cookie(RECENT_WRITE_COOKIE, domain="localhost")
        assert official.get_cookie(RECENT_WRITE_COOKIE, domain="localhost") is None
        assert "Budżet po zmianie" in official.get(page).get_data(as_text=True)
    rename_edition(stack.primary_url, stack.edition_id, stack.edition_name)


def test_a_voter_finds_the_receipt_at_once_while_others_read_the_lagging_standby(stack):
    voter = stack.app.test_client()
    with ReplayPaused(stack.standby_url):
        cast = voter.post(stack.ballots_url, json=stack.ballot)
        assert cast.status_code == 201, cast.get_data(as_text=True)
        receipt = cast.get_json()["receipt"]
        assert voter.get_cookie(RECENT_WRITE_COOKIE, domain="localhost").value == "1"
        # The voter's own check right after voting reads the primary: the ballot is there.
        assert receipt_answer(voter, stack, receipt) == IN_THE_BOX
        # Someone else (no recent write) reads the standby, which has not replayed the ballot yet.
        assert receipt_answer(stack.app.test_client(), stack, receipt) == UNKNOWN
    wait_for_replay(stack.primary_url, stack.standby_url)
    assert receipt_answer(stack.app.test_client(), stack, receipt) == IN_THE_BOX


def test_row_level_security_holds_on_the_standby(stack):
    editions = table("edition", column("municipality_id"))  # a bare table: no ORM scoping, only the wall
    every_city = select(editions.c.municipality_id).distinct()
    with stack.app.app_context():
        session = db.session()
        session.info[READS_FROM_REPLICA] = True
        assert session.execute(select(func.pg_is_in_recovery(), func.current_user())).one() == (True, "pb_app")
        assert set(session.scalars(every_city)) == set()  # no municipality bound: no row
        db.session.remove()

        session = db.session()
        session.info[READS_FROM_REPLICA] = True
        bind_tenant(session, SimpleNamespace(id=stack.city))
        assert session.scalar(select(func.pg_is_in_recovery())) is True
        assert set(session.scalars(every_city)) == {stack.city}
        db.session.remove()

        session = db.session()
        session.info[READS_FROM_REPLICA] = True
        allow_cross_tenant(session, "test: both cities")
        assert set(session.scalars(every_city)) == {stack.city, stack.other_city}
        assert session.scalar(select(func.pg_is_in_recovery())) is True
        db.session.remove()
