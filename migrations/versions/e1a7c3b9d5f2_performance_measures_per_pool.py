"""Performance measures per pool: how far each project was from the other outcome (issue #16)

``pool_measures``: one row per counted pool, the rules engine's measures of every project as
JSON, computed when the pool is counted. Tenant-owned, behind the row-level security wall of
revision 5b7e0c1d2a93.

Revision ID: e1a7c3b9d5f2
Revises: 0b81823d7607
Create Date: 2026-12-05 05:50:00

"""
import importlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a7c3b9d5f2'
down_revision = "0b81823d7607"
branch_labels = None
depends_on = None

WALL = importlib.import_module("migrations.versions.5b7e0c1d2a93_row_level_security_on_tenant_tables").WALL
#: Tenant-owned tables created here (tests/test_row_level_security.py gathers every migration's list).
TENANT_TABLES = ("pool_measures",)


def upgrade():
    op.create_table(
        'pool_measures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pool_result_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('projects', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cpu_milliseconds', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id', 'pool_result_id'], ['pool_result.municipality_id', 'pool_result.id'], name=op.f('fk_pool_measures_municipality_id_pool_result'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_pool_measures_municipality_id_municipality'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_measures')),
        sa.UniqueConstraint('pool_result_id', name=op.f('uq_pool_measures_pool_result_id')),
    )
    with op.batch_alter_table('pool_measures') as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_measures_municipality_id'), ['municipality_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_wall ON {table} USING {WALL} WITH CHECK {WALL}")


def downgrade():
    op.drop_table('pool_measures')
