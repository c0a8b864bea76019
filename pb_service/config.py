"""Settings read from the environment.

Every setting has a development default so that ``make run`` works on a fresh machine; production
(``PB_ENV=production``) refuses to start with the development secret key.
"""
from __future__ import annotations

import os
from pathlib import Path

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"
DEVELOPMENT_VOTER_SECRET = "development-only-voter-secret-change-me"

#: Each environment variable the app reads, its default and what it is for. The README's
#: configuration table is checked against this list by a test.
SETTINGS: dict[str, tuple[str, str]] = {
    "PB_ENV": ("development", "`production` turns on secure cookies, HSTS and the secret-key check"),
    "SECRET_KEY": (DEVELOPMENT_SECRET_KEY, "signs sessions and e-mail tokens; required in production"),
    "VOTER_SECRET": (DEVELOPMENT_VOTER_SECRET, "keys of voters' identity hashes and sealed ballots (never in the database); required in production, must not change while an edition is open"),
    "PASSWORD_HASHING": ("rfc9106-low-memory", "argon2id parameters of new password hashes: `rfc9106-low-memory` (RFC 9106); `test-only-cheapest` for test suites, refused in production"),
    "SECRET_KEY_FALLBACKS": ("", "earlier `SECRET_KEY`s (space-separated) still accepted during a key change: sessions, e-mail links and second-factor secrets (until `flask pb rotate-secrets`)"),
    "DATABASE_URL": ("sqlite:///instance/pb_service.sqlite3", "SQLAlchemy URL; `postgresql://...` for PostgreSQL"),
    "DATABASE_REPLICA_URL": ("", "PostgreSQL streaming replica (hot standby) for anonymous public reads: results, catalogues, open data, the stats API, the hub; empty: everything reads the primary"),
    "REPLICA_READ_YOUR_WRITES_SECONDS": ("30", "after a client's write (any POST), its reads go to the primary for this long, so it sees what it wrote (a voter's receipt)"),
    "TRUSTED_PROXIES": ("0", "reverse proxies (nginx) in front of the app whose `X-Forwarded-For`/`-Proto`/`-Host` are believed: rate limits count the client's address, not the proxy's"),
    "RATELIMIT_STORAGE_URI": ("memory://", "Flask-Limiter storage; `redis://127.0.0.1:6379/0` for several servers"),
    "RATELIMIT_KEY_PREFIX": ("pb", "prefix of the rate-limit counters' keys (several installations on one Redis)"),
    "MAIL_BACKEND": ("console", "`smtp` sends mail, `console` prints it"),
    "MAIL_SERVER": ("localhost", "SMTP host"),
    "MAIL_PORT": ("25", "SMTP port"),
    "MAIL_USERNAME": ("", "SMTP user (empty: no login)"),
    "MAIL_PASSWORD": ("", "SMTP password"),
    "MAIL_USE_TLS": ("false", "STARTTLS"),
    "MAIL_USE_SSL": ("false", "SMTP over TLS"),
    "MAIL_DEFAULT_SENDER": ("pb-service <no-reply@localhost>", "From: address"),
    "SERVER_NAME_FOR_MAIL": ("http://127.0.0.1:5000", "public base URL used in links inside e-mails"),
    "PORT": ("5000", "port of `make run`"),
    "SMS_BACKEND": ("log", "`http` sends one-time codes through `SMS_GATEWAY_URL`, `log` only logs them"),
    "SMS_GATEWAY_URL": ("", "HTTP endpoint of the SMS gateway (JSON POST `{to, text}`)"),
    "SMS_GATEWAY_TOKEN": ("", "bearer token for the SMS gateway"),
    "BALLOT_RATE_LIMIT": ("120 per minute", "ballot submissions (API and form) per client address"),
    "BENCHMARK_ENDPOINTS": ("false", "`true` adds `POST /api/v1/benchmark/baseline` for load benchmarks; never in production"),
    "UPLOAD_FOLDER": ("", "where uploaded files are kept, outside the web root (default: `instance/uploads`)"),
    "MAX_UPLOAD_MB": ("10", "largest accepted attachment, in megabytes"),
    "DATA_CONTROLLER": ("", "who controls account data (name and address), named in the account information clause"),
    "SESSION_IDLE_MINUTES": ("30", "officials and staff are signed out after this long without a request"),
    "SESSION_ABSOLUTE_HOURS": ("12", "officials and staff sign in again after this long, active or not"),
    "RESIDENT_SESSION_IDLE_HOURS": ("24", "residents are signed out after this long without a request"),
    "RESIDENT_SESSION_ABSOLUTE_DAYS": ("30", "residents sign in again after this long, active or not (\"keep me signed in\" included)"),
    "JOBS_BROKER_URL": ("", "Redis URL of the job queue, e.g. `redis://127.0.0.1:6379/1` (run `flask pb worker` beside the app); empty: jobs run in the app's process after each commit"),
    "JOBS_NAMESPACE": ("pb-service", "prefix of the queue's keys in Redis (several installations may share one Redis)"),
    "JOBS_WORKER_THREADS": ("4", "threads of one `flask pb worker` process"),
    "JOBS_HEARTBEAT_SECONDS": ("60", "a worker silent this long counts as dead; its unfinished jobs are delivered again"),
    "JOBS_MAINTENANCE_CHANCE": ("10000", "in a million broker commands, how many also look for dead workers' jobs"),
    "JOBS_SCHEDULE": ("true", "workers enqueue the daily purge and the hourly hub reminders (`false`: cron does)"),
    "JOBS_MAIL_LEASE_SECONDS": ("120", "how long a worker sending a mail holds it before another may try"),
    "JOBS_MIN_BACKOFF_MS": ("5000", "a failed job is tried again after about this long (jittered), then twice as long each time"),
    "JOBS_MAX_BACKOFF_MS": ("900000", "the longest wait between two tries of a failed job"),
    "COUNT_IN_BACKGROUND_FROM": ("20000", "editions with at least this many ballots are counted by a job with a progress page"),
    "MEASURES_IN_BACKGROUND_FROM": ("500", "pools with at least this many ballots under equal shares or Phragmén get their performance measures from a job after the count (a progress page; pages say they are being computed)"),
    "MEASURES_PROCESSES": ("0", "processes sharing the performance measures of a pool of at least `MEASURES_IN_BACKGROUND_FROM` ballots under equal shares or Phragmén (0: the machine's cores; 1: the job's own process); a smaller pool is measured in one process"),
    "LOG_FORMAT": ("text", "`json`: one JSON object a line with the request id (production); `text`: plain lines"),
    "LOG_REQUESTS": ("false", "`true` logs one line per request (route, status, duration, request id)"),
    "METRICS_TOKEN": ("", "if set, `/metrics` answers only `Authorization: Bearer <token>`"),
    "DATABASE_APP_ROLE": ("pb_app", "PostgreSQL role the app's transactions run as (`SET LOCAL ROLE`), under row-level security; empty: the login role itself (then it must not own the tables)"),
}


