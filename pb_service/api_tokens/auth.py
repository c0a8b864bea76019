"""``token_auth(permission)``: API views that officials' integrations call with a bearer token."""
from __future__ import annotations

from functools import wraps

from flask import abort, g, request

from pb_service.api_tokens import services
from pb_service.core.permissions import Permission

BEARER = "bearer "


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith(BEARER):
        return None
    return header[len(BEARER):].strip() or None


def token_auth(permission: Permission, label):
    """Let the view run only for a live token of the URL's municipality that carries ``permission``.

    401: no token, or not a live token of *this* municipality (another's is unknown here);
    403: the token lacks the permission, or its official no longer holds it. Each use is audited.
    """
    services.API_PERMISSIONS[permission.name] = permission
    services.API_PERMISSION_LABELS[permission.name] = label

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            raw = _bearer_token()
            token = services.usable_token(g.municipality, raw) if raw else None
            if token is None:
                abort(401)
            if not services.token_allows(token, permission, g.municipality):
                abort(403)
            services.record_use(token, g.municipality, request.endpoint, permission)
            g.api_token = token
            return view(*args, **kwargs)

        wrapped.token_permission = permission
        return wrapped

    return decorator
