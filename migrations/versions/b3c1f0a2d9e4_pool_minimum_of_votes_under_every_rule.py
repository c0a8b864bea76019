"""A pool's minimum of votes applies under every rule; editions imported from Pabulib keep the files' semantics

``edition.imported_from_pabulib`` marks the editions the analytics importer made from Pabulib
files (those with a ``pabulib_import`` row): they are counted as the city counted them. Every
other edition now applies each pool's ``min_votes`` under its rule, so ``greedy-threshold``
(greedy with the minimum) becomes ``greedy``: the configured minimum still applies, and it is
no longer silently dropped under ``greedy`` or equal shares. Published results never change.

Revision ID: b3c1f0a2d9e4
Revises: b3c81f0a6d24
Create Date: 2026-12-05 02:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c1f0a2d9e4'
down_revision = 'b3c81f0a6d24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_from_pabulib', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE edition SET imported_from_pabulib = TRUE WHERE EXISTS ("
        "SELECT 1 FROM pabulib_import WHERE pabulib_import.edition_id = edition.id)"
    )
    op.execute("UPDATE edition SET outcome_rule = 'greedy' WHERE outcome_rule = 'greedy-threshold' AND NOT imported_from_pabulib")


def downgrade():
    op.execute("UPDATE edition SET outcome_rule = 'greedy-threshold' WHERE outcome_rule = 'greedy' AND NOT imported_from_pabulib "
               "AND EXISTS (SELECT 1 FROM pool WHERE pool.edition_id = edition.id AND pool.min_votes > 0)")
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('imported_from_pabulib')
