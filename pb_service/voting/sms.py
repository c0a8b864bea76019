"""Text messages for one-time codes, through a small provider interface.

``SMS_BACKEND=log`` (development and tests) keeps the latest messages in an outbox and logs them;
``SMS_BACKEND=http`` posts JSON ``{"to": "48…", "text": "…"}`` to ``SMS_GATEWAY_URL`` with a bearer
token, which fits most Polish gateways' HTTP APIs (or a small adapter in front of one). A gateway
that is busy or briefly down (no answer, 429, 5xx) is tried again after a growing pause; one that
refuses the message (another 4xx) is not. Sending a code twice after a lost answer is harmless.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import deque

from flask import current_app

#: Messages the log backend "sent", newest last: (phone, text). Bounded, so that a server left
#: running with the log backend does not keep every code it ever sent.
OUTBOX: deque[tuple[str, str]] = deque(maxlen=100)
#: Pauses before the second and third try (seconds); each try waits at most GATEWAY_TIMEOUT.
RETRY_DELAYS = (0.5, 2.0)
GATEWAY_TIMEOUT = 5
#: The gateway may ask for a pause (Retry-After); longer than this and we give up instead.
MAX_RETRY_AFTER = 5


class SmsError(RuntimeError):
    """The gateway did not accept the message."""


def send_sms(phone: str, text: str) -> None:
    backend = current_app.config["SMS_BACKEND"]
    if backend == "log":
        OUTBOX.append((phone, text))
        current_app.logger.info("SMS to %s: %s", phone, text)
        return
    if backend != "http":
        raise SmsError(f"unknown SMS_BACKEND {backend!r}")
    request = urllib.request.Request(
        current_app.config["SMS_GATEWAY_URL"],
        data=json.dumps({"to": phone, "text": text}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {current_app.config['SMS_GATEWAY_TOKEN']}"},
        method="POST",
    )
    for delay in (*RETRY_DELAYS, None):
        failure = _try_gateway(request)
        if failure is None:
            return
        if delay is None:
            raise SmsError(failure)
        time.sleep(delay)


def _try_gateway(request) -> str | None:
    """Post once; None when the gateway took the message, the reason when it may take it later.
    Raises at once when it refused the message itself."""
    try:
        with urllib.request.urlopen(request, timeout=GATEWAY_TIMEOUT) as response:
            if response.status >= 300:
                raise SmsError(f"gateway answered {response.status}")
            return None
    except urllib.error.HTTPError as error:
        if error.code == 429 or error.code >= 500:
            retry_after = error.headers.get("Retry-After", "")
            if retry_after.isdigit() and int(retry_after) > MAX_RETRY_AFTER:
                raise SmsError(f"gateway answered {error.code}, retry after {retry_after} s") from error
            return f"gateway answered {error.code}"
        raise SmsError(f"gateway answered {error.code}") from error
    except OSError as error:
        return str(error)
