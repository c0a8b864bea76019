"""Analytics: one voter counted once across an edition's Pabulib files; coverage by district

The importer wrote a voter record per ballot per file, so a resident who voted in the city-wide
file and in a district file was two voters (Katowice 2023: 84,797 instead of 46,821). It now
writes one record per person where the files share one numbering of voters, and flags the
edition where they do not. ``pabulib_import.voter_ids_shared`` records the verdict and
``pabulib_import.district`` the file's district (coverage is judged by the districts an edition
without a city-wide pool has);
``edition_indicators.voters_unknown`` says why an edition's voters are not knowable, and the
counts of voters become nullable (null then, never the files added up).

Editions imported before from several files cannot be told apart again here (the records do
not keep the files' voter ids): their counts of voters become null, marked ``not_checked``,
until their files are imported again (``flask pb import-pabulib --again FILES``, see
docs/analytics.md). Editions from one file were right and stay as they are.

Revision ID: b3f1c2d4e5a6
Revises: 0cdd19561dda
Create Date: 2026-12-05 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3f1c2d4e5a6'
down_revision = '0cdd19561dda'
branch_labels = None
depends_on = None

NULLABLE_COUNTS = (
    ('voters', sa.Integer()), ('turnout', sa.Float()), ('voters_online', sa.Integer()), ('voters_paper', sa.Integer()),
    ('voters_channel_unknown', sa.Integer()), ('votes_per_voter', sa.Float()),
)


def upgrade():
    with op.batch_alter_table('pabulib_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voter_ids_shared', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('district', sa.String(length=120), server_default='', nullable=False))
    with op.batch_alter_table('edition_indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voters_unknown', sa.String(length=20), server_default='', nullable=False))
        for name, type_ in NULLABLE_COUNTS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)

    imports = sa.table('pabulib_import', sa.column('edition_id', sa.Integer))
    several_files = sa.select(imports.c.edition_id).group_by(imports.c.edition_id).having(sa.func.count() > 1)
    indicators = sa.table(
        'edition_indicators', sa.column('edition_id', sa.Integer), sa.column('voters_unknown', sa.String),
        sa.column('voters_by_age', sa.JSON), sa.column('voters_by_sex', sa.JSON), *(sa.column(name, type_) for name, type_ in NULLABLE_COUNTS),
    )
    op.get_bind().execute(
        indicators.update().where(indicators.c.edition_id.in_(several_files)).values(
            voters_unknown='not_checked', voters_by_age={}, voters_by_sex={}, **{name: None for name, _type in NULLABLE_COUNTS},
        )
    )


def downgrade():
    indicators = sa.table('edition_indicators', *(sa.column(name, type_) for name, type_ in NULLABLE_COUNTS))
    # The old schema has no "unknown": zero stands in, as it would not pass for a count of people.
    op.get_bind().execute(indicators.update().where(indicators.c.voters.is_(None)).values(**{name: 0 for name, _type in NULLABLE_COUNTS}))
    with op.batch_alter_table('edition_indicators', schema=None) as batch_op:
        for name, type_ in NULLABLE_COUNTS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.drop_column('voters_unknown')
    with op.batch_alter_table('pabulib_import', schema=None) as batch_op:
        batch_op.drop_column('district')
        batch_op.drop_column('voter_ids_shared')
