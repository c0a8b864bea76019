"""Exactly one ballot per identity: 50 concurrent submissions, two app server processes, one PostgreSQL."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import upgrade

from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select
from pb_service.extensions import db
from pb_service.voting.models import Ballot, VoterRecord
from tests.app_servers import two_servers
from tests.conftest import POSTGRES_URL, PostgresDatabase, make_app
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs the PostgreSQL server (two processes share one database)")


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
        with two_servers(url, env={"BALLOT_RATE_LIMIT": "10000 per minute"}) as bases:
            targets = [f"{bases[i % 2]}{path}" for i in range(50)]
            with ThreadPoolExecutor(max_workers=50) as pool:
                statuses = Counter(pool.map(lambda target: _post(target, body), targets))
        assert statuses == Counter({201: 1, 409: 49})
        with app.app_context():
            reason = "test: count what the servers stored"
            assert db.session.scalar(cross_tenant_select(db.func.count(VoterRecord.id), reason=reason)) == 1
            assert db.session.scalar(cross_tenant_select(db.func.count(Ballot.id), reason=reason)) == 1
            db.session.remove()
            db.engine.dispose()
