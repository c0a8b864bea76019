"""The tenant scoping helpers and the guard that makes forgetting them impossible."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pb_service.accounts.models import Membership, User
from pb_service.core.roles import Role
from pb_service.core.tenancy import (
    TenantScopeError,
    cross_tenant_select,
    get_for_tenant,
    scoped_to,
    tenant_select,
)
from tests.factories import make_municipality, make_official

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases


@pytest.fixture
def two_tenants(session):
    first = make_municipality(session)
    second = make_municipality(session)
    first_admin = make_official(session, first, Role.ADMIN)
    second_clerk = make_official(session, second, Role.CLERK)
    session.commit()
    for loaded in (first, second, first_admin, second_clerk):
        session.refresh(loaded)
    session.expunge_all()  # nothing in the identity map: every read below goes to the database
    return first, second, first_admin, second_clerk


def test_unscoped_query_of_tenant_owned_model_raises(session, two_tenants):
    with pytest.raises(TenantScopeError, match="membership"):
        session.scalars(select(Membership)).all()


def test_fetch_by_bare_id_raises(session, two_tenants):
    first, _, _, _ = two_tenants
    membership_id = session.scalar(tenant_select(Membership, first)).id
    session.expunge_all()
    with pytest.raises(TenantScopeError):
        session.get(Membership, membership_id)


def test_tenant_select_returns_only_the_tenants_rows(session, two_tenants):
    first, second, first_admin, second_clerk = two_tenants
    assert [m.user_id for m in session.scalars(tenant_select(Membership, first))] == [first_admin.id]
    assert [m.user_id for m in session.scalars(tenant_select(Membership, second))] == [second_clerk.id]


def test_get_for_tenant_refuses_another_tenants_id(session, two_tenants):
    first, second, _, _ = two_tenants
    foreign_id = session.scalar(tenant_select(Membership, second)).id
    assert get_for_tenant(session, Membership, first, foreign_id) is None
    assert get_for_tenant(session, Membership, second, foreign_id).id == foreign_id
    assert get_for_tenant(session, Membership, first, "not-a-number") is None


def test_guard_adds_tenant_criteria_to_joins(session, two_tenants):
    """A hand-built join marked for one tenant cannot reach another tenant's rows."""
    first, _, first_admin, _ = two_tenants
    statement = scoped_to(select(User.email).join(Membership, Membership.user_id == User.id), first)
    assert session.scalars(statement).all() == [first_admin.email]


def test_cross_tenant_select_needs_a_reason(session, two_tenants):
    with pytest.raises(ValueError):
        cross_tenant_select(func.count(Membership.id), reason="")
    count = session.scalar(cross_tenant_select(func.count(Membership.id), reason="test: all officials"))
    assert count == 2


def test_global_models_need_no_scope(session, two_tenants):
    _, _, first_admin, second_clerk = two_tenants
    emails = set(session.scalars(select(User.email)))
    assert {first_admin.email, second_clerk.email} <= emails


def test_unscoped_join_through_tenant_owned_model_raises(session, two_tenants):
    with pytest.raises(TenantScopeError):
        session.scalars(select(User.email).join(Membership, Membership.user_id == User.id)).all()
