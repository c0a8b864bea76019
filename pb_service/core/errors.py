"""Error pages for people and JSON errors for the API, in one place."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from pb_service.core.permissions import PermissionDenied


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error_body(code: int, name: str, message: str, errors=None) -> dict:
    """The one shape of every API error: ``{"code", "status", "message", "errors"}``."""
    return {"code": code, "status": name, "message": message, "errors": errors or {}}


def _message_for(error: HTTPException) -> str:
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page."),
        404: _("We could not find this page."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with what is already recorded."),
        413: _("The file is too large."),
        422: _("Some of the data is not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is temporarily unavailable."),
    }
    return messages.get(error.code, error.name)


def handle_http_error(error: HTTPException):
    message = _message_for(error)
    if wants_json():
        # flask-smorest puts validation messages in data["messages"]; our aborts pass message/errors.
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        response = jsonify(api_error_body(error.code, error.name, str(data.get("message") or message), errors))
        response.status_code = error.code
        if error.code == 401:
            # RFC 6750: tell the client which credentials the API takes.
            response.headers["WWW-Authenticate"] = 'Bearer realm="pb-service"'
        return response
    return render_template("errors/error.html", code=error.code, message=message), error.code


def handle_permission_denied(error: PermissionDenied):
    from werkzeug.exceptions import Forbidden

    return handle_http_error(Forbidden())


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(PermissionDenied, handle_permission_denied)
