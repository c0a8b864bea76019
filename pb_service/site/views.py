"""Global pages: the front page, the language switch and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from pb_service.accounts.services import set_locale
from pb_service.core.permissions import public
from pb_service.core.security import safe_next
from pb_service.extensions import db, limiter
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
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return jsonify(status="error", database="unreachable", reason=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
