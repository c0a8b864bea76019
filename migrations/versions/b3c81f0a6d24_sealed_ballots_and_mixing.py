"""Ballot box: sealed ballots mixed in batches, keys outside the database, paper entry tallies

- ``edition.voter_key`` becomes ``edition.voter_salt``: the keys of identity hashes and sealed
  ballots now derive from ``VOTER_SECRET`` (outside the database) with this salt, so a dump alone
  confirms no identity. Identity hashes written before this revision were made under the old key:
  upgrade between votes, not while an edition's voting is open (docs/operations.md).
- ``edition.mixing_batch_size`` (at least 10, default 20).
- ``sealed_ballot``: ballots waiting to be mixed into ``ballot``.
- ``paper_entry.entry`` is sealed (binary); unsettled entries written before are dropped (they
  held choices in clear beside an identity hash; clerks enter those sheets again).
- ``paper_entry_tally``: sheets entered per clerk and day, instead of a per-sheet audit event.
  The per-sheet events already recorded (``paper.enter``, ``paper.first_entry``) lose their sheet
  number, which could be matched to a sheet, and their time to the second (kept: the day).

Both new tables are tenant-owned and get the row-level security wall of revision 5b7e0c1d2a93.

Revision ID: b3c81f0a6d24
Revises: 9a41d3c6e2f8
Create Date: 2026-12-05 03:00:00

"""
import importlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c81f0a6d24'
down_revision = '9a41d3c6e2f8'
branch_labels = None
depends_on = None

WALL = importlib.import_module("migrations.versions.5b7e0c1d2a93_row_level_security_on_tenant_tables").WALL
#: Tenant-owned tables created here (tests/test_row_level_security.py gathers every migration's list).
TENANT_TABLES = ("sealed_ballot", "paper_entry_tally")


def upgrade():
    with op.batch_alter_table('edition') as batch_op:
        batch_op.alter_column('voter_key', new_column_name='voter_salt', existing_type=sa.String(length=64), existing_nullable=False)
        batch_op.add_column(sa.Column('mixing_batch_size', sa.Integer(), server_default='20', nullable=False))
        batch_op.create_check_constraint(op.f('ck_edition_mixing_batch_size'), 'mixing_batch_size >= 10')
    op.create_table(
        'sealed_ballot',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('mix_group', sa.String(length=200), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('receipt_tag', sa.String(length=64), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id', 'edition_id'], ['edition.municipality_id', 'edition.id'], name=op.f('fk_sealed_ballot_municipality_id_edition'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_sealed_ballot_municipality_id_municipality'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_ballot')),
        sa.UniqueConstraint('receipt_tag', name=op.f('uq_sealed_ballot_receipt_tag')),
    )
    with op.batch_alter_table('sealed_ballot') as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_ballot_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sealed_ballot_municipality_id'), ['municipality_id'], unique=False)
    op.create_table(
        'paper_entry_tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('clerk_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('sheets', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id', 'edition_id'], ['edition.municipality_id', 'edition.id'], name=op.f('fk_paper_entry_tally_municipality_id_edition'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_paper_entry_tally_municipality_id_municipality'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry_tally')),
        sa.UniqueConstraint('edition_id', 'clerk_id', 'day', name=op.f('uq_paper_entry_tally_edition_id_clerk_id_day')),
    )
    with op.batch_alter_table('paper_entry_tally') as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entry_tally_municipality_id'), ['municipality_id'], unique=False)
    op.execute("DELETE FROM paper_entry")
    with op.batch_alter_table('paper_entry') as batch_op:
        batch_op.drop_column('entry')
        batch_op.add_column(sa.Column('entry', sa.LargeBinary(), nullable=False))
    # Per-sheet events: no sheet number, and the day only.
    audit = sa.table('audit_event', sa.column('action', sa.String), sa.column('details', sa.JSON), sa.column('created_at', sa.DateTime))
    connection = op.get_bind()
    per_sheet = audit.c.action.in_(("paper.enter", "paper.first_entry"))
    connection.execute(audit.update().where(per_sheet).values(details={}))
    if connection.dialect.name == "postgresql":
        op.execute("UPDATE audit_event SET created_at = date_trunc('day', created_at) WHERE action IN ('paper.enter', 'paper.first_entry')")
        for table in TENANT_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_wall ON {table} USING {WALL} WITH CHECK {WALL}")
    else:
        op.execute("UPDATE audit_event SET created_at = strftime('%Y-%m-%d 00:00:00.000000', created_at) WHERE action IN ('paper.enter', 'paper.first_entry')")


def downgrade():
    op.execute("DELETE FROM paper_entry")
    with op.batch_alter_table('paper_entry') as batch_op:
        batch_op.drop_column('entry')
        batch_op.add_column(sa.Column('entry', sa.JSON(), nullable=False))
    op.drop_table('paper_entry_tally')
    op.drop_table('sealed_ballot')
    with op.batch_alter_table('edition') as batch_op:
        batch_op.drop_constraint(op.f('ck_edition_mixing_batch_size'), type_='check')
        batch_op.drop_column('mixing_batch_size')
        batch_op.alter_column('voter_salt', new_column_name='voter_key', existing_type=sa.String(length=64), existing_nullable=False)
