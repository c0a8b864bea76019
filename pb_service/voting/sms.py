"""Text messages for one-time codes, through a small provider interface.

``SMS_BACKEND=log`` (development and tests) keeps each message in an outbox and logs it;
``SMS_BACKEND=http`` posts JSON ``{"to": "48…", "text": "…"}`` to ``SMS_GATEWAY_URL`` with a bearer
token, which fits most Polish gateways' HTTP APIs (or a small adapter in front of one).
"""
from __future__ import annotations

import json
import urllib.request

from flask import current_app

#: Messages the log backend "sent", newest last: (phone, text).
OUTBOX: list[tuple[str, str]] = []


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
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status >= 300:
                raise SmsError(f"gateway answered {response.status}")
    except OSError as error:
        raise SmsError(str(error)) from error
