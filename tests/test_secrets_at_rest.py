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


def test_a_key_change_keeps_second_factors_and_sessions_and_rotation_moves_secrets_to_the_new_key(tmp_path, smtp_server):
    """Old key → SECRET_KEY_FALLBACKS, new key → SECRET_KEY; ``flask pb rotate-secrets``; old key dropped."""
    from flask_migrate import upgrade

    from pb_service.extensions import db
    from tests.conftest import make_app
    from tests.factories import login

    url = f"sqlite:///{tmp_path}/rotation.sqlite3"
    select_secret = text("SELECT totp_secret FROM user_account WHERE id = :id")

    def app_with(key, fallbacks=()):
        return make_app(url, smtp_server.port, SECRET_KEY=key, SECRET_KEY_FALLBACKS=list(fallbacks))

    before = app_with("old-key")
    with before.app_context():
        upgrade()
        user = make_user(db.session)
        db.session.commit()
        user_id = user.id
        old_token = db.session.execute(select_secret, {"id": user_id}).scalar_one()
    signed_in = before.test_client()
    with before.app_context():
        login(signed_in, db.session.get(type(user), user_id))

    during = app_with("new-key", ["old-key"])
    # The session signed with the old key still works, and so does the second factor stored under it.
    carried_over = during.test_client()
    carried_over.set_cookie("session", signed_in.get_cookie("session").value)
    assert carried_over.get("/account/export.json").status_code == 200
    with during.app_context():
        assert db.session.get(type(user), user_id).totp_secret == TOTP_SECRET
        result = during.test_cli_runner().invoke(args=["pb", "rotate-secrets"])
        assert result.output == "1 second-factor secrets are encrypted under the current SECRET_KEY.\n"
        new_token = db.session.execute(select_secret, {"id": user_id}).scalar_one()
        db.session.remove()
    assert new_token != old_token and decrypt(new_token, "new-key") == TOTP_SECRET

    after = app_with("new-key")
    with after.app_context():
        assert db.session.get(type(user), user_id).totp_secret == TOTP_SECRET
        login(after.test_client(), db.session.get(type(user), user_id))
        db.session.remove()
    with pytest.raises(SecretUnreadable):
        decrypt(new_token, "old-key")
    with before.app_context():
        db.engine.dispose()
