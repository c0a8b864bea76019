"""Real app servers for tests that need several processes on one PostgreSQL database (races)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import redis

from tests.conftest import free_port

#: The local Redis, which tests of several processes share (rate limits, the job queue).
REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


#: Each test server's log (gunicorn's and the app's, both on stderr), by its base URL.
SERVER_LOGS: dict[str, Path] = {}


def start_server(database_url: str, port: int, *, app: str = "wsgi:app", env: dict | None = None) -> subprocess.Popen:
    """gunicorn with two worker processes of eight threads each, serving ``app`` on ``port`` (loaded
    once, before the workers fork: half the start-up on a busy machine); its log goes to a file
    (:func:`server_errors` reads it)."""
    environment = {
        **os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "concurrency-test", "MAIL_BACKEND": "console",
        "PB_ENV": "development", "PASSWORD_HASHING": "test-only-cheapest", **(env or {}),
    }
    # The server writes to its own copy of the file's descriptor; this process's copy is closed.
    with _log_file(f"http://127.0.0.1:{port}") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "--no-control-socket", "--workers", "2", "--threads", "8", "--bind", f"127.0.0.1:{port}", app],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log,
        )


def _log_file(base: str):
    log = tempfile.NamedTemporaryFile("w", prefix="pb-test-server-", suffix=".log", delete=False)
    SERVER_LOGS[base] = Path(log.name)
    return log


def server_errors(bases: list[str]) -> str:
    """The tracebacks the servers at ``bases`` logged: what a test shows when a request failed."""
    found = []
    for base in bases:
        text = SERVER_LOGS[base].read_text(errors="replace")
        found += [f"{base}: Traceback{part}" for part in text.split("Traceback")[1:]]
    return "\n".join(found) or "the servers logged no traceback"


def wait_until_up(port: int) -> None:
    # Each worker imports the app (about 2 s of CPU); on a shared, loaded machine that takes minutes.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"app server on port {port} did not start")


@contextmanager
def two_servers(database_url: str, **options):
    """Two gunicorn servers on one database; yields their base URLs."""
    plain_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    ports = [free_port(), free_port()]
    servers = [start_server(plain_url, port, **options) for port in ports]
    try:
        for port in ports:
            wait_until_up(port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # A worker still finishing a request on a busy machine: the test is over.
                server.kill()
                server.wait()
        for port in ports:
            SERVER_LOGS.pop(f"http://127.0.0.1:{port}").unlink(missing_ok=True)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One client with its own cookies, as a browser (or a separate attacker's browser) would be.

    Cookies belong to the host, not the port, as in browsers: set ``base`` to another of the
    servers and the same session goes along."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects())

    def request(self, path: str, form: dict | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def csrf(self, path: str) -> str:
        return CSRF.search(self.request(path)[2]).group(1)

    def password_step(self, email: str, password: str) -> str:
        """Sign-in's first step; returns where it leads."""
        token = self.csrf("/account/login")
        status, location, _ = self.request("/account/login", {"csrf_token": token, "email": email, "password": password})
        assert status == 302, status
        return location
