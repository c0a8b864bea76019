"""Tenant scoping: every read of tenant-owned rows names its municipality.

A tenant-owned model inherits :class:`TenantOwned`. Reads go through :func:`tenant_select` /
:func:`get_for_tenant` (an edition's children: :func:`edition_select`), which filter by the
municipality *and* mark the statement with it. A session hook then (1) refuses any ORM query
over a tenant-owned model that carries neither a tenant mark nor an explicit cross-tenant reason,
and (2) adds the tenant criterion to every tenant-owned entity in the statement, joins and eager
loads included. Forgetting the scope is a
loud error, not a leak. Cross-city code (staff analytics, open data) uses
:func:`cross_tenant_select`, which names its reason.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from flask import abort
from sqlalchemy import ForeignKey, Table, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, declared_attr, mapped_column, scoped_session, with_loader_criteria
from sqlalchemy.sql import Select
from sqlalchemy.sql.visitors import iterate

from pb_service.core.database import MAX_ID
from pb_service.extensions import db

if TYPE_CHECKING:
    from pb_service.municipalities.models import Municipality

_TENANT_OPTION = "pb_tenant_id"
_CROSS_TENANT_OPTION = "pb_cross_tenant_reason"
_LOOKUP_OPTION = "pb_cross_tenant_lookup"

M = TypeVar("M")


class TenantScopeError(RuntimeError):
    """A tenant-owned model was queried without a municipality in scope."""


class TenantOwned:
    """Mixin for rows that belong to one municipality."""

    @declared_attr
    def municipality_id(cls) -> Mapped[int]:
        #: The municipality (tenant) that owns the row.
        return mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True, nullable=False)


def tenant_select(model: type[M], tenant: "Municipality", *criteria) -> Select:
    """``SELECT model`` limited to ``tenant``'s rows."""
    return (
        select(model)
        .where(model.municipality_id == tenant.id, *criteria)
        .execution_options(**{_TENANT_OPTION: tenant.id})
    )


def scoped_to(statement: Select, tenant: "Municipality") -> Select:
    """Mark a hand-built statement (aggregates, joins) as reading ``tenant``'s rows only."""
    return statement.execution_options(**{_TENANT_OPTION: tenant.id})


def of_edition(model, edition) -> tuple:
    """The criteria of ``edition``'s own rows of ``model`` (an edition's children), its municipality's
    included, for a hand-built ``UPDATE`` or ``DELETE`` marked with :func:`scoped_to`."""
    return model.municipality_id == edition.municipality_id, model.edition_id == edition.id


def edition_select(model, edition, *criteria, columns=()) -> Select:
    """``SELECT model`` (or ``columns`` of it: aggregates, a few fields) limited to ``edition``'s rows,
    marked with the edition's municipality as :func:`tenant_select` marks its statements."""
    return (
        select(*(columns or (model,)))
        .where(*of_edition(model, edition), *criteria)
        .execution_options(**{_TENANT_OPTION: edition.municipality_id})
    )


def get_for_tenant(session: Session, model: type[M], tenant: "Municipality", object_id) -> M | None:
    """The ``model`` row with this id if it belongs to ``tenant``; never another tenant's."""
    try:
        primary_key = int(object_id)
    except (TypeError, ValueError):
        return None
    if not 0 < primary_key <= MAX_ID:
        return None  # no such row, and a larger number would overflow the database's INTEGER
    return session.scalar(tenant_select(model, tenant, model.id == primary_key))


def get_for_tenant_or_404(session: Session, model: type[M], tenant: "Municipality", object_id) -> M:
    found = get_for_tenant(session, model, tenant, object_id)
    if found is None:
        abort(404)
    return found


def cross_tenant_select(*entities, reason: str) -> Select:
    """A query across municipalities, allowed only with a stated reason (analytics, staff)."""
    return across_tenants(select(*entities), reason=reason)


def across_tenants(statement, *, reason: str):
    """Mark a hand-built statement (an UPDATE of rows of no municipality) as crossing the wall, with its reason."""
    if not reason:
        raise ValueError("a cross-tenant query must state its reason")
    return statement.execution_options(**{_CROSS_TENANT_OPTION: reason})


def cross_tenant_lookup(*entities, reason: str) -> Select:
    """A small read-only query across municipalities (e.g. "is this person an official anywhere").

    Like :func:`cross_tenant_select`, but the database wall is lifted for this one statement only,
    not for the rest of the session: it runs on ordinary requests of every signed-in person, whose
    transactions must stay behind the wall. Its rows are read at once; do not change them or
    follow their relationships into other municipalities.
    """
    return cross_tenant_select(*entities, reason=reason).execution_options(**{_LOOKUP_OPTION: True})


