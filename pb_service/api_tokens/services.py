"""Creating, listing, revoking and checking API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from pb_service.api_tokens.models import ApiToken
from pb_service.api_tokens.permissions import MANAGE_API_TOKENS
from pb_service.core.audit import record_audit
from pb_service.core.models import utcnow
from pb_service.core.permissions import Permission, ensure_permission, has_permission
from pb_service.core.tenancy import tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db

#: Tokens start with this, so that secret scanners (and people) recognise a leaked one.
TOKEN_PREFIX = "pbt_"
#: Lifetimes offered, in days; every token expires.
LIFETIMES = (30, 90, 365)
#: Permissions that some API endpoint accepts from a token, by name; ``token_auth`` fills it in.
API_PERMISSIONS: dict[str, Permission] = {}
#: What each of them lets a token do, in words for the officials who create tokens.
API_PERMISSION_LABELS: dict[str, str] = {}


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def grantable_permissions(tenant, *, actor) -> list[Permission]:
    """What ``actor`` may put on a token: API permissions they hold themselves."""
    return [p for name, p in sorted(API_PERMISSIONS.items()) if has_permission(actor, p, tenant)]


def tokens_of(tenant) -> list[ApiToken]:
    return list(db.session.scalars(tenant_select(ApiToken, tenant).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(tenant, name: str, permission_names: list[str], days: int, *, actor) -> tuple[ApiToken, str]:
    """A new token and its plain text, which the caller shows once and never stores."""
    ensure_permission(actor, MANAGE_API_TOKENS, tenant)
    errors = {}
    if not (name or "").strip():
        errors["name"] = [str(_l("Name the token after what it is for."))]
    grantable = {p.name for p in grantable_permissions(tenant, actor=actor)}
    if not permission_names or not set(permission_names) <= grantable:
        errors["permissions"] = [str(_l("Choose at least one permission, from those you hold."))]
    if days not in LIFETIMES:
        errors["days"] = [str(_l("Choose one of the offered lifetimes."))]
    if errors:
        raise ServiceValidationError(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        municipality_id=tenant.id, name=name.strip(), prefix=raw[: len(TOKEN_PREFIX) + 6], token_hash=hash_token(raw),
        permissions=sorted(permission_names), expires_at=utcnow() + timedelta(days=days), created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    record_audit(actor, tenant, "api_token.create", token, name=token.name, permissions=token.permissions, days=days)
    db.session.flush()
    return token, raw


def revoke_token(tenant, token: ApiToken, *, actor) -> None:
    ensure_permission(actor, MANAGE_API_TOKENS, tenant)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_audit(actor, tenant, "api_token.revoke", token, name=token.name)
        db.session.flush()


def usable_token(tenant, raw: str) -> ApiToken | None:
    """The live token of ``tenant`` with this text; another municipality's token is simply unknown."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(tenant_select(ApiToken, tenant, ApiToken.token_hash == hash_token(raw)))
    return token if token is not None and token.is_usable else None


def token_allows(token: ApiToken, permission: Permission, tenant) -> bool:
    """The token names the permission and the official it acts for still holds it."""
    return permission.name in token.permissions and has_permission(token.created_by, permission, tenant)


def record_use(token: ApiToken, tenant, endpoint: str, permission: Permission) -> None:
    """Every use is in the audit log, under the official the token acts for."""
    token.last_used_at = utcnow()
    record_audit(token.created_by, tenant, "api_token.use", token, endpoint=endpoint, permission=permission.name)
    db.session.flush()
