"""Prometheus metrics, request ids, structured logs and the health report."""
from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families

from pb_service.core.observability import configure_logging
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition


def samples(client) -> dict:
    """Every sample of ``/metrics``: (name, sorted labels) → value."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True)) for sample in family.samples
    }


def test_requests_are_counted_by_url_rule_and_ballots_by_outcome_and_reason(client, session):
    ve = make_voting_edition(session)
    before = samples(client)
    assert client.post(ballots_url(ve), json=api_ballot(ve)).status_code == 201
    assert client.post(ballots_url(ve), json=api_ballot(ve)).status_code == 409
    after = samples(client)

    def grew(name, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    rule = "/api/v1/municipalities/<municipality>/editions/<int:edition_id>/ballots"
    assert grew("pb_http_requests_total", route=rule, method="POST", status="201") == 1
    assert grew("pb_http_requests_total", route=rule, method="POST", status="409") == 1
    assert grew("pb_http_request_duration_seconds_count", route=rule) == 2
    assert grew("pb_ballots_total", outcome="accepted", reason="", channel="online") == 1
    assert grew("pb_ballots_total", outcome="refused", reason="already_voted", channel="online") == 1
    # No raw path, so no slug or id of anyone's ballot, in any label.
    assert not any(ve.municipality.slug in value for _, labels in after for _, value in labels)


def test_a_request_id_is_kept_from_the_proxy_or_made_and_is_in_the_logs(client, session, app, capsys):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123.proxy"})
    assert given.headers["X-Request-ID"] == "abc-123.proxy"
    made = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert made.headers["X-Request-ID"] != "<script>" and len(made.headers["X-Request-ID"]) == 32

    app.config.update(LOG_FORMAT="json", LOG_REQUESTS=True)
    configure_logging(app)
    try:
        client.get("/healthz", headers={"X-Request-ID": "req-42"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        app.config.update(LOG_FORMAT="text", LOG_REQUESTS=False)
        configure_logging(app)
    [access] = [line for line in lines if line["logger"] == "pb_service.access"]
    assert (access["request_id"], access["route"], access["status"], access["level"]) == ("req-42", "/healthz", 200, "INFO")


def test_metrics_can_require_a_token(client, session, app):
    app.config["METRICS_TOKEN"] = "scraper-secret"
    try:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer scraper-secret"}).status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = ""


def test_health_names_each_part_and_a_new_check_can_be_added(client, session, app):
    checks = app.extensions["pb_health_checks"]
    checks["replica"] = lambda: (False, "unreachable (test)")
    try:
        response = client.get("/healthz")
    finally:
        from pb_service.core.observability import _replica

        checks["replica"] = _replica
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "broker": "not configured", "replica": "unreachable (test)"}
