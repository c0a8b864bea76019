"""Job queue: the mail outbox and tracked jobs

Revision ID: 0b81823d7607
Revises: c4e7a9d2f1b8
Create Date: 2026-12-05 06:40:00

"""
import importlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b81823d7607'
down_revision = 'c4e7a9d2f1b8'
branch_labels = None
depends_on = None

WALL = importlib.import_module("migrations.versions.5b7e0c1d2a93_row_level_security_on_tenant_tables").WALL
#: Tenant-owned tables created here (tests/test_row_level_security.py gathers every migration's list).
TENANT_TABLES = ("tracked_job",)


def upgrade():
    op.create_table(
        'outbox_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mail')),
        sa.UniqueConstraint('key', name=op.f('uq_outbox_mail_key')),
    )
    with op.batch_alter_table('outbox_mail') as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_mail_sent_at'), ['sent_at'], unique=False)
    op.create_table(
        'tracked_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False, create_constraint=True, length=10), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_tracked_job_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_tracked_job_edition_id_edition'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_tracked_job_municipality_id_municipality'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tracked_job')),
    )
    with op.batch_alter_table('tracked_job') as batch_op:
        batch_op.create_index(batch_op.f('ix_tracked_job_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracked_job_municipality_id'), ['municipality_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for table in TENANT_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_wall ON {table} USING {WALL} WITH CHECK {WALL}")


def downgrade():
    op.drop_table('tracked_job')
    op.drop_table('outbox_mail')
