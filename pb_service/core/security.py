"""HTTP security headers on every response, and input no handler should ever see."""
from __future__ import annotations

from itertools import chain

from flask import abort, request

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
        return response


def register_input_guards(app) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """No text has a NUL character; PostgreSQL refuses to store one (a 500 found by fuzzing)."""
        values = chain(request.args.items(multi=True), request.form.items(multi=True))
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in values):
            abort(400)
