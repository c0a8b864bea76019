"""Appeal attachments: an attachment may be a document the author gives with an appeal

Revision ID: c4e7a9d2f1b8
Revises: b3f1c2d4e5a6
Create Date: 2026-12-05 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e7a9d2f1b8'
down_revision = 'b3f1c2d4e5a6'
branch_labels = None
depends_on = None

OLD_KINDS = ('document', 'supporters_list')
NEW_KINDS = OLD_KINDS + ('appeal',)


def _kinds(values):
    return sa.Enum(*values, name='attachmentkind', native_enum=False, create_constraint=True, length=20)


def _change_kinds(old, new):
    # Batch mode recreates the table on SQLite, dropping the old CHECK and creating the new one;
    # PostgreSQL changes the named constraint in place.
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('attachment', schema=None) as batch_op:
            batch_op.alter_column('kind', existing_type=_kinds(old), type_=_kinds(new), existing_nullable=False)
        return
    op.drop_constraint(op.f('ck_attachment_attachmentkind'), 'attachment', type_='check')
    listed = ", ".join(f"'{kind}'" for kind in new)
    op.create_check_constraint(op.f('ck_attachment_attachmentkind'), 'attachment', f"kind IN ({listed})")


def upgrade():
    _change_kinds(OLD_KINDS, NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM attachment WHERE kind = 'appeal'")
    _change_kinds(NEW_KINDS, OLD_KINDS)