def _env(name: str) -> str:
    return os.environ.get(name, SETTINGS[name][0])


def _flag(name: str) -> bool:
    return _env(name).strip().lower() in {"1", "true", "yes", "on"}


def database_url(instance_path: str) -> str:
    """The SQLAlchemy URL; the default SQLite file lives in the app's instance folder."""
    url = _env("DATABASE_URL")
    if url == SETTINGS["DATABASE_URL"][0]:
        return "sqlite:///" + str(Path(instance_path) / "pb_service.sqlite3")
    return _sqlalchemy_url(url)


def _sqlalchemy_url(url: str) -> str:
    # Heroku-style and psycopg2-style URLs are taken to mean psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class ConfigurationError(RuntimeError):
    """The app refuses to start with this configuration."""


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    production = _env("PB_ENV") == "production"
    config = {
        "PB_ENV": _env("PB_ENV"),
        "SECRET_KEY": _env("SECRET_KEY"),
        "VOTER_SECRET": _env("VOTER_SECRET"),
        "PASSWORD_HASHING": _env("PASSWORD_HASHING").strip(),
        # Flask reads it for sessions; the e-mail links and the encrypted secrets read it too.
        "SECRET_KEY_FALLBACKS": _env("SECRET_KEY_FALLBACKS").split(),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # The read replica is a second bind that no model names: only routed reads use it (core/replica.py).
        "SQLALCHEMY_BINDS": {"replica": _sqlalchemy_url(_env("DATABASE_REPLICA_URL"))} if _env("DATABASE_REPLICA_URL") else {},
        "REPLICA_READ_YOUR_WRITES_SECONDS": int(_env("REPLICA_READ_YOUR_WRITES_SECONDS")),
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES")),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI"),
        "RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAIL_BACKEND": _env("MAIL_BACKEND"),
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": int(_env("MAIL_PORT")),
        "MAIL_USERNAME": _env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": _env("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_DEFAULT_SENDER": _env("MAIL_DEFAULT_SENDER"),
        "PUBLIC_BASE_URL": _env("SERVER_NAME_FOR_MAIL").rstrip("/"),
        "BABEL_DEFAULT_LOCALE": "pl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Warsaw",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        # Production cookies: only over HTTPS, and the __Host- prefix pins them to this host.
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # Only residents' "keep me signed in" sessions are permanent; the server ends them sooner if idle.
        "PERMANENT_SESSION_LIFETIME": int(_env("RESIDENT_SESSION_ABSOLUTE_DAYS")) * 86400,
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "pb-service API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "UPLOAD_FOLDER": _env("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        "LANGUAGES": ("pl", "en", "uk"),
        "SMS_BACKEND": _env("SMS_BACKEND"),
        "SMS_GATEWAY_URL": _env("SMS_GATEWAY_URL"),
        "SMS_GATEWAY_TOKEN": _env("SMS_GATEWAY_TOKEN"),
        "BALLOT_RATE_LIMIT": _env("BALLOT_RATE_LIMIT"),
        "BENCHMARK_ENDPOINTS": _flag("BENCHMARK_ENDPOINTS") and not production,
        "MAX_UPLOAD_BYTES": int(_env("MAX_UPLOAD_MB")) * 1024 * 1024,
        "DATA_CONTROLLER": _env("DATA_CONTROLLER"),
        "SESSION_IDLE_MINUTES": int(_env("SESSION_IDLE_MINUTES")),
        "SESSION_ABSOLUTE_HOURS": int(_env("SESSION_ABSOLUTE_HOURS")),
        "RESIDENT_SESSION_IDLE_HOURS": int(_env("RESIDENT_SESSION_IDLE_HOURS")),
        "RESIDENT_SESSION_ABSOLUTE_DAYS": int(_env("RESIDENT_SESSION_ABSOLUTE_DAYS")),
        "DATABASE_APP_ROLE": _env("DATABASE_APP_ROLE").strip(),
        "JOBS_BROKER_URL": _env("JOBS_BROKER_URL").strip(),
        "JOBS_NAMESPACE": _env("JOBS_NAMESPACE").strip(),
        "JOBS_WORKER_THREADS": int(_env("JOBS_WORKER_THREADS")),
        "JOBS_HEARTBEAT_SECONDS": float(_env("JOBS_HEARTBEAT_SECONDS")),
        "JOBS_MAINTENANCE_CHANCE": int(_env("JOBS_MAINTENANCE_CHANCE")),
        "JOBS_SCHEDULE": _flag("JOBS_SCHEDULE"),
        "JOBS_MAIL_LEASE_SECONDS": float(_env("JOBS_MAIL_LEASE_SECONDS")),
        "JOBS_MIN_BACKOFF_MS": int(_env("JOBS_MIN_BACKOFF_MS")),
        "JOBS_MAX_BACKOFF_MS": int(_env("JOBS_MAX_BACKOFF_MS")),
        "COUNT_IN_BACKGROUND_FROM": int(_env("COUNT_IN_BACKGROUND_FROM")),
        "MEASURES_IN_BACKGROUND_FROM": int(_env("MEASURES_IN_BACKGROUND_FROM")),
        "MEASURES_PROCESSES": int(_env("MEASURES_PROCESSES")),
        "LOG_FORMAT": _env("LOG_FORMAT").strip().lower(),
        "LOG_REQUESTS": _flag("LOG_REQUESTS"),
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
    }
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite serialises writers; a short wait beats "database is locked" under light load.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    config.update(overrides or {})
    if config["PB_ENV"] == "production" and config["SECRET_KEY"] in ("", DEVELOPMENT_SECRET_KEY):
        raise ConfigurationError("SECRET_KEY must be set to a long random value in production")
    if config["PB_ENV"] == "production" and config["VOTER_SECRET"] in ("", DEVELOPMENT_VOTER_SECRET, config["SECRET_KEY"]):
        raise ConfigurationError("VOTER_SECRET must be set in production, to a long random value other than SECRET_KEY")
    return config
