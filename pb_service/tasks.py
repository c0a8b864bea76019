"""The jobs. Each takes ids (never objects), finds its rows again, and is idempotent."""
from __future__ import annotations

import logging
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_mailman import EmailMessage
from sqlalchemy import or_, select, text, update

from pb_service.analytics.implementation import notify_followers
from pb_service.analytics.models import ImplementationUpdate
from pb_service.core.jobs.models import OutboxMail
from pb_service.core.jobs.queue import enqueue, job
from pb_service.core.jobs.services import run_tracked
from pb_service.core.models import utcnow
from pb_service.core.permissions import SYSTEM
from pb_service.core.tenancy import get_for_tenant
from pb_service.editions.models import Edition
from pb_service.extensions import db
from pb_service.extensions import mail as mail_extension
from pb_service.hub.services.reminders import due_reminders, send_reminder
from pb_service.municipalities.models import Municipality
from pb_service.results.services import add_pool_measures, compute_results_tracked, notify_published, pools_without_measures

log = logging.getLogger("pb_service.core.jobs")


class MailBusy(RuntimeError):
    """Another worker holds the mail (or held it when it was killed): try again after its lease."""


@job("send_mail", max_retries=12)
def send_outbox_mail(key: str) -> None:
    """Send one mail of the outbox, once.

    The claim (``claimed_until``) is one atomic UPDATE, committed before the mail leaves, so two
    deliveries of the job never send it twice. ``sent_at`` is committed as soon as the SMTP
    server has answered the message's DATA, before the connection's QUIT: a worker killed before
    the server accepted the mail leaves a claim that runs out, and the job, delivered again, sends
    it then; killed between the server's acceptance and that commit (one round trip), it sends
    the mail once more, with the same Message-ID (docs/operations.md: no SMTP client can close
    that window alone). A refusal releases the claim at once, so the retry waits for the
    back-off, not for the lease.
    """
    now = utcnow()
    lease = timedelta(seconds=current_app.config["JOBS_MAIL_LEASE_SECONDS"])
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.key == key, OutboxMail.sent_at.is_(None),
               or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
        .values(claimed_until=now + lease, attempts=OutboxMail.attempts + 1)
    ).rowcount
    if not claimed:
        row = db.session.execute(select(OutboxMail.sent_at).where(OutboxMail.key == key)).first()
        if row is None or row.sent_at is not None:
            return  # sent already (the job ran twice), or erased by the purge
        raise MailBusy(key)
    db.session.commit()
    mail = db.session.scalars(select(OutboxMail).where(OutboxMail.key == key)).one()
    connection = mail_extension.get_connection()
    message = EmailMessage(subject=mail.subject, body=mail.body, to=[mail.recipient], connection=connection,
                           headers={"Message-ID": f"<outbox-{mail.id}@pb-service>"})
    mark_sent = update(OutboxMail).where(OutboxMail.id == mail.id).values(sent_at=utcnow(), claimed_until=None)
    # On PostgreSQL "sent" is written before the mail leaves and committed the moment the server
    # accepts it, so that the window is one COMMIT, which need not wait for the disk (a killed
    # worker cannot lose a commit the server has). SQLite has one writer: it is written after.
    written_first = db.session.get_bind().dialect.name == "postgresql"
    if written_first:
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        db.session.execute(mark_sent)
    with closing(connection):
        try:
            connection.open()
            connection.send_messages([message])  # returns once the server answered the DATA
        except Exception:
            db.session.rollback()
            db.session.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(claimed_until=None))
            db.session.commit()
            raise
        if not written_first:
            db.session.execute(mark_sent)
        db.session.commit()


@job("notify_implementation_followers")
def notify_implementation_followers(municipality_id: int, update_id: int) -> None:
    """Mail each follower of the project about an implementation update (one mail each, once)."""
    tenant = db.session.get(Municipality, municipality_id)
    update_row = get_for_tenant(db.session, ImplementationUpdate, tenant, update_id) if tenant else None
    if update_row is not None:
        notify_followers(tenant, update_row.proposal, update_row)


