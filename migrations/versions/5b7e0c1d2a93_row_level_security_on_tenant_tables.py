"""Row-level security on every tenant-owned table (PostgreSQL; nothing on SQLite)

The second wall under the application's scoping (``pb_service/core/tenancy.py``). Each tenant-owned
table gets one policy: a row is visible, and may be written, only when its ``municipality_id`` is the
transaction's ``pb.municipality_id``, or when ``pb.cross_tenant`` holds the reason of an explicit
bypass (staff, open data, operations commands). ``audit_event`` also accepts and shows national
rows (no municipality: accounts, the hub); they are no municipality's data.

The app runs its transactions as the role ``pb_app`` (``SET LOCAL ROLE``): not the tables' owner,
not a superuser, without BYPASSRLS, so the policies apply to it. Owners and superusers (migrations,
pg_dump) are not subject to them; FORCE ROW LEVEL SECURITY is deliberately not set, so that
operations by the owner keep working. The role is created here when it is missing (it is
cluster-wide: one role serves every database of the server) and the migrating user is made a
member, so that it may SET ROLE to it.

Revision ID: 5b7e0c1d2a93
Revises: 8d3e3c58c36b
Create Date: 2026-11-26 13:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b7e0c1d2a93'
down_revision = '8d3e3c58c36b'
branch_labels = None
depends_on = None

APP_ROLE = "pb_app"

#: Every table of a ``TenantOwned`` model at this revision (tests/test_row_level_security.py checks
#: that the list and the models agree: a new tenant-owned table needs a migration like this one).
TENANT_TABLES = (
    "accessibility_request", "accessibility_statement", "api_token", "attachment", "audit_event", "ballot",
    "category", "coauthor", "cost_item", "edition", "edition_category_funding", "edition_indicators", "edition_level",
    "hub_expert_question", "implementation_photo", "implementation_update", "invitation", "membership", "municipal_expenditure",
    "one_time_code", "pabulib_import", "paper_entry", "pool", "pool_result", "project_follower", "project_result",
    "proposal", "proposal_event", "registered_voter", "rejected_attempt", "result_count", "result_protest",
    "supporter", "voter_record",
)

#: The rule of every policy: this transaction's municipality, or an explicit, stated bypass.
WALL = (
    "(municipality_id = NULLIF(current_setting('pb.municipality_id', true), '')::integer"
    " OR COALESCE(current_setting('pb.cross_tenant', true), '') <> '')"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by a migration of another database of this server
        END
        $$""")
    op.execute(f"""
        DO $$
        BEGIN
            IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
                EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
            END IF;
        END
        $$""")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    # Tables and sequences of later migrations (run by the same user) are granted too.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_wall ON {table} USING {WALL} WITH CHECK {WALL}")
    # National audit events (accounts, the hub, purge runs) belong to no municipality: any transaction
    # may record one (INSERT ... RETURNING must also be able to read it back); none may change one.
    op.execute("CREATE POLICY national_events_insert ON audit_event FOR INSERT WITH CHECK (municipality_id IS NULL)")
    op.execute("CREATE POLICY national_events_select ON audit_event FOR SELECT USING (municipality_id IS NULL)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS national_events_select ON audit_event")
    op.execute("DROP POLICY IF EXISTS national_events_insert ON audit_event")
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    # The role itself stays: it is shared by every database of the server.
