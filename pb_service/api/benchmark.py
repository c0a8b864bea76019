"""A baseline endpoint for load benchmarks: one request, one inserted row, one commit (the request's).

Registered only when ``BENCHMARK_ENDPOINTS`` is on (``benchmarks/voting_load.py`` sets it), so
that the ballot pipeline's throughput can be compared with the app's floor in the same run.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from pb_service.core.audit import AuditEvent
from pb_service.core.permissions import public
from pb_service.extensions import csrf, db, limiter

benchmark_api = Blueprint("benchmark_api", __name__, url_prefix="/api/v1/benchmark")


@benchmark_api.post("/baseline")
@limiter.exempt
@public
def baseline():
    db.session.add(AuditEvent(action="benchmark.baseline", details={}))
    return jsonify(status="ok"), 201


def register_benchmark_endpoints(app) -> None:
    if app.config.get("BENCHMARK_ENDPOINTS"):
        csrf.exempt(benchmark_api)
        app.register_blueprint(benchmark_api)
