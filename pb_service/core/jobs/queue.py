"""Deciding jobs and running them: on Redis through Dramatiq, or in-process without a broker.

A job is a plain function registered with :func:`job`. Services call :func:`enqueue`, which only
notes the job in the database session; :meth:`pb_service.extensions.Session.commit` hands the noted
jobs over once the transaction is committed (a rolled-back transaction decides nothing). The job
runs with the wall lifted (it names its reason), and commits its own work: services flush, the job
commits. A job must be idempotent: Dramatiq acknowledges a message only after the job returns, so
a worker killed mid-job has its message delivered again (docs/operations.md).
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import compute_backoff
from dramatiq.middleware import CurrentMessage
from flask import Flask, current_app

from pb_service.core import metrics
from pb_service.core.observability import job_request_id, request_id
from pb_service.core.tenancy import allow_cross_tenant, kept_wall
from pb_service.extensions import Session, db

log = logging.getLogger("pb_service.core.jobs")

#: Where the jobs decided in a transaction wait for its commit (``Session.info`` key).
PENDING = "pb_jobs_pending"
#: The queue every job goes to (one queue: the jobs are short but mail; see docs/operations.md).
QUEUE = "pb"

#: Actors are declared on this broker once; a real broker (the worker's, the app's) declares them again.
_declarations = StubBroker()
JOBS: dict[str, "Job"] = {}


@dataclass
class Job:
    name: str
    function: Callable
    actor: dramatiq.Actor
    max_retries: int

    def message(self, app: Flask, *args, **options) -> dramatiq.Message:
        """The job's message, with the app's back-off (``JOBS_MIN_BACKOFF_MS``, ``JOBS_MAX_BACKOFF_MS``):
        Dramatiq's Retries reads a message's options before its actor's, so the settings hold
        without declaring the actors again."""
        message = self.actor.message(*args)
        return message.copy(options={**message.options, **backoff_options(app), **options})


def backoff_options(app: Flask) -> dict:
    return {"min_backoff": app.config["JOBS_MIN_BACKOFF_MS"], "max_backoff": app.config["JOBS_MAX_BACKOFF_MS"]}


def job(name: str, *, max_retries: int = 8, time_limit_ms: int = 60 * 60_000) -> Callable:
    """Register ``function`` as the job ``name``: retried up to ``max_retries`` times with
    exponential back-off (Dramatiq's Retries on Redis, :func:`_retry_later` in-process)."""

    def register(function: Callable) -> Callable:
        def perform(*args):
            _perform_in_worker(name, args)

        actor = dramatiq.Actor(
            perform, broker=_declarations, actor_name=name, queue_name=QUEUE, priority=0,
            options={"max_retries": max_retries, "time_limit": time_limit_ms},
        )
        JOBS[name] = Job(name, function, actor, max_retries)
        return function

    return register


def enqueue(name: str, *args) -> None:
    """Decide the job ``name(*args)``: it leaves when the current transaction commits."""
    if name not in JOBS:
        raise KeyError(f"no job named {name!r}")
    db.session.info.setdefault(PENDING, []).append((name, args))


#: ``Session.info`` key: jobs run in-process even with a broker (the demo loader needs its counts now).
IN_PROCESS = "pb_jobs_in_process"


@contextmanager
def in_process():
    """Within the block, jobs run in this process right after each commit, broker or not."""
    db.session.info[IN_PROCESS] = True
    try:
        yield
    finally:
        db.session.info.pop(IN_PROCESS, None)


def dispatch_committed(session) -> None:
    """After a commit: send the jobs the transaction decided (or run them here, without a broker)."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    app = current_app._get_current_object()
    broker = None if session.info.get(IN_PROCESS) else broker_of(app)
    for name, args in pending:
        if broker is not None:
            try:
                broker.enqueue(JOBS[name].message(app, *args, request_id=request_id()))
            except Exception:
                # The transaction is committed: the request must not fail now. A mail left unsent
                # is queued again by the workers' sweep (``requeue_unsent_mail``).
                metrics.JOBS_FAILED.labels(name).inc()
                log.exception("job %s%r could not be queued", name, args)
                continue
            metrics.JOBS_QUEUED.labels(name).inc()
        else:
            _run_eagerly(session, name, args)


def drop_pending(session) -> None:
    session.info.pop(PENDING, None)


def _run_eagerly(session, name: str, args: tuple) -> None:
    """No broker (``make run``, most tests): run the job now, in this session; if it fails, it is
    tried again in a thread of this process with back-off (:func:`_retry_later`)."""
    metrics.JOBS_QUEUED.labels(name).inc()
    with kept_wall(session):
        # The request that decided the job is committed already: it must not fail for it.
        if not _attempt(session, name, args):
            _retry_later(current_app._get_current_object(), name, args, retries=0)


def _attempt(session, name: str, args: tuple) -> bool:
    """Run the job once in ``session`` and commit its work (the job's boundary); False if it failed."""
    allow_cross_tenant(session, f"job {name}")
    try:
        JOBS[name].function(*args)
        session.commit()
    except Exception:
        session.rollback()
        metrics.JOBS_FAILED.labels(name).inc()
        log.exception("job %s%r failed (in-process)", name, args)
        return False
    return True


def _retry_later(app: Flask, name: str, args: tuple, *, retries: int) -> None:
    """Try a failed job again in this process as Dramatiq's Retries would on Redis: at most the
    job's ``max_retries`` times, each after Dramatiq's back-off (``JOBS_MIN_BACKOFF_MS`` doubled
    per retry, jittered up to twice that, at most ``JOBS_MAX_BACKOFF_MS``).

    The wait is a timer thread, not the request's: the request has answered already. A retry
    pending when the process stops is lost with it (no broker keeps it); the workers' sweep of
    unsent mail exists only with a broker, so production runs one (docs/operations.md)."""
    if retries >= JOBS[name].max_retries:
        log.error("job %s%r failed %d times: no more retries (in-process)", name, args, retries + 1)
        return
    _, delay_ms = compute_backoff(retries, factor=app.config["JOBS_MIN_BACKOFF_MS"], max_backoff=app.config["JOBS_MAX_BACKOFF_MS"])
    log.info("job %s%r tried again in %d ms (retry %d of %d, in-process)", name, args, delay_ms, retries + 1, JOBS[name].max_retries)
    timer = threading.Timer(delay_ms / 1000, _retry_in_process, (app, name, args, retries + 1))
    timer.daemon = True
    timer.start()


def _retry_in_process(app: Flask, name: str, args: tuple, retries: int) -> None:
    metrics.JOBS_QUEUED.labels(name).inc()
    with app.app_context():
        try:
            succeeded = _attempt(db.session, name, args)
        finally:
            db.session.remove()
    if not succeeded:
        _retry_later(app, name, args, retries=retries)


# --- the worker's side -----------------------------------------------------------------------------

_worker_app: Flask | None = None


def running_in_worker() -> bool:
    return _worker_app is not None


def _perform_in_worker(name: str, args: tuple) -> None:
    app = _worker_app
    if app is None:
        raise RuntimeError("jobs run in a worker started by `flask pb worker`")
    message = CurrentMessage.get_current_message()
    job_request_id.set(message.options.get("request_id", "") if message is not None else "")
    started = time.perf_counter()
    with app.app_context():
        allow_cross_tenant(db.session, f"job {name}")
        try:
            JOBS[name].function(*args)
            db.session.commit()
        except Exception:
            db.session.rollback()
            metrics.JOBS_FAILED.labels(name).inc()
            log.warning("job %s%r failed; Dramatiq retries it with back-off", name, args, exc_info=True)
            raise
        finally:
            db.session.remove()
    log.info("job %s%r done in %.3f s", name, args, time.perf_counter() - started, extra={"job": name})


def redis_broker(url: str, *, namespace: str, heartbeat_seconds: float, maintenance_chance: int):
    """A Redis broker that knows every job. A worker silent for ``heartbeat_seconds`` counts as dead:
    its unacknowledged messages go back to the queue at the next maintenance (``maintenance_chance``
    in a million of the broker's commands)."""
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=url, namespace=namespace, heartbeat_timeout=int(heartbeat_seconds * 1000), maintenance_chance=maintenance_chance)
    broker.add_middleware(CurrentMessage())  # the job's log lines carry the deciding request's id
    for registered in JOBS.values():
        broker.declare_actor(registered.actor)
    return broker


def init_app(app: Flask) -> None:
    """The app's broker: ``None`` without ``JOBS_BROKER_URL`` (jobs run in-process)."""
    url = app.config.get("JOBS_BROKER_URL", "")
    app.extensions["pb_jobs_broker"] = redis_broker(
        url, namespace=app.config["JOBS_NAMESPACE"], heartbeat_seconds=app.config["JOBS_HEARTBEAT_SECONDS"], maintenance_chance=app.config["JOBS_MAINTENANCE_CHANCE"],
    ) if url else None


def broker_of(app: Flask):
    return app.extensions.get("pb_jobs_broker")


def run_worker(app: Flask, *, threads: int) -> None:
    """Consume the queue until SIGTERM or SIGINT (``flask pb worker``)."""
    import signal

    from dramatiq import Worker

    global _worker_app
    broker = broker_of(app)
    if broker is None:
        raise RuntimeError("JOBS_BROKER_URL is not set: without a broker, jobs run in the app's process")
    _worker_app = app
    worker = Worker(broker, worker_threads=threads, worker_timeout=1000)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()
    log.info("worker started: %d threads, queue %s", threads, QUEUE)
    try:
        schedule_periodic_jobs(app, broker, stop)
    finally:
        worker.stop(timeout=30_000)
        broker.close()
        log.info("worker stopped")


#: Jobs every worker offers to enqueue once per period; a Redis key makes it once for all workers.
PERIODIC = (("purge", 24 * 3600), ("hub_reminders", 3600), ("requeue_unsent_mail", 600))


def schedule_periodic_jobs(app: Flask, broker, stop) -> None:
    """The daily purge, the hourly hub reminders and the sweep of unsent mail every ten minutes,
    enqueued once per period by whichever worker gets there first (``SET NX`` on a key naming the period)."""
    client = broker.client
    while not stop.is_set():
        now = int(time.time())
        for name, period in PERIODIC:
            if app.config["JOBS_SCHEDULE"] and client.set(f"{broker.namespace}:periodic:{name}:{now // period}", 1, nx=True, ex=2 * period):
                broker.enqueue(JOBS[name].message(app))
                metrics.JOBS_QUEUED.labels(name).inc()
        stop.wait(30)


# The app's session sends the jobs a transaction decided once it commits, and drops them if it fails.
Session.commit_hooks = (dispatch_committed, drop_pending)
