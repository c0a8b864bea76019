"""Prometheus metrics of the app and its jobs (no personal data in any label).

Under gunicorn, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the app's worker
processes (and the job worker on the same machine): each process writes its counts there and
``/metrics`` adds them up (docs/operations.md).
"""
from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("pb_http_requests_total", "HTTP requests by route (URL rule), method and status.", ["route", "method", "status"])
LATENCY = Histogram(
    "pb_http_request_duration_seconds", "Time to answer an HTTP request, by route (URL rule).", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS_QUEUED = Counter("pb_jobs_queued_total", "Jobs handed to the queue (or run in-process without a broker).", ["job"])
JOBS_FAILED = Counter("pb_jobs_failed_total", "Job runs that failed (each failed attempt; retried runs count again).", ["job"])
BALLOTS = Counter("pb_ballots_total", "Ballots accepted, and refused by reason.", ["outcome", "reason", "channel"])