def tenant_lookup(model: type[M], tenant: "Municipality", *criteria, reason: str) -> Select:
    """``tenant``'s public rows (published editions, their indicators) read from a page of no
    municipality of its own, such as the knowledge hub's: the database wall is lifted for this one
    statement (as :func:`cross_tenant_lookup`), and the query keeps to ``tenant``'s rows."""
    return cross_tenant_lookup(model, reason=reason).where(model.municipality_id == tenant.id, *criteria)


@cache
def _tenant_owned_tables() -> frozenset[Table]:
    """Built once (every statement asks): rebuilt only if mappers are configured again."""
    return frozenset(mapper.local_table for mapper in db.Model.registry.mappers if issubclass(mapper.class_, TenantOwned))


@event.listens_for(Mapper, "after_configured")
def _forget_tenant_owned_tables() -> None:
    _tenant_owned_tables.cache_clear()


def _tenant_owned_tables_read(state: ORMExecuteState) -> set[str]:
    """Names of tenant-owned tables anywhere in the statement (joins and subqueries too)."""
    owned = _tenant_owned_tables()
    return {element.name for element in iterate(state.statement) if isinstance(element, Table) and element in owned}


@event.listens_for(Session, "do_orm_execute")
def _enforce_tenant_scope(state: ORMExecuteState) -> None:
    apply_wall(state.session, _connection_of(state))
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy loads and column refreshes start from an object that was itself loaded in scope.
    if state.is_relationship_load or state.is_column_load:
        return
    options = state.execution_options
    reason = options.get(_CROSS_TENANT_OPTION)
    tenant_id = options.get(_TENANT_OPTION)
    if tenant_id is not None and not reason:
        # Marked with its municipality: the criterion is added without walking the statement tree
        # (it touches tenant-owned entities only), which the hot paths would pay on every query.
        return _add_tenant_criterion(state, tenant_id)
    tables = _tenant_owned_tables_read(state)
    if not tables:
        return
    if reason:
        if options.get(_LOOKUP_OPTION):
            return _lookup_across_the_wall(state, reason)
        allow_cross_tenant(state.session, reason)
        return
    raise TenantScopeError(f"query over tenant-owned {', '.join(sorted(tables))} without a municipality in scope")


def _add_tenant_criterion(state: ORMExecuteState, tenant_id: int) -> None:
    state.statement = state.statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.municipality_id == tenant_id, include_aliases=True)
    )


# --- The second wall: PostgreSQL row-level security ----------------------------------------------------
#
# Every tenant-owned table has a policy (migration 5b7e0c1d2a93) that shows and accepts only the
# rows of the municipality named by the setting ``pb.municipality_id``, unless ``pb.cross_tenant``
# holds a reason. The app's transactions run as the role ``DATABASE_APP_ROLE`` (``pb_app``: not
# the tables' owner, not a superuser, no BYPASSRLS), so the policies apply to them.
#
# What a session may see is kept in ``session.info`` (the *wall*): the municipality the request
# resolved (:func:`bind_tenant`), or a cross-tenant reason (:func:`allow_cross_tenant`). Before each
# statement and flush the wall is written into the transaction with ``SET LOCAL`` semantics
# (``set_config(..., true)``), once per transaction unless it changes. A session that has bound
# nothing sees no tenant-owned row at all: forgetting is a loud, empty failure, never a leak.

_WALL = "pb_wall"
_APPLIED = "pb_wall_applied"

log = logging.getLogger("pb_service.tenancy")


def _real(session) -> Session:
    """The session itself, also when given Flask-SQLAlchemy's ``db.session`` (a scoped session)."""
    return session() if isinstance(session, scoped_session) else session


def _wall(session: Session) -> dict:
    return _real(session).info.setdefault(_WALL, {"tenant_id": None, "cross_tenant": ""})


def bind_tenant(session: Session, tenant: "Municipality | None") -> None:
    """The database shows ``session`` only ``tenant``'s rows (the request's municipality)."""
    _wall(session)["tenant_id"] = tenant.id if tenant is not None else None
    _apply_now(session)


def allow_cross_tenant(session: Session, reason: str) -> None:
    """Lift the database wall for the rest of ``session``: an explicit, logged bypass.

    Used by cross-city code (every :func:`cross_tenant_select` runs it), programme staff's pages,
    operations commands (``flask pb ...``) and test fixtures. The reason is logged and is the
    value of ``pb.cross_tenant`` in the database, where statement logs can show it.
    """
    if not reason:
        raise ValueError("a cross-tenant bypass must state its reason")
    wall = _wall(session)
    if wall["cross_tenant"] != reason:
        if not wall["cross_tenant"]:
            log.info("cross-tenant access: %s", reason)
        wall["cross_tenant"] = reason[:200]
        _apply_now(session)


