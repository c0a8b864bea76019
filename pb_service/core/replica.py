"""Public reads from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``), the rest from the primary.

A request reads from the replica when all of these hold:

- a replica is configured (without one, everything uses ``DATABASE_URL``: ``make run`` is unchanged);
- it is a ``GET``/``HEAD`` of a view marked ``@public`` (results, catalogues, open data, the stats
  API, the hub's public pages, ...), or one of the few public forms that only read
  (:data:`READ_ONLY_FORMS`: the receipt check);
- nobody is signed in and no API token is sent: officials' and residents' pages, and the session
  check (``session_version``, which must see a sign-out at once), read from the primary;
- the client has not written in the last ``REPLICA_READ_YOUR_WRITES_SECONDS``: every unsafe request
  (``POST`` ...) answers with a short-lived cookie that sends the same client's reads to the primary,
  so a voter who has just voted finds the receipt at once, however far the replica lags.

Within such a request, the session still sends every write, every ``SELECT ... FOR UPDATE`` and
every hand-written (``text``) statement to the primary, and once it has written, the rest of its
transaction too (:meth:`pb_service.extensions.Session.get_bind`). Row-level security holds on the
replica as on the primary: the same roles exist there (they are replicated), and the wall
(``SET LOCAL ROLE``, ``pb.municipality_id``) is written into every transaction on whichever
connection it runs (:mod:`pb_service.core.tenancy`).
"""
from __future__ import annotations

import logging
import time

from flask import Flask, current_app, request, session
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError

from pb_service.extensions import READS_FROM_REPLICA, REPLICA_BIND, db

log = logging.getLogger("pb_service.replica")

#: Public forms that only read: ``POST`` because they carry a CSRF token, not because they write.
READ_ONLY_FORMS = frozenset({"voting.check_receipt", "results.receipts"})
#: Cookie of a client that has just written: its reads go to the primary until it expires.
RECENT_WRITE_COOKIE = "pb_recent_write"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: After a failure to reach the replica, reads go to the primary for this long.
REPLICA_PAUSE_SECONDS = 30

_replica_down_until = 0.0


def replica_configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("SQLALCHEMY_BINDS", {}).get(REPLICA_BIND))


def replica_available() -> bool:
    """Configured and not paused after a failure."""
    return replica_configured() and time.monotonic() >= _replica_down_until


def _request_may_read_replica() -> bool:
    if not replica_available() or request.url_rule is None:
        return False
    if request.method not in SAFE_METHODS and request.endpoint not in READ_ONLY_FORMS:
        return False
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "is_public", False):
        return False
    return "_user_id" not in session and "Authorization" not in request.headers and RECENT_WRITE_COOKIE not in request.cookies


def register_read_routing(app: Flask) -> None:
    """Route each request's reads (registered before the tenant is resolved, so that the lookup of
    the municipality is already a read of the replica)."""
    if not replica_configured(app):
        return

    @app.url_value_preprocessor
    def choose_database(endpoint, values):
        if _request_may_read_replica():
            db.session().info[READS_FROM_REPLICA] = True

    @app.after_request
    def mark_recent_write(response):
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                RECENT_WRITE_COOKIE, "1", max_age=app.config["REPLICA_READ_YOUR_WRITES_SECONDS"],
                secure=app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
            )
        return response

    with app.app_context():
        replica = db.engines[REPLICA_BIND]

    @event.listens_for(replica, "handle_error")
    def pause_replica(context):
        # Unreachable (or restarting): reads go to the primary for a while instead of failing.
        if context.is_disconnect or context.connection is None:
            global _replica_down_until
            _replica_down_until = time.monotonic() + REPLICA_PAUSE_SECONDS
            log.warning("read replica unreachable (%s); reads go to the primary for %d s", context.original_exception, REPLICA_PAUSE_SECONDS)


def replica_status() -> dict:
    """For ``/healthz``: ``{"status": "not_configured"}``, or whether the replica answers, is a
    standby, and how far it is behind (bytes of WAL received but not replayed; seconds since the
    last replayed transaction, which also grows while the primary is idle)."""
    if not replica_configured():
        return {"status": "not_configured"}
    try:
        with db.engines[REPLICA_BIND].connect() as connection:
            row = connection.execute(text(
                "SELECT pg_is_in_recovery(),"
                " pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()),"
                " extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
            )).one()
    except SQLAlchemyError as error:
        return {"status": "unreachable", "reason": type(error).__name__}
    in_recovery, replay_behind_bytes, seconds_since_replay = row
    return {
        "status": "ok" if in_recovery else "not_a_standby",
        "replay_behind_bytes": int(replay_behind_bytes or 0),
        "seconds_since_last_replay": None if seconds_since_replay is None else round(float(seconds_since_replay), 3),
    }
