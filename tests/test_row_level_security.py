"""The second tenant wall: PostgreSQL row-level security under the application's scoping.

Raw SQL, which no application scoping filters, sees only the rows of the municipality set for
the transaction (``pb.municipality_id``), in every tenant-owned table; nothing at all when none is
set; every row only with an explicit, stated bypass (``pb.cross_tenant``).
"""
from __future__ import annotations

import hashlib
import importlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from pb_service.accessibility.models import AccessibilityStatement
from pb_service.analytics.models import MunicipalExpenditure, PabulibImport, ProjectFollower
from pb_service.core.models import utcnow
from pb_service.core.jobs.models import TrackedJob
from pb_service.core.tenancy import _tenant_owned_tables, allow_cross_tenant, bind_tenant, get_for_tenant
from pb_service.proposals.models import CoAuthor, Proposal, ProposalEvent, Stage, Status, Supporter
from pb_service.voting.models import (
    Channel, OneTimeCode, PaperEntry, PaperEntryTally, RegisteredVoter, RejectedAttempt, RejectionReason, SealedBallot,
)
from tests.analytics_factories import make_indicators
from tests.factories import make_municipality, make_user
from tests.results_factories import cast_ballot
from tests.test_route_walk import victim_and_attacker

RLS_MIGRATION = importlib.import_module("migrations.versions.5b7e0c1d2a93_row_level_security_on_tenant_tables")


def walled_tables() -> list[str]:
    """The tenant-owned tables that the migrations put behind the wall: the wall's own migration
    and each later one that creates a tenant-owned table (its ``TENANT_TABLES``)."""
    names: set[str] = set()
    for path in (Path(__file__).resolve().parent.parent / "migrations" / "versions").glob("*.py"):
        names |= set(getattr(importlib.import_module(f"migrations.versions.{path.stem}"), "TENANT_TABLES", ()))
    return sorted(names)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def fill_every_tenant_table(session):
    """Municipality A with at least one row in every tenant-owned table; B with its own officials."""
    a, b, _, ids, _ = victim_and_attacker(session)
    proposal = get_for_tenant(session, Proposal, a, ids["proposal_id"])
    edition, pool = proposal.edition, proposal.pool
    reader = make_user(session)
    cast_ballot(session, edition, {pool.id: {proposal.id: 1}})
    session.add_all([
        AccessibilityStatement(municipality_id=a.id, published_on=date.today(), updated_on=date.today(), prepared_on=date.today(), reviewed_on=date.today()),
        MunicipalExpenditure(municipality_id=a.id, year=2026, amount=1_000_000_00),
        PabulibImport(municipality_id=a.id, sha256=_hash("file"), filename="a.pb", edition_id=edition.id, pool_id=pool.id,
                      file_rule="greedy", voters=1, projects=1, budget=pool.budget),
        ProjectFollower(municipality_id=a.id, proposal_id=proposal.id, user_id=reader.id),
        Supporter(municipality_id=a.id, proposal_id=proposal.id, user_id=reader.id),
        CoAuthor(municipality_id=a.id, proposal_id=proposal.id, user_id=reader.id),
        ProposalEvent(municipality_id=a.id, proposal_id=proposal.id, stage=Stage.FORMAL, from_status=Status.SUBMITTED, to_status=Status.MERIT_REVIEW),
        OneTimeCode(municipality_id=a.id, edition_id=edition.id, identity_hash=_hash("who"), destination_hash=_hash("where"),
                    code_hash=_hash("code"), expires_at=utcnow() + timedelta(minutes=5)),
        RegisteredVoter(municipality_id=a.id, edition_id=edition.id, identity_hash=_hash("registered")),
        PaperEntry(municipality_id=a.id, edition_id=edition.id, sheet_number="1", identity_hash=_hash("paper"), entry=b"sealed", created_at=utcnow()),
        RejectedAttempt(municipality_id=a.id, edition_id=edition.id, reason=RejectionReason.ALREADY_VOTED, channel=Channel.ONLINE, day=date.today(), count=1),
        SealedBallot(municipality_id=a.id, edition_id=edition.id, mix_group="online:", sealed=b"sealed", receipt_tag=_hash("tag")),
        PaperEntryTally(municipality_id=a.id, edition_id=edition.id, clerk_id=reader.id, day=date.today(), sheets=1),
        TrackedJob(municipality_id=a.id, kind="count", edition_id=edition.id, total=1),
    ])
    make_indicators(session, a, 2026, voters=10, budget_total=1_000_000_00, funded_by_category={"Zieleń": {"count": 4, "cost": 1_000_000_00}})
    session.flush()
    return a, b


def _rows_of(connection_session: Session, table: str, municipality_id: int) -> int:
    return connection_session.execute(
        text(f"SELECT count(*) FROM {table} WHERE municipality_id = :m"), {"m": municipality_id}
    ).scalar_one()


@pytest.fixture
def postgresql(backend):
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's (SQLite has one writer and no roles)")


