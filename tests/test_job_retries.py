"""Without a broker (`make run`), a failed job is tried again in the app's process with the same
back-off as Dramatiq's on Redis, a bounded number of times."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from pb_service.core.jobs import queue
from pb_service.core.jobs.queue import JOBS, enqueue, job
from pb_service.extensions import db


class Flaky:
    """A job that fails its first ``failures`` runs; it notes when each run began."""

    def __init__(self, failures: int):
        self.failures = failures
        self.runs: list[float] = []
        self.settled = threading.Event()

    def __call__(self, payload: str) -> None:
        self.runs.append(time.monotonic())
        assert payload == "the argument"
        if len(self.runs) <= self.failures:
            raise RuntimeError("not yet")
        self.settled.set()


@pytest.fixture
def flaky_job(app, session):
    """Register a job of the test (retried twice at most) with a short back-off; removed after."""
    made = []
    settings = {key: app.config[key] for key in ("JOBS_MIN_BACKOFF_MS", "JOBS_MAX_BACKOFF_MS")}
    app.config.update(JOBS_MIN_BACKOFF_MS=100, JOBS_MAX_BACKOFF_MS=10_000)

    def make(failures: int) -> tuple[str, Flaky]:
        # A name of its own: Dramatiq keeps an actor's declaration for the life of the process.
        name = f"test_flaky_{uuid.uuid4().hex[:8]}"
        flaky = Flaky(failures)
        job(name, max_retries=2)(flaky)
        made.append(name)
        return name, flaky

    try:
        yield make
    finally:
        for name in made:
            JOBS.pop(name, None)
        app.config.update(settings)


def _given_up(caplog) -> bool:
    return any("no more retries" in record.getMessage() for record in caplog.records)


def test_a_failed_job_is_tried_again_with_back_off_until_it_succeeds(app, session, flaky_job, caplog):
    name, flaky = flaky_job(failures=2)
    with app.test_request_context():
        enqueue(name, "the argument")
        db.session.commit()  # the request's commit: the first run, here, fails; it answers anyway
    assert len(flaky.runs) == 1
    assert flaky.settled.wait(timeout=5)
    assert len(flaky.runs) == 3
    first_wait, second_wait = flaky.runs[1] - flaky.runs[0], flaky.runs[2] - flaky.runs[1]
    # Dramatiq's back-off: the minimum (jittered up to twice that), then doubled.
    assert 0.1 <= first_wait < 0.3 and 0.2 <= second_wait < 0.5
    assert not _given_up(caplog)


def test_retries_are_bounded_by_the_jobs_max_retries(app, session, flaky_job, caplog):
    caplog.set_level("INFO", logger="pb_service.core.jobs")
    name, flaky = flaky_job(failures=10)
    with app.test_request_context():
        enqueue(name, "the argument")
        db.session.commit()
    deadline = time.monotonic() + 5
    while not _given_up(caplog) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _given_up(caplog)
    # One run and its two retries, no more.
    assert len(flaky.runs) == 3 and not flaky.settled.is_set()
    retried = [r.getMessage() for r in caplog.records if "tried again in" in r.getMessage()]
    assert [message.split(" ms ")[1] for message in retried] == ["(retry 1 of 2, in-process)", "(retry 2 of 2, in-process)"]


def test_the_broker_gets_the_configured_back_off_in_each_message(app):
    with app.app_context():
        message = JOBS["send_mail"].message(app, "a key")
    assert (message.options["min_backoff"], message.options["max_backoff"]) == (app.config["JOBS_MIN_BACKOFF_MS"], app.config["JOBS_MAX_BACKOFF_MS"])
    assert queue.JOBS["send_mail"].max_retries == 12
