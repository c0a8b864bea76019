"""Outgoing e-mail, rendered in the recipient's language.

The backend is Flask-Mailman's: ``smtp`` in production and in tests (a real local SMTP server),
``console`` in development, which prints each message.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMessage


def send_mail(to: str, template: str, locale: str | None = None, **context) -> None:
    """Render ``templates/mail/<template>.txt`` (first line: subject) and send it to ``to``."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    message = EmailMessage(subject=subject.strip(), body=body.strip() + "\n", to=[to])
    message.send()
