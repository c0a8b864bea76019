"""Encrypt TOTP secrets at rest (Fernet, key derived from SECRET_KEY by HKDF)

The columns grow to hold Fernet tokens; every stored secret is encrypted with the app's
SECRET_KEY (the one ``flask db upgrade`` runs with: run it with the production configuration).
The derivation is written out here, as in ``pb_service/core/encryption.py`` at this revision, so
that the migration does not change if the app's code does.

Revision ID: 9a41d3c6e2f8
Revises: 7c2f9e4a1b60
Create Date: 2026-11-26 14:00:00

"""
import base64

from alembic import op
import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


# revision identifiers, used by Alembic.
revision = '9a41d3c6e2f8'
down_revision = '7c2f9e4a1b60'
branch_labels = None
depends_on = None

PREFIX = "fernet:"
INFO = b"pb-service: TOTP secrets at rest, v1"
COLUMNS = ("totp_secret", "totp_pending_secret")


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _rewrite(convert) -> None:
    connection = op.get_bind()
    users = sa.table("user_account", sa.column("id", sa.Integer), *(sa.column(name, sa.String) for name in COLUMNS))
    for row in connection.execute(sa.select(users)).all():
        values = {name: convert(getattr(row, name)) for name in COLUMNS if getattr(row, name)}
        values = {name: value for name, value in values.items() if value != getattr(row, name)}
        if values:
            connection.execute(users.update().where(users.c.id == row.id).values(**values))


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=64), type_=sa.String(length=255), existing_nullable=False, existing_server_default=sa.text("''"))
    fernet = _fernet()
    _rewrite(lambda value: value if value.startswith(PREFIX) else PREFIX + fernet.encrypt(value.encode()).decode())


def downgrade():
    fernet = _fernet()
    _rewrite(lambda value: fernet.decrypt(value[len(PREFIX):].encode()).decode() if value.startswith(PREFIX) else value)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=255), type_=sa.String(length=64), existing_nullable=False, existing_server_default=sa.text("''"))
