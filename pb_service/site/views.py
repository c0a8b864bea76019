"""Global pages: the front page, the language switch and the health check."""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from pb_service.accounts.services import set_locale
from pb_service.core.observability import health_report, metrics_response
from pb_service.core.permissions import public
from pb_service.core.security import safe_next
from pb_service.extensions import limiter
from pb_service.municipalities.services import list_municipalities

main = Blueprint("main", __name__)


@main.get("/")
@public
def front_page():
    return render_template("front_page.html", municipalities=list_municipalities())


@main.get("/lang/<code>")
@public
def switch_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            set_locale(current_user, code)
    return redirect(safe_next(request.args.get("next")))


@main.get("/login")
@main.get("/register")
@public
def account_shortcut():
    """The addresses people type (/login, /register) lead to the account pages, ``next`` kept."""
    endpoint = "accounts.login" if request.path == "/login" else "accounts.register"
    return redirect(url_for(endpoint, next=safe_next(request.args.get("next"), None)))


@main.get("/healthz")
@limiter.exempt
@public
def health():
    """The database, the job broker and the read replica: ``ok``, ``unreachable (...)`` or ``not configured``."""
    report, healthy = health_report()
    return jsonify(status="ok" if healthy else "error", **report), 200 if healthy else 503


@main.get("/metrics")
@limiter.exempt
@public
def prometheus_metrics():
    """Prometheus metrics; with ``METRICS_TOKEN`` set, only for ``Authorization: Bearer <token>``."""
    token = current_app.config["METRICS_TOKEN"]
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return jsonify(error="unauthorized"), 401
    return metrics_response()
