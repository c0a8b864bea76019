"""Retention policy: months kept per municipality, erased supporters counted, identity hashes erasable

Revision ID: 7c2f9e4a1b60
Revises: 5b7e0c1d2a93
Create Date: 2026-11-26 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2f9e4a1b60'
down_revision = '5b7e0c1d2a93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_months', sa.Integer(), server_default='12', nullable=False))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_supporters', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('voter_record', schema=None) as batch_op:
        batch_op.alter_column('identity_hash', existing_type=sa.String(length=64), nullable=True)


def downgrade():
    # A random stand-in (the row's own random id) keeps the erased records and their statistics.
    op.execute("UPDATE voter_record SET identity_hash = id WHERE identity_hash IS NULL")
    with op.batch_alter_table('voter_record', schema=None) as batch_op:
        batch_op.alter_column('identity_hash', existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('erased_supporters')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('retention_months')