def test_raw_sql_sees_only_the_municipality_set_for_the_transaction(session, postgresql):
    a, b = fill_every_tenant_table(session)
    tables = walled_tables()
    # The fixture session (an explicit bypass, as operations commands have) sees A's rows everywhere.
    expected = {table: _rows_of(session, table, a.id) for table in tables}
    assert [table for table, rows in expected.items() if rows == 0] == []

    # A session of the app, as a request has, on the same transaction: raw SQL, no app scoping at all.
    app_session = Session(bind=session.connection(), join_transaction_mode="create_savepoint")
    try:
        assert app_session.execute(text("SELECT current_user")).scalar_one() == "pb_app"
        # No municipality set: no tenant-owned row at all.
        assert {table: _rows_of(app_session, table, a.id) for table in tables} == {table: 0 for table in tables}
        # B set: none of A's rows, in any table.
        bind_tenant(app_session, b)
        assert {table: _rows_of(app_session, table, a.id) for table in tables} == {table: 0 for table in tables}
        assert app_session.execute(text("SELECT count(*) FROM proposal")).scalar_one() == 0
        # Nor can B's transaction write a row into A, or move its own rows there.
        with pytest.raises(Exception, match="row-level security"):
            with app_session.begin_nested():
                app_session.execute(text(
                    "INSERT INTO municipal_expenditure (municipality_id, year, amount) VALUES (:m, 2031, 1)"
                ), {"m": a.id})
        # A set: exactly A's rows.
        bind_tenant(app_session, a)
        assert {table: _rows_of(app_session, table, a.id) for table in tables} == expected
        assert app_session.execute(text("SELECT count(*) FROM membership WHERE municipality_id <> :a"), {"a": a.id}).scalar_one() == 0
        # An explicit bypass with its reason sees every municipality.
        allow_cross_tenant(app_session, "test: staff analytics")
        assert app_session.execute(text("SELECT current_setting('pb.cross_tenant')")).scalar_one() == "test: staff analytics"
        assert app_session.execute(text("SELECT count(DISTINCT municipality_id) FROM membership")).scalar_one() == 2
    finally:
        app_session.close()


def test_the_programme_jobs_are_seen_only_across_the_wall(session, postgresql):
    """A job of the programme (an import) has no municipality: a transaction bound to one sees none
    and cannot write one; one that lifted the wall with a reason (staff pages, commands, jobs) can."""
    from pb_service.core.jobs.services import new_tracked

    a, _b = fill_every_tenant_table(session)
    programme = new_tracked(None, "import", actor=None, total=2)
    session.flush()
    app_session = Session(bind=session.connection(), join_transaction_mode="create_savepoint")
    try:
        bind_tenant(app_session, a)
        assert app_session.execute(text("SELECT municipality_id FROM tracked_job")).scalars().all() == [a.id]
        with pytest.raises(Exception, match="row-level security"):
            with app_session.begin_nested():
                app_session.execute(text(
                    "INSERT INTO tracked_job (kind, state, done, total, outcome, attempts, created_at) VALUES ('import', 'queued', 0, 0, '', 0, now())"
                ))
        assert app_session.execute(text("UPDATE tracked_job SET done = 1 WHERE id = :id"), {"id": programme.id}).rowcount == 0
        allow_cross_tenant(app_session, "test: the programme's jobs")
        assert app_session.execute(text("SELECT id FROM tracked_job WHERE municipality_id IS NULL")).scalars().all() == [programme.id]
    finally:
        app_session.close()


def test_every_tenant_owned_table_has_the_wall(session, postgresql):
    model_tables = sorted(table.name for table in _tenant_owned_tables())
    assert walled_tables() == model_tables
    rows = session.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity"
    )).all()
    assert sorted(name for name, _, _ in rows) == model_tables
    policies = session.execute(text("SELECT tablename, policyname, cmd FROM pg_policies WHERE schemaname = 'public' ORDER BY 1, 2")).all()
    assert sorted((t, p, c) for t, p, c in policies) == sorted(
        [(table, "tenant_wall", "ALL") for table in model_tables]
        + [("audit_event", "national_events_insert", "INSERT"), ("audit_event", "national_events_select", "SELECT")]
    )
    role = session.execute(text("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'pb_app'")).one()
    assert tuple(role) == (False, False, False)


def test_requests_run_as_the_app_role_with_their_municipality(app, session, postgresql):
    """What a request's transaction holds: the app role and the URL's municipality, no bypass."""
    from pb_service.extensions import db

    a = make_municipality(session)
    session.commit()
    query = text("SELECT current_user, current_setting('pb.municipality_id', true), current_setting('pb.cross_tenant', true)")
    with app.app_context(), app.test_request_context(f"/{a.slug}/"):
        app.preprocess_request()
        assert tuple(db.session.execute(query).one()) == ("pb_app", str(a.id), "")
        db.session.remove()
    with app.app_context(), app.test_request_context("/hub/"):
        app.preprocess_request()
        assert tuple(db.session.execute(query).one()) == ("pb_app", "", "")
        db.session.remove()


def test_signed_in_officials_pages_stay_behind_the_wall(app, session, client, caplog):
    """Checks made on every request (is this person an official anywhere?) lift the wall for their
    one statement only: an official's requests in their own municipality never run without it."""
    import logging

    from pb_service.core.roles import Role
    from tests.editions_factories import make_edition
    from tests.factories import login, make_official

    town = make_municipality(session, slug="mur")
    make_municipality(session, slug="obok")
    edition = make_edition(session, town)
    admin = make_official(session, town, Role.ADMIN)
    session.commit()
    login(client, admin)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="pb_service.tenancy"):
        for url in ("/mur/", "/mur/office/", "/mur/office/profile", "/mur/office/members", "/mur/office/audit",
                    f"/mur/editions/{edition.id}/", "/account/settings"):
            assert client.get(url).status_code == 200, url
    lifted = [r.getMessage() for r in caplog.records if r.getMessage().startswith("cross-tenant access")]
    assert lifted == []
    lookups = {r.getMessage() for r in caplog.records if r.getMessage().startswith("cross-tenant lookup")}
    assert "cross-tenant lookup: second factor: is the user an official anywhere" in lookups
