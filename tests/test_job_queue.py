"""The job queue on real Redis with a real worker process (`flask pb worker`) and a real SMTP sink.

These tests commit for real, in a database of their own on the local PostgreSQL server: the
worker is another process and sees only committed rows. Skipped without PostgreSQL or Redis.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from pb_service.analytics.implementation import UpdateData, post_update
from pb_service.analytics.models import ImplementationStatus, ProjectFollower
from pb_service.core.roles import Role
from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select
from pb_service.extensions import db
from pb_service.core.jobs.models import OutboxMail
from pb_service.core.mail import send_mail
from tests.app_servers import REDIS_URL, ROOT, redis_answers
from tests.conftest import POSTGRES_URL, PostgresDatabase, free_port, make_app
from tests.factories import make_official, make_user
from tests.test_analytics import _funded_project



pytestmark = [
    pytest.mark.skipif(POSTGRES_URL is None, reason="the worker shares a PostgreSQL database with the test"),
    pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379"),
]


#: The first retry's wait in these tests (production: 5 s); Dramatiq doubles it for each retry.
BACKOFF_MS = 400


class Sink:
    """Counts delivered mails by recipient; ``on_message`` may act before the mail is accepted."""

    def __init__(self):
        self.delivered: Counter = Counter()
        self.arrivals: list[tuple[str, float]] = []
        self.on_message = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        with self.lock:
            self.arrivals.append((recipient, time.monotonic()))
            verdict = self.on_message(recipient) if self.on_message else None
            if verdict:
                return verdict  # refused (or the sender was killed): not delivered
            self.delivered[recipient] += 1
        return "250 Message accepted for delivery"


@pytest.fixture
def stack():
    """A database, a Redis namespace, an SMTP sink and a way to start workers; everything removed after."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    namespace = f"pb-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "JOBS_BROKER_URL": REDIS_URL, "JOBS_NAMESPACE": namespace, "JOBS_HEARTBEAT_SECONDS": 2,
        "JOBS_MAINTENANCE_CHANCE": 1_000_000, "JOBS_MAIL_LEASE_SECONDS": 3, "JOBS_SCHEDULE": False,
        "JOBS_MIN_BACKOFF_MS": BACKOFF_MS,
    }
    workers: list[subprocess.Popen] = []
    log = tempfile.TemporaryFile()  # the workers' log, shown if a test fails
    with PostgresDatabase(POSTGRES_URL) as url:
        app = make_app(url, controller.port, **settings)
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()

        def start_worker(threads: int = 4) -> subprocess.Popen:
            environment = {
                **os.environ, "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://", 1),
                "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port),
                "PB_ENV": "development", "FLASK_APP": "wsgi", "SECRET_KEY": app.config["SECRET_KEY"], **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in settings.items()},
            }
            worker = subprocess.Popen([sys.executable, "-m", "flask", "pb", "worker", "--threads", str(threads)], cwd=ROOT, env=environment,
                                      stdout=subprocess.DEVNULL, stderr=log)
            workers.append(worker)
            return worker

        try:
            with app.app_context():
                allow_cross_tenant(db.session, "test of the job queue")
                yield app, sink, start_worker, log
                db.session.remove()
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                    worker.wait(timeout=40)
            with app.app_context():
                db.engine.dispose()
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{namespace}*"):
                client.delete(key)
            controller.stop()
            log.seek(0)
            print(log.read().decode(errors="replace")[-6000:])  # shown by pytest when the test failed


def _wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _project_with_followers(count: int):
    town, _edition, project = _funded_project(db.session)
    admin = make_official(db.session, town, Role.ADMIN)
    followers = [make_user(db.session, email=f"follower{n}@example.org") for n in range(count)]
    db.session.flush()
    db.session.add_all(ProjectFollower(municipality_id=town.id, proposal_id=project.id, user_id=f.id) for f in followers)
    db.session.commit()
    return town, admin, project, {f.email for f in followers}


