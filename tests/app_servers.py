"""Real app servers for tests that need several processes on one PostgreSQL database (races)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def start_server(database_url: str, port: int, *, app: str = "wsgi:app", env: dict | None = None) -> subprocess.Popen:
    """gunicorn with two worker processes of eight threads each, serving ``app`` on ``port``."""
    environment = {
        **os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "concurrency-test", "MAIL_BACKEND": "console",
        "PB_ENV": "development", **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "8", "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


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
            server.wait(timeout=10)
