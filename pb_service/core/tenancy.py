"""Tenant scoping: every read of tenant-owned rows names its municipality.

A tenant-owned model inherits :class:`TenantOwned`. Reads go through :func:`tenant_select` /
:func:`get_for_tenant`, which filter by the municipality *and* mark the statement with it. A
session hook then (1) refuses any ORM query over a tenant-owned model that carries neither a
tenant mark nor an explicit cross-tenant reason, and (2) adds the tenant criterion to every
tenant-owned entity in the statement, joins and eager loads included. Forgetting the scope is a
loud error, not a leak. Cross-city code (staff analytics, open data) uses
:func:`cross_tenant_select`, which names its reason.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from flask import abort
from sqlalchemy import ForeignKey, Table, event, select
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql import Select
from sqlalchemy.sql.visitors import iterate

from pb_service.core.database import MAX_ID
from pb_service.extensions import db

if TYPE_CHECKING:
    from pb_service.municipalities.models import Municipality

_TENANT_OPTION = "pb_tenant_id"
_CROSS_TENANT_OPTION = "pb_cross_tenant_reason"

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
    if not reason:
        raise ValueError("a cross-tenant query must state its reason")
    return select(*entities).execution_options(**{_CROSS_TENANT_OPTION: reason})


def _tenant_owned_tables() -> set[Table]:
    return {mapper.local_table for mapper in db.Model.registry.mappers if issubclass(mapper.class_, TenantOwned)}


def _tenant_owned_tables_read(state: ORMExecuteState) -> set[str]:
    """Names of tenant-owned tables anywhere in the statement (joins and subqueries too)."""
    owned = _tenant_owned_tables()
    return {element.name for element in iterate(state.statement) if isinstance(element, Table) and element in owned}


@event.listens_for(Session, "do_orm_execute")
def _enforce_tenant_scope(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy loads and column refreshes start from an object that was itself loaded in scope.
    if state.is_relationship_load or state.is_column_load:
        return
    tables = _tenant_owned_tables_read(state)
    if not tables:
        return
    options = state.execution_options
    if options.get(_CROSS_TENANT_OPTION):
        return
    tenant_id = options.get(_TENANT_OPTION)
    if tenant_id is None:
        raise TenantScopeError(f"query over tenant-owned {', '.join(sorted(tables))} without a municipality in scope")
    state.statement = state.statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.municipality_id == tenant_id, include_aliases=True)
    )