@contextmanager
def kept_wall(session: Session):
    """Whatever the block does to ``session``'s wall (a job run in a request's session lifts it),
    the wall is as before afterwards."""
    kept = wall_of(session)
    try:
        yield
    finally:
        _wall(session).update(kept)
        _apply_now(session)


def tenant_connection(session: Session, tenant: "Municipality"):
    """The connection of ``session``'s transaction, for plain (Core) statements on ``tenant``'s rows.

    The ballot's hot path writes and counts with prepared Core statements that name the
    municipality themselves and skip the ORM, and so the statement hook above; it may do so only
    in a session bound to ``tenant`` (or lifted with a stated reason), where the database wall
    checks every row it reads or writes.
    """
    wall = _wall(session)
    if wall["tenant_id"] != tenant.id and not wall["cross_tenant"]:
        raise TenantScopeError(f"plain statements on municipality {tenant.id}'s rows in a session bound to {wall['tenant_id']}")
    return _real(session).connection()


def wall_of(session: Session) -> dict:
    """What ``session`` may see: ``{"tenant_id": ..., "cross_tenant": reason or ""}``."""
    return dict(_wall(session))


def _app_role() -> str:
    from flask import current_app

    return current_app.config.get("DATABASE_APP_ROLE", "") if current_app else ""


def apply_wall(session: Session, connection) -> None:
    """Write ``session``'s wall into the connection's transaction (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return
    wall = _wall(session)
    wanted = (_app_role(), wall["tenant_id"], wall["cross_tenant"])
    if connection.info.get(_APPLIED) == wanted:
        return
    role, tenant_id, reason = wanted
    # set_config(..., true) is SET LOCAL: it ends with the transaction (or the savepoint rolled back).
    connection.exec_driver_sql(
        "SELECT set_config('role', %(role)s, true), set_config('pb.municipality_id', %(tenant)s, true),"
        " set_config('pb.cross_tenant', %(reason)s, true)",
        {"role": role or "none", "tenant": "" if tenant_id is None else str(int(tenant_id)), "reason": reason},
    )
    connection.info[_APPLIED] = wanted


def _connection_of(state: ORMExecuteState):
    """The connection the statement will run on (the primary's or the read replica's)."""
    return state.session.connection(bind_arguments=state.bind_arguments)


def _apply_now(session: Session) -> None:
    """Apply a changed wall at once to the connections of the session's transaction (the
    primary's, and the read replica's when the request reads from it)."""
    session = _real(session)
    for connection in session.info.get(_CONNECTIONS, ()):
        if not connection.closed:
            apply_wall(session, connection)


_CONNECTIONS = "pb_wall_connections"

@event.listens_for(Session, "after_begin")
def _wall_at_begin(session, transaction, connection) -> None:
    session.info.setdefault(_CONNECTIONS, []).append(connection)
    apply_wall(session, connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_connections(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTIONS, None)


@event.listens_for(Session, "before_flush")
def _wall_before_flush(session, flush_context, instances) -> None:
    apply_wall(session, session.connection())


def _lookup_across_the_wall(state: ORMExecuteState, reason: str):
    """Run one statement with the wall lifted, read its rows, and put the wall back."""
    wall = _wall(state.session)
    if wall["cross_tenant"]:
        return None  # already lifted for the session: nothing to do
    log.debug("cross-tenant lookup: %s", reason)
    wall["cross_tenant"] = reason[:200]
    try:
        apply_wall(state.session, _connection_of(state))
        frozen = state.invoke_statement().freeze()
    except Exception:
        # The failed (sub)transaction is rolled back, and the setting with it.
        wall["cross_tenant"] = ""
        raise
    wall["cross_tenant"] = ""
    apply_wall(state.session, _connection_of(state))
    return frozen()


def _forget_applied(connection, *args) -> None:
    connection.info.pop(_APPLIED, None)


# SET LOCAL ends with the transaction, and with a savepoint that is rolled back.
for _name in ("commit", "rollback", "rollback_savepoint"):
    event.listen(Engine, _name, _forget_applied)


@event.listens_for(Pool, "checkout")
def _forget_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    connection_record.info.pop(_APPLIED, None)


@event.listens_for(Pool, "checkin")
def _forget_on_checkin(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info.pop(_APPLIED, None)
