"""Exactly one ballot per identity: 50 concurrent submissions, two app server processes, one PostgreSQL."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask_migrate import upgrade

from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select
from pb_service.extensions import db
from pb_service.voting.models import Ballot, SealedBallot, VoterRecord
from tests.conftest import POSTGRES_URL, PostgresDatabase, free_port, make_app
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs the PostgreSQL server (two processes share one database)")


def _start_server(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "concurrency-test", "MAIL_BACKEND": "console",
        "BALLOT_RATE_LIMIT": "10000 per minute", "PB_ENV": "development",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "8", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"app server on port {port} did not start")


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_fifty_concurrent_ballots_of_one_identity_give_one_201(smtp_server):
    with PostgresDatabase(POSTGRES_URL) as url:
        app = make_app(url, smtp_server.port)
        with app.app_context():
            upgrade()
            allow_cross_tenant(db.session, "test fixtures")  # set-up across the database wall, as in conftest
            ve = make_voting_edition(db.session)
            path, body = ballots_url(ve), api_ballot(ve)
            db.session.remove()
            db.engine.dispose()
        plain_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        ports = [free_port(), free_port()]
        servers = [_start_server(plain_url, port) for port in ports]
        try:
            for port in ports:
                _wait_until_up(port)
            targets = [f"http://127.0.0.1:{ports[i % 2]}{path}" for i in range(50)]
            with ThreadPoolExecutor(max_workers=50) as pool:
                statuses = Counter(pool.map(lambda target: _post(target, body), targets))
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
        assert statuses == Counter({201: 1, 409: 49})
        with app.app_context():
            reason = "test: count what the servers stored"
            assert db.session.scalar(cross_tenant_select(db.func.count(VoterRecord.id), reason=reason)) == 1
            stored = cross_tenant_select(db.func.count(Ballot.id), reason=reason).union_all(cross_tenant_select(db.func.count(SealedBallot.id), reason=reason))
            assert sum(db.session.scalars(stored)) == 1
            db.session.remove()
            db.engine.dispose()
