"""Database engine settings that must hold on every connection."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session
from werkzeug.routing import IntegerConverter


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy then issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def add_to_count(session, model, row: dict, unique: tuple[str, ...], counter: str, amount: int = 1) -> None:
    """Add ``amount`` to the ``counter`` of the row ``row`` names, creating it if missing, in one
    statement (``INSERT … ON CONFLICT (unique) DO UPDATE``): concurrent first counts of a day
    neither fail nor get lost. ``unique`` are the columns of the table's unique constraint."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = model.__table__
    session.execute(
        insert(table).values(**row, **{counter: amount})
        .on_conflict_do_update(index_elements=list(unique), set_={counter: table.c[counter] + amount})
    )


def commit_keeping_loaded(session) -> None:
    """Commit without expiring the objects the session has loaded.

    For a transaction that only inserted rows by plain statements (a ballot): the objects already
    loaded (the municipality, the edition) did not change in it, and the page shown after it
    would otherwise read each of them again.
    """
    session = session() if isinstance(session, scoped_session) else session
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


#: The largest value of an INTEGER primary key on PostgreSQL (and so on every backend we run).
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in URLs: a number past any id is not found (404), instead of an overflow (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