def test_a_publication_to_hundreds_returns_at_once_and_a_killed_worker_still_sends_each_mail_exactly_once(stack):
    app, sink, start_worker, _log = stack
    town, admin, project, addresses = _project_with_followers(300)

    post_update(town, project, UpdateData(ImplementationStatus.IN_PROGRESS, 40), actor=admin)
    db.session.commit()  # what the official's request does at its end
    # The official's request is over: the fan-out waits in Redis; no mail, not even in the outbox.
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0
    assert sink.delivered == Counter()

    # One thread: the only mail in flight is the one killed before the server accepted it. With
    # more, a mail another thread had just handed over (accepted, "sent" not yet committed) would
    # go out again after its lease, with the same Message-ID (docs/operations.md).
    first = start_worker(threads=1)
    killed = threading.Event()

    def kill_mid_job(recipient):
        # The 100th mail: the worker is killed in the middle of the SMTP conversation, before the
        # server accepted the message, with other jobs of its own prefetched and unacknowledged.
        if len(sink.arrivals) == 100 and not killed.is_set():
            os.kill(first.pid, signal.SIGKILL)
            killed.set()
            return "421 closing"
        return None

    sink.on_message = kill_mid_job
    _wait_for(killed.is_set)
    first.wait(timeout=10)
    delivered_before_restart = sum(sink.delivered.values())
    assert delivered_before_restart < 300

    start_worker()
    _wait_for(lambda: sum(sink.delivered.values()) >= 300)
    time.sleep(3)  # anything sent twice would arrive now
    assert set(sink.delivered) == addresses
    assert set(sink.delivered.values()) == {1}
    db.session.expire_all()
    unsent = db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None)))
    assert (db.session.scalar(select(func.count()).select_from(OutboxMail)), unsent) == (300, 0)


def test_a_refused_mail_is_retried_with_back_off_and_sent_once(stack):
    app, sink, start_worker, _log = stack
    refusals = []

    def refuse_twice(recipient):
        if len(refusals) < 2:
            refusals.append(time.monotonic())
            return "451 try again later"
        return None

    sink.on_message = refuse_twice
    with app.test_request_context():
        send_mail("resident@example.org", "reset_no_account", "en", link="http://localhost/register")
        db.session.commit()
    start_worker()
    _wait_for(lambda: sink.delivered["resident@example.org"] == 1, seconds=90)
    times = [moment for _, moment in sink.arrivals]
    assert len(times) == 3
    # Dramatiq's back-off, as configured: at least the minimum before the first retry (jittered up
    # to twice that), at least twice the minimum before the second.
    first_wait, second_wait = times[1] - times[0], times[2] - times[1]
    assert first_wait >= BACKOFF_MS / 1000 and second_wait >= 2 * BACKOFF_MS / 1000
    mail = db.session.scalars(select(OutboxMail)).one()
    assert (mail.attempts, mail.sent_at is not None) == (3, True)


def test_a_large_count_runs_in_the_worker_and_its_page_shows_the_progress(stack):
    from pb_service.core.jobs.models import JobState, TrackedJob
    from tests.factories import login
    from tests.test_count_jobs import counted_edition

    app, sink, start_worker, log = stack
    town, admin, edition = counted_edition(db.session)
    client = app.test_client()
    login(client, admin)
    client.get("/lang/en")
    app.config["COUNT_IN_BACKGROUND_FROM"] = 1
    job_page = client.post(f"/{town.slug}/office/editions/{edition.id}/results/compute",
                           headers={"X-Request-ID": "count-request-1"}).headers["Location"]
    waiting = client.get(job_page).get_data(as_text=True)
    assert '<progress id="count-progress" max="100" value="0">0%</progress>' in waiting
    assert "Waiting for a worker to start the count." in waiting and 'http-equiv="refresh"' in waiting

    start_worker()

    def finished() -> bool:
        db.session.expire_all()
        return db.session.scalars(cross_tenant_select(TrackedJob.state, reason="test: the job's state")).one() is JobState.DONE

    _wait_for(finished)
    done = client.get(job_page).get_data(as_text=True)
    assert '<progress id="count-progress" max="100" value="100">100%</progress>' in done
    assert "2 of 2 pools counted" in done and 'http-equiv="refresh"' not in done
    log.seek(0)
    # The worker's log line of the job carries the id of the request that decided it.
    assert any("[count-request-1]" in line and "job count_votes" in line for line in log.read().decode().splitlines())
