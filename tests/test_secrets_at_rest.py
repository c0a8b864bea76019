"""TOTP secrets are encrypted at rest: the database holds Fernet tokens, the app reads the secret."""
from __future__ import annotations

import importlib

import pytest
from flask import current_app
from sqlalchemy import text

from pb_service.core.encryption import SecretUnreadable, decrypt, encrypt
from tests.factories import TOTP_SECRET, make_user


def test_the_database_holds_only_an_encrypted_secret(app, session, in_request):
    user = make_user(session)
    session.commit()
    stored = session.execute(text("SELECT totp_secret, totp_pending_secret FROM user_account WHERE id = :id"), {"id": user.id}).one()
    assert stored.totp_secret.startswith("fernet:")
    assert TOTP_SECRET not in stored.totp_secret
    assert stored.totp_pending_secret == ""  # no secret: nothing to encrypt
    assert decrypt(stored.totp_secret, current_app.config["SECRET_KEY"]) == TOTP_SECRET
    session.expire_all()
    assert user.totp_secret == TOTP_SECRET and user.has_second_factor
    # Another key (a stolen dump without the app's configuration) cannot read it.
    with pytest.raises(SecretUnreadable):
        decrypt(stored.totp_secret, "another-secret-key")
    # Fernet tokens are randomised: the same secret is stored differently each time.
    assert encrypt(TOTP_SECRET, "k") != encrypt(TOTP_SECRET, "k")


def test_a_plain_secret_written_around_the_app_is_refused():
    with pytest.raises(SecretUnreadable):
        decrypt(TOTP_SECRET, "test-secret-key")


def test_the_migration_encrypts_existing_secrets_with_the_derivation_of_the_app(app):
    migration = importlib.import_module("migrations.versions.9a41d3c6e2f8_encrypt_totp_secrets_at_rest")
    with app.app_context():
        token = migration._fernet().encrypt(TOTP_SECRET.encode()).decode()
        assert decrypt(migration.PREFIX + token, app.config["SECRET_KEY"]) == TOTP_SECRET


def test_upgrading_encrypts_the_secrets_already_stored_and_downgrading_restores_them(tmp_path, smtp_server):
    from flask_migrate import downgrade, upgrade

    from pb_service.extensions import db
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/upgrade.sqlite3", smtp_server.port)
    insert = text(
        "INSERT INTO user_account (email, password_hash, display_name, locale, is_staff, active, totp_secret, totp_pending_secret,"
        " failed_attempts, session_version, created_at, updated_at)"
        " VALUES ('old@example.org', '!', 'Old', '', 0, 1, :secret, '', 0, 0, '2026-01-01', '2026-01-01')"
    )
    select_secret = text("SELECT totp_secret FROM user_account WHERE email = 'old@example.org'")
    with app.app_context():
        upgrade(revision="7c2f9e4a1b60")
        with db.engine.begin() as connection:
            connection.execute(insert, {"secret": TOTP_SECRET})
        upgrade()
        with db.engine.connect() as connection:
            stored = connection.execute(select_secret).scalar_one()
        assert stored.startswith("fernet:") and decrypt(stored, app.config["SECRET_KEY"]) == TOTP_SECRET
        downgrade(revision="7c2f9e4a1b60")
        with db.engine.connect() as connection:
            assert connection.execute(select_secret).scalar_one() == TOTP_SECRET
        db.engine.dispose()
