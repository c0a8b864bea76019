"""Request ids, structured logs, Prometheus metrics and the health checks of ``/healthz``.

Per request: one ``perf_counter`` and a counter and histogram update after the answer, labelled
by the URL rule (``/<municipality>/editions/<int:edition_id>``), never by the raw path.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import time
from contextvars import ContextVar
from typing import Callable

from flask import Flask, Response, current_app, g, has_request_context, request

from pb_service.core import metrics
from pb_service.core.replica import replica_status

#: A request id from the proxy is kept if it looks like one (no spaces, no markup, not too long).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: Routes that are not counted (the scraper's own requests would dominate).
UNCOUNTED_ROUTES = frozenset({"/metrics"})


#: The id of the request that decided the job a worker thread runs (its log lines carry it).
job_request_id: ContextVar[str] = ContextVar("job_request_id", default="")


def request_id() -> str:
    """The current request's id, or that of the request that decided the running job ("" if none)."""
    return g.get("request_id", "") if has_request_context() else job_request_id.get()


def register_request_observation(app: Flask) -> None:
    @app.before_request
    def start_observing():
        g.request_started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if given and REQUEST_ID_PATTERN.fullmatch(given) else os.urandom(16).hex()

    @app.after_request
    def observe(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        started = g.get("request_started")
        rule = request.url_rule
        route = rule.rule if rule is not None else "(unmatched)"
        if started is not None and route not in UNCOUNTED_ROUTES:
            elapsed = time.perf_counter() - started
            metrics.REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            metrics.LATENCY.labels(route).observe(elapsed)
            if app.config["LOG_REQUESTS"]:
                access_log.info(
                    "%s %s %s", request.method, route, response.status_code,
                    extra={"route": route, "method": request.method, "status": response.status_code,
                           "duration_ms": round(elapsed * 1000, 2)},
                )
        return response


access_log = logging.getLogger("pb_service.access")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (from the request, or a job's message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id()
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners and CLI runners swap it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(app: Flask) -> None:
    """``LOG_FORMAT=json``: one JSON object a line on standard error, with the request id;
    ``text``: the usual lines (development)."""
    from pythonjsonlogger.json import JsonFormatter

    logger = logging.getLogger("pb_service")
    # One handler, however many apps the process creates (tests create several).
    for old in [h for h in logger.handlers if isinstance(h, StderrHandler)]:
        logger.removeHandler(old)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if app.config["TESTING"] and app.config["LOG_FORMAT"] != "json":
        logger.propagate = True  # pytest's log capture listens at the root; commands' output stays theirs
        return
    logger.propagate = False
    handler = StderrHandler()
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}, timestamp=False,
        ))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    logger.addHandler(handler)


def metrics_response() -> Response:
    """The text exposition: this process's metrics, or every process's in multi-process mode."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


# --- /healthz ---------------------------------------------------------------------------------------

#: A check answers ``(healthy, detail)``; ``None`` for a part that is not configured.
HealthCheck = Callable[[], "tuple[bool, str] | None"]


def _database() -> tuple[bool, str]:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from pb_service.extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return False, f"unreachable ({type(error).__name__})"
    return True, "ok"


def _broker() -> tuple[bool, str] | None:
    # Set by the queue (core/jobs/queue.py, which logs through this module): None runs jobs in-process.
    broker = current_app.extensions.get("pb_jobs_broker")
    if broker is None:
        return None
    try:
        broker.client.ping()
    except Exception as error:  # any failure to reach Redis is "unreachable"
        return False, f"unreachable ({type(error).__name__})"
    return True, "ok"


def _replica() -> tuple[bool, str] | None:
    status = replica_status()
    if status["status"] == "not_configured":
        return None
    if status["status"] == "ok":
        return True, f"ok ({status['replay_behind_bytes']} bytes of WAL not replayed yet)"
    return False, f"{status['status']} ({status.get('reason', 'not in recovery')})"


def register_health_checks(app: Flask) -> None:
    """``app.extensions["pb_health_checks"]``: name → check; others may add theirs."""
    app.extensions["pb_health_checks"] = {"database": _database, "broker": _broker, "replica": _replica}


def health_report() -> tuple[dict, bool]:
    """Each part's state (``ok``, ``unreachable (...)`` or ``not configured``) and whether all are well."""
    report, healthy = {}, True
    for name, check in current_app.extensions["pb_health_checks"].items():
        outcome = check()
        if outcome is None:
            report[name] = "not configured"
            continue
        well, detail = outcome
        report[name] = detail
        healthy = healthy and well
    return report, healthy
