"""Programme jobs: a tracked job may belong to no municipality (a Pabulib import, issue #21)

``tracked_job.municipality_id`` becomes nullable: the programme's jobs (imports, which may create
municipalities) have none, as national audit events have none. The row-level security policy of
revision 0b81823d7607 is unchanged and still holds: ``municipality_id = <the bound municipality>``
is never true for an empty one, so such rows are visible and writable only in a transaction that
lifted the wall with a stated reason (programme staff pages, ``flask pb`` commands, jobs). A
programme job names no edition (check constraint).

Revision ID: a4d9e2f7c118
Revises: e1a7c3b9d5f2
Create Date: 2026-12-05 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d9e2f7c118'
down_revision = 'e1a7c3b9d5f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tracked_job') as batch_op:
        batch_op.alter_column('municipality_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_tracked_job_programme_job_has_no_edition'), 'municipality_id IS NOT NULL OR edition_id IS NULL')


def downgrade():
    op.execute("DELETE FROM tracked_job WHERE municipality_id IS NULL")
    with op.batch_alter_table('tracked_job') as batch_op:
        batch_op.drop_constraint(op.f('ck_tracked_job_programme_job_has_no_edition'), type_='check')
        batch_op.alter_column('municipality_id', existing_type=sa.Integer(), nullable=False)
