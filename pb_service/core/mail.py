"""Outgoing e-mail, rendered in the recipient's language, sent by a job through the outbox.

:func:`send_mail` renders the mail at once (the objects it names are at hand) and puts it in the
outbox (``outbox_mail``) in the caller's transaction; the job ``send_mail`` sends it once that
transaction is committed. The backend is Flask-Mailman's: ``smtp`` in production and in tests (a
real local SMTP server), ``console`` in development, which prints each message.
"""
from __future__ import annotations

import uuid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pb_service.extensions import db
from pb_service.core.jobs.models import OutboxMail
from pb_service.core.jobs.queue import enqueue


def send_mail(to: str, template: str, locale: str | None = None, *, mail_key: str | None = None, **context) -> None:
    """Render ``templates/mail/<template>.txt`` (first line: subject) and send it to ``to`` after the commit.

    ``mail_key`` names the mail where the same decision may be taken twice (a fan-out job run
    again): a key already in the outbox adds nothing.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    key = mail_key or f"{template}:{uuid.uuid4().hex}"
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(OutboxMail).values(key=key[:200], recipient=to, subject=subject.strip()[:300], body=body.strip() + "\n")
        .on_conflict_do_nothing(index_elements=["key"])
    )
    if mail_key is None or not _already_sent(key[:200]):
        enqueue("send_mail", key[:200])


def _already_sent(key: str) -> bool:
    return db.session.scalar(select(OutboxMail.sent_at).where(OutboxMail.key == key)) is not None
