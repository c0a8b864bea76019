"""HTTP security headers on every response, and input no handler should ever see."""
from __future__ import annotations

from itertools import chain
from urllib.parse import urlsplit

from flask import abort, request, session
from flask_login import current_user

#: Credential checks: enough for a person who mistypes, too few for guessing.
CREDENTIAL_LIMIT = "10 per minute;50 per hour"
#: Mail-sending forms: each request sends a message.
MAIL_LIMIT = "5 per minute;20 per hour"


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only local paths: an open redirect would let phishing mails borrow our address."""
    if not target:
        return fallback
    parts = urlsplit(target)
    # Browsers read a backslash as a slash, so "/\\evil.example" would leave the site.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(character) < 32 for character in target):
        return fallback
    return target


#: No inline script or style, nothing from other hosts: every asset is served by the app itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def register_security_headers(app) -> None:
    production = app.config["PB_ENV"] == "production"

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if _is_private(response):
            headers["Cache-Control"] = "no-store"
        return response


def _is_private(response) -> bool:
    """Whether no cache may keep the response: whatever a signed-in person (or API token) is shown,
    and any page of a visitor with a session (a half-done sign-in, a form's CSRF token). Only the
    static files, and responses a view marks ``Cache-Control: public``, are left to caches."""
    if request.endpoint == "static" or response.cache_control.public:
        return False
    return bool(current_user.is_authenticated or "Authorization" in request.headers or session)


def register_input_guards(app) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """No text has a NUL character; PostgreSQL refuses to store one (a 500 found by fuzzing)."""
        values = chain(request.args.items(multi=True), request.form.items(multi=True))
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in values):
            abort(400)
