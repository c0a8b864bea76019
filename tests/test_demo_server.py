"""`make run` is `flask pb demo-server`: one process upgrades an empty database, serves the pages
as soon as the demo's first part is in, and loads the rest (published results, the Pabulib
analytics, good practices) while it does."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.app_servers import ROOT, Browser
from tests.conftest import free_port


class _Output:
    """The server's output lines, each with the time it was read, collected by a thread."""

    def __init__(self, stream):
        self.lines: list[tuple[float, str]] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._collect, args=(stream,), daemon=True).start()

    def _collect(self, stream) -> None:
        for line in stream:
            with self._changed:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = 240) -> float:
        """When the line containing ``text`` was printed."""
        with self._changed:
            found = self._changed.wait_for(lambda: self.when(text) is not None, timeout)
        assert found, f"{text!r} not printed; output:\n" + self.text()
        return self.when(text)

    def when(self, text: str) -> float | None:
        return next((at for at, line in self.lines if text in line), None)

    def text(self) -> str:
        return "\n".join(line for _at, line in self.lines)


def _get(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


@pytest.mark.slow
def test_the_demo_server_answers_before_the_rest_of_the_demo_is_loaded(tmp_path):
    port = free_port()
    environment = {
        **os.environ, "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1", "PB_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3", "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PASSWORD_HASHING": "test-only-cheapest", "MAIL_BACKEND": "console",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "pb", "demo-server", "--port", str(port)], cwd=ROOT, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output = _Output(server.stdout)
        output.wait_for("pb-service runs on")
        front_page = _get(port, "/")
        answered = time.monotonic()
        # A sign-in writes (SQLite let no request write while the loader did, until they took turns).
        signed_in_to = Browser(f"http://127.0.0.1:{port}").password_step("resident@example.org", "demo-password")
        signed_in = time.monotonic()
        complete = output.wait_for("The demo is complete.")

        assert answered < signed_in < complete, output.text()
        assert signed_in_to == "/"
        assert "Budżet Obywatelski 2027" in front_page
        first, rest = output.text().split("pb-service runs on")
        assert "Demo editions:" in first and "Knowledge hub: 8 items added" in first
        # The mail to the demo's made-up protester is marked handled, not printed among the accounts.
        assert "Content-Type" not in output.text()
        assert "Demo editions with published results:" in rest
        assert "Pabulib: 18 file(s) imported now, 0 imported before" in rest
        assert "Good practices: 2 added (2 in all)" in rest
        # What the rest loaded is served by the same process.
        assert "Budżet Obywatelski 2026" in _get(port, "/gdansk/")
        assert _get(port, "/hub/practices").count('<li class="card">') == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
