"""Configuration, health check, security headers and the command line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from pb_service import create_app
from pb_service.accounts.models import User
from pb_service.config import SETTINGS, ConfigurationError, database_url
from tests.conftest import make_app

README = Path(__file__).resolve().parent.parent / "README.md"


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.setenv("PB_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(ConfigurationError):
        create_app()


def test_production_refuses_a_missing_or_reused_voter_secret(monkeypatch):
    monkeypatch.setenv("PB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    for voter_secret in (None, "", "a-long-random-production-secret"):
        if voter_secret is None:
            monkeypatch.delenv("VOTER_SECRET", raising=False)
        else:
            monkeypatch.setenv("VOTER_SECRET", voter_secret)
        with pytest.raises(ConfigurationError, match="VOTER_SECRET"):
            create_app()


def test_production_refuses_the_test_suites_password_hashing(monkeypatch, tmp_path):
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.sqlite3"}
    monkeypatch.setenv("PASSWORD_HASHING", "md5")
    with pytest.raises(ConfigurationError, match="PASSWORD_HASHING must be rfc9106-low-memory or test-only-cheapest"):
        create_app(database)
    monkeypatch.setenv("PASSWORD_HASHING", "test-only-cheapest")
    assert create_app(database).extensions["password_hasher"].memory_cost == 8
    monkeypatch.setenv("PB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("VOTER_SECRET", "another-long-random-production-secret")
    with pytest.raises(ConfigurationError, match="PASSWORD_HASHING must be rfc9106-low-memory$"):
        create_app(database)
    monkeypatch.delenv("PASSWORD_HASHING")
    assert create_app(database).extensions["password_hasher"].memory_cost == 65536


def test_production_sets_secure_cookies_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("PB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("VOTER_SECRET", "another-long-random-production-secret")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.sqlite3"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_database_url_conversions(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(str(tmp_path)) == f"sqlite:///{tmp_path}/pb_service.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/pb")
    assert database_url(str(tmp_path)) == "postgresql+psycopg://db.internal/pb"
    monkeypatch.setenv("DATABASE_URL", "postgres://db.internal/pb")
    assert database_url(str(tmp_path)) == "postgresql+psycopg://db.internal/pb"


def test_readme_documents_every_setting():
    readme = README.read_text(encoding="utf-8")
    table_names = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert table_names == set(SETTINGS)


def test_health_ok(client, session):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "broker": "not configured", "replica": "not configured"}


def test_health_reports_unreachable_database(smtp_server):
    app = make_app("postgresql+psycopg://127.0.0.1:1/nothing", smtp_server.port, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error", "database": "unreachable (OperationalError)", "broker": "not configured", "replica": "not configured",
    }


def test_security_headers(client, session):
    headers = client.get("/").headers
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_csrf_protects_forms(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/account/login", data={"email": "a@example.org", "password": "whatever12345"})
    assert response.status_code == 400


def test_cli_create_staff(app, session):
    """(`flask pb demo` is checked in test_demo.py.)"""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pb", "create-staff", "boss@example.org", "--password", "very secret password"])
    assert result.exit_code == 0, result.output
    assert "boss@example.org" in result.output
    assert session.scalar(select(User).where(User.email == "boss@example.org")).is_staff is True
    short = runner.invoke(args=["pb", "create-staff", "x@example.org", "--password", "short"])
    assert short.exit_code == 2
