"""Exactly one ballot per identity, and mixing that never takes a ballot twice: concurrent submissions
to two app server processes on one PostgreSQL."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select
from pb_service.extensions import db
from pb_service.voting.models import Ballot, SealedBallot, VoterRecord
from tests.app_servers import server_errors, two_servers
from tests.conftest import POSTGRES_URL, PostgresDatabase, make_app
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition

pytestmark = [pytest.mark.database, pytest.mark.skipif(POSTGRES_URL is None, reason="needs the PostgreSQL server (two processes share one database)")]


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def voting_servers(smtp_server):
    """Two voting editions (the default mixing batch, and k = 10) in a new PostgreSQL database
    served by two gunicorn servers; yields the app (for looking at the database afterwards), the
    editions and the servers' base URLs."""
    with PostgresDatabase(POSTGRES_URL) as url:
        app = make_app(url, smtp_server.port)
        with app.app_context():
            upgrade()
            allow_cross_tenant(db.session, "test fixtures")  # set-up across the database wall, as in conftest
            editions = make_voting_edition(db.session), make_voting_edition(db.session, mixing_batch_size=10)
            for ve in editions:
                api_ballot(ve), ballots_url(ve)  # loads what the tests read, before the objects are detached
            db.session.expunge_all()
            db.session.remove()
            db.engine.dispose()
        try:
            with two_servers(url, env={"BALLOT_RATE_LIMIT": "10000 per minute"}) as bases:
                yield app, editions, bases
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _stored(app, ve, *counted) -> list[int]:
    """How many rows of each model the servers stored for the edition."""
    with app.app_context():
        reason = "test: count what the servers stored"
        return [
            db.session.scalar(cross_tenant_select(db.func.count(model.id), reason=reason).where(model.edition_id == ve.edition.id))
            for model in counted
        ]


def test_fifty_concurrent_ballots_of_one_identity_give_one_201(voting_servers):
    app, (ve, _), servers = voting_servers
    path, body = ballots_url(ve), api_ballot(ve)
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = Counter(pool.map(lambda i: _post(servers[i % 2] + path, body), range(50)))
    assert statuses == Counter({201: 1, 409: 49}), server_errors(servers)
    assert _stored(app, ve, VoterRecord) == [1]
    assert sum(_stored(app, ve, Ballot, SealedBallot)) == 1


def test_concurrent_voters_are_mixed_in_batches_of_at_least_k_and_never_twice(voting_servers):
    """45 people vote at once through two servers: every batch the mixers write holds at least k
    ballots (one transaction each, so one xmin), no ballot is mixed twice or lost, the rest waits."""
    app, (_, ve), servers = voting_servers
    path = ballots_url(ve)
    with ThreadPoolExecutor(max_workers=45) as pool:
        statuses = Counter(pool.map(lambda n: _post(servers[n % 2] + path, api_ballot(ve, n)), range(1, 46)))
    assert statuses == Counter({201: 45}), server_errors(servers)
    voters, mixed, waiting = _stored(app, ve, VoterRecord, Ballot, SealedBallot)
    assert (voters, mixed + waiting) == (45, 45)
    assert waiting < 2 * 10  # a group is mixed as soon as k of it wait; two racing mixers may each fall short
    with app.app_context():
        allow_cross_tenant(db.session, "test: the mixing batches")
        edition = {"edition": ve.edition.id}
        batches = db.session.execute(text("SELECT xmin::text, count(*) FROM ballot WHERE edition_id = :edition GROUP BY 1"), edition).all()
        receipts = db.session.execute(text("SELECT count(DISTINCT receipt_hash) FROM ballot WHERE edition_id = :edition"), edition).scalar_one()
        db.session.remove()
    assert all(size >= 10 for _xmin, size in batches) and sum(size for _xmin, size in batches) == mixed
    assert receipts == mixed
