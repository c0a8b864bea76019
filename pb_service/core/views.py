"""Global pages: the front page, the language switch and the health check."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from pb_service.accounts.services import set_locale
from pb_service.core.permissions import public
from pb_service.extensions import db, limiter
from pb_service.municipalities.services import list_municipalities

main = Blueprint("main", __name__)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only local paths: an open redirect would let phishing mails borrow our address."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


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


@main.get("/healthz")
@limiter.exempt
@public
def health():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return jsonify(status="error", database="unreachable", reason=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