@job("notify_publication")
def notify_publication(municipality_id: int, edition_id: int) -> None:
    """After results are published: tell each project's authors whether it was selected."""
    tenant = db.session.get(Municipality, municipality_id)
    edition = get_for_tenant(db.session, Edition, tenant, edition_id) if tenant else None
    if edition is not None:
        notify_published(tenant, edition)


@job("count_votes", max_retries=3)
def count_votes(municipality_id: int, edition_id: int, tracked_job_id: int, actor_id: int) -> None:
    """Count a large edition's votes, showing progress pool by pool (an official follows the job page)."""
    run_tracked(db.session.get(Municipality, municipality_id), tracked_job_id, lambda tenant, progress: compute_results_tracked(tenant, actor_id, edition_id, progress))


@job("measure_results", max_retries=3)
def measure_results(municipality_id: int, edition_id: int, tracked_job_id: int, _actor_id: int | None) -> None:
    """The performance measures a count left to a job (equal shares and Phragmén on large pools),
    pool by pool; an official follows the progress on the job's page.

    Each pool's measures are committed as soon as they are computed: pages show them at once, and
    a job delivered again (a killed worker) computes only the pools still without them."""

    def work(tenant, progress) -> str:
        waiting = pools_without_measures(tenant, edition_id)
        failed = 0
        for done, pool_result in enumerate(waiting):
            progress(done, len(waiting))
            if add_pool_measures(tenant, pool_result):
                db.session.commit()
            else:
                failed += 1
        progress(len(waiting), len(waiting))
        return f"the measures of {failed} pool(s) could not be computed (see the log)" if failed else ""

    run_tracked(db.session.get(Municipality, municipality_id), tracked_job_id, work)


@job("import_pabulib", max_retries=0, time_limit_ms=6 * 3600_000)
def import_pabulib(_no_municipality: None, paths: list[str], municipality_slug: str | None, again: bool, tracked_job_id: int, _actor_id: int | None) -> None:
    """Pabulib files imported by a worker, a job of the programme: its page shows the files done
    (``/staff/analytics/imports/<id>``) and its log a line per file.

    Not retried: a file imported before is skipped, so running it again by hand finishes the rest."""
    # Loaded by the worker when an import runs, not by every app server at start-up.
    from pb_service.analytics.importer import import_with_progress

    def report_file(report) -> None:
        log.info("pabulib import: %s %s: %s", report.status, report.path.name, report.message)

    run_tracked(None, tracked_job_id, lambda _programme, progress: import_with_progress(
        [Path(path) for path in paths], municipality_slug, again, progress, on_file=report_file,
    ))


@job("purge", max_retries=3)
def purge() -> None:
    """The daily purge (idempotent: a second run erases nothing)."""
    from pb_service.privacy.purge import purge_all  # as the importer above: the worker's alone

    purge_all(actor=SYSTEM)


def send_due_reminders() -> int:
    """Remind participants of hub events that start soon, each registration once; how many.

    Committed one at a time: a mail that fails later does not send the earlier reminders again.
    The hourly job and ``flask pb hub send-reminders`` both run this."""
    now = utcnow()
    due = due_reminders(now)
    for registration in due:
        send_reminder(registration, now)
        db.session.commit()
    return len(due)


@job("hub_reminders", max_retries=3)
def hub_reminders() -> None:
    """Remind participants of hub events that start soon (each registration once)."""
    log.info("hub reminders: %d", send_due_reminders())


#: A mail still unsent this long after it was decided lost its job (the broker was down when the
#: job was to be queued, or the job exhausted its retries): the sweep queues it again.
UNSENT_MAIL_AGE = timedelta(minutes=10)


@job("requeue_unsent_mail", max_retries=0)
def requeue_unsent_mail() -> None:
    """Queue again every mail that is unsent, unclaimed and older than :data:`UNSENT_MAIL_AGE`."""
    now = utcnow()
    keys = db.session.scalars(select(OutboxMail.key).where(
        OutboxMail.sent_at.is_(None), OutboxMail.created_at < now - UNSENT_MAIL_AGE,
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now),
    ).order_by(OutboxMail.id).limit(10_000)).all()
    for key in keys:
        enqueue("send_mail", key)
    if keys:
        log.warning("outbox: %d unsent mails queued again", len(keys))
