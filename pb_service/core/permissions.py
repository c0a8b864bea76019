"""Permissions declared by name and checked in one place.

Each domain declares its permissions in its own ``permissions.py`` with :func:`define`; views use
:func:`requires` and services call :func:`has_permission` with the actor and tenant they were given.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, g
from flask_login import current_user

from pb_service.core.roles import Role
from pb_service.extensions import login_manager


@dataclass(frozen=True)
class Permission:
    #: Dotted name, e.g. ``municipality.manage_members``.
    name: str
    #: Municipal roles that hold it within their own municipality.
    roles: frozenset[Role]
    #: Whether programme staff hold it in every municipality.
    staff: bool
    #: Whether it is a global permission (no municipality involved).
    is_global: bool


REGISTRY: dict[str, Permission] = {}


def define(name: str, roles=(), *, staff: bool = False, is_global: bool = False) -> Permission:
    if name in REGISTRY:
        raise ValueError(f"permission {name!r} is defined twice")
    permission = Permission(name, frozenset(roles), staff, is_global)
    REGISTRY[name] = permission
    return permission


class SystemActor:
    """The actor of operations commands (``flask pb ...``) and of the demo loader.

    It holds every permission; the audit log records it with no user (``actor_id`` empty), as
    it does for scheduled jobs.
    """

    id = None
    is_authenticated = True
    is_active = True
    is_staff = False
    display_name = "system"

    def __repr__(self) -> str:
        return "<SystemActor>"


#: The one system actor.
SYSTEM = SystemActor()


class PermissionDenied(Exception):
    """The actor lacks a permission; views turn it into 403."""


def has_permission(actor, permission: Permission, tenant=None) -> bool:
    if actor is SYSTEM:
        return True
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_staff and permission.staff:
        return True
    if permission.is_global or tenant is None:
        return False
    return bool(actor.roles_in(tenant) & permission.roles)


class Rule:
    """An object rule: may ``actor`` do it to ``obj`` (in ``tenant``)? Written once, by name, and
    composed as pretalx's rules are (``can_see = is_public | is_author``) with ``|``, ``&``, ``~``.

    Views and services call it (``can_see_proposal(actor, proposal, tenant)``); templates ask
    ``allowed("proposals.see", proposal)`` for the rules given a name with :func:`named`.
    """

    def __init__(self, name: str, check):
        self.name = name
        self._check = check

    def __call__(self, actor, obj=None, tenant=None) -> bool:
        return bool(self._check(actor, obj, tenant))

    def __or__(self, other: "Rule") -> "Rule":
        return Rule(f"({self.name} | {other.name})", lambda *args: self(*args) or other(*args))

    def __and__(self, other: "Rule") -> "Rule":
        return Rule(f"({self.name} & {other.name})", lambda *args: self(*args) and other(*args))

    def __invert__(self) -> "Rule":
        return Rule(f"~{self.name}", lambda *args: not self(*args))

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"


def rule(check) -> Rule:
    """A building block from a function ``check(actor, obj, tenant) -> bool``, named after it."""
    return Rule(check.__name__, check)


def holds(permission: Permission) -> Rule:
    """The rule "holds ``permission`` in the tenant given" (or globally for a global permission)."""
    return Rule(permission.name, lambda actor, obj, tenant: has_permission(actor, permission, tenant))


#: The rules templates may ask for by name (``allowed(name, obj)``).
RULES: dict[str, Rule] = {}


def named(name: str, composed: Rule) -> Rule:
    """Give a composed rule its one name; it is then known to templates too."""
    if name in RULES:
        raise ValueError(f"rule {name!r} is defined twice")
    RULES[name] = Rule(name, composed._check)
    return RULES[name]


def ensure_permission(actor, permission: Permission, tenant=None) -> None:
    if not has_permission(actor, permission, tenant):
        raise PermissionDenied(permission.name)


def requires(permission: Permission):
    """View decorator: anonymous users are sent to log in, others without the permission get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_permission(current_user, permission, g.get("municipality")):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def public(view):
    """Mark a view as meant for everyone; the cross-tenant route walk relies on the mark."""
    view.is_public = True
    return view


def personal(view):
    """Mark a view that shows only the signed-in user's own data (login required, no tenant data)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapped.is_personal = True
    return wrapped
