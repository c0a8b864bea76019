"""Without a replica nothing changes; a replica that does not answer is left alone for a while."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from pb_service.core import replica
from pb_service.extensions import REPLICA_BIND, db
from tests.conftest import free_port, make_app


def test_without_a_replica_there_is_one_engine_and_no_routing(app):
    with app.app_context():
        assert REPLICA_BIND not in db.engines
        assert replica.replica_status() == {"status": "not_configured"}


@pytest.fixture
def app_with_unreachable_replica(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setattr(replica, "_replica_down_until", 0.0)
    nothing_listens = f"postgresql+psycopg://127.0.0.1:{free_port()}/pb?connect_timeout=2"
    app = make_app(f"sqlite:///{tmp_path}/primary.sqlite3", smtp_server.port, SQLALCHEMY_BINDS={REPLICA_BIND: nothing_listens})
    with app.app_context():
        db.create_all(bind_key=None)  # the primary only
    return app


def test_reads_go_to_the_primary_after_the_replica_failed_to_answer(app_with_unreachable_replica):
    client = app_with_unreachable_replica.test_client()
    with app_with_unreachable_replica.app_context():
        assert replica.replica_status()["status"] == "unreachable"
    # The failed connection paused the replica: the public page reads the primary.
    assert client.get("/hub/").status_code == 200


def test_the_request_that_finds_the_replica_down_fails_and_the_next_ones_read_the_primary(app_with_unreachable_replica):
    client = app_with_unreachable_replica.test_client()
    with pytest.raises(OperationalError):  # an error page (500) outside tests
        client.get("/hub/")
    assert client.get("/hub/").status_code == 200
    assert client.post("/account/reset", data={"email": "nobody@example.org"}).status_code == 200
