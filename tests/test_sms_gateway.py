"""The SMS gateway client (issue 18): retries with growing pauses, gives up on refusals, bounded outbox."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask

from pb_service.voting import sms

# The sender reads only its settings: a bare Flask app, so that these tests do not run once per database.


class Gateway:
    """A real HTTP server on 127.0.0.1 that answers with the given statuses in turn."""

    def __init__(self, statuses, retry_after: str | None = None):
        self.statuses, self.retry_after, self.received = list(statuses), retry_after, []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append((time.monotonic(), body, self.headers["Authorization"]))
                self.send_response(gateway.statuses.pop(0))
                if gateway.retry_after:
                    self.send_header("Retry-After", gateway.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def pauses(self) -> list[float]:
        times = [moment for moment, _body, _auth in self.received]
        return [later - earlier for earlier, later in zip(times, times[1:])]


@pytest.fixture
def gateway_app(monkeypatch):
    monkeypatch.setattr(sms, "RETRY_DELAYS", (0.05, 0.2))

    def use(gateway):
        app = Flask(__name__)
        app.config.update(SMS_BACKEND="http", SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN="gateway-token")
        return app.app_context()

    return use


def test_a_busy_gateway_is_tried_again_after_growing_pauses(gateway_app):
    gateway = Gateway([503, 429, 200])
    with gateway_app(gateway):
        sms.send_sms("48600100200", "Kod: 123456")
    assert [body for _moment, body, _auth in gateway.received] == [{"to": "48600100200", "text": "Kod: 123456"}] * 3
    assert {auth for _moment, _body, auth in gateway.received} == {"Bearer gateway-token"}
    first, second = gateway.pauses()
    assert 0.05 <= first < second and second >= 0.2


def test_a_gateway_down_three_times_is_an_error(gateway_app):
    gateway = Gateway([500, 502, 503])
    with gateway_app(gateway), pytest.raises(sms.SmsError, match="gateway answered 503"):
        sms.send_sms("48600100200", "Kod: 123456")
    assert len(gateway.received) == 3


def test_a_refused_message_or_a_long_requested_pause_is_not_tried_again(gateway_app):
    refused = Gateway([400])
    with gateway_app(refused), pytest.raises(sms.SmsError, match="gateway answered 400"):
        sms.send_sms("48600100200", "Kod: 123456")
    assert len(refused.received) == 1
    overloaded = Gateway([429], retry_after="3600")
    with gateway_app(overloaded), pytest.raises(sms.SmsError, match="retry after 3600 s"):
        sms.send_sms("48600100200", "Kod: 123456")
    assert len(overloaded.received) == 1


def test_no_gateway_at_all_is_an_error(gateway_app):
    gateway = Gateway([])
    gateway.server.server_close()  # nothing listens on its port any more
    with gateway_app(gateway), pytest.raises(sms.SmsError):
        sms.send_sms("48600100200", "Kod: 123456")


def test_the_log_outbox_keeps_only_the_latest_messages():
    sms.OUTBOX.clear()
    app = Flask(__name__)
    app.config["SMS_BACKEND"] = "log"
    with app.app_context():
        for n in range(sms.OUTBOX.maxlen + 20):
            sms.send_sms("48600100200", f"Kod: {n:06d}")
    assert len(sms.OUTBOX) == sms.OUTBOX.maxlen == 100
    assert sms.OUTBOX[0] == ("48600100200", "Kod: 000020") and sms.OUTBOX[-1] == ("48600100200", "Kod: 000119")
    sms.OUTBOX.clear()
