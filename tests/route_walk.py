"""The cross-tenant route walk: every route of ``app.url_map``, tried by people who must not see
another municipality's data. Written once, so that routes added later are covered automatically.

A route may answer such a visitor only by refusing (401, 403, 404, 405, or a redirect to sign in),
or, if its view is marked ``@public`` (or ``@personal``: the visitor's own account), with a page
that carries none of the victim's private data.
With the attacker's own municipality in the URL but the victim's object ids, it must refuse
(404 where the visitor may use the route, 403 where not, 401 or the sign-in page where it lacks
credentials of the kind the route takes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.routing import IntegerConverter

SAFE_STATUSES = {401, 403, 404, 405, 429}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SKIPPED_ENDPOINTS = {"static", "accounts.logout", "main.switch_language"}


@dataclass
class Leak:
    who: str
    method: str
    url: str
    status: int
    reason: str

    def __str__(self) -> str:
        return f"{self.who} {self.method} {self.url} -> {self.status}: {self.reason}"


@dataclass
class Visitor:
    name: str
    client: object
    #: The visitor's own municipality slug (None for anonymous).
    own_slug: str | None = None


@dataclass
class RouteWalk:
    app: object
    victim_slug: str
    #: Values for URL arguments naming the victim's objects, e.g. {"membership_id": 12}.
    victim_ids: dict
    #: Strings that only the victim's officials may see (e-mails of officials, audit details).
    private_markers: list[str]
    #: Walk only these endpoints (None: every route).
    endpoints: set[str] | None = None
    leaks: list[Leak] = field(default_factory=list)
    visited: int = 0

    def _view(self, endpoint: str):
        return self.app.view_functions[endpoint]

    def _is_public(self, endpoint: str) -> bool:
        return bool(getattr(self._view(endpoint), "is_public", False))

    def _is_personal(self, endpoint: str) -> bool:
        return bool(getattr(self._view(endpoint), "is_personal", False))

    def _build(self, rule, slug: str) -> str | None:
        values = {}
        for argument in rule.arguments:
            if argument == "municipality":
                values[argument] = slug
            elif argument in self.victim_ids:
                values[argument] = self.victim_ids[argument]
            else:
                converter = rule._converters.get(argument)
                values[argument] = 1 if isinstance(converter, IntegerConverter) else "x"
        with self.app.test_request_context():
            from flask import url_for

            return url_for(rule.endpoint, **values)

    def _refused(self, response) -> bool:
        if response.status_code in SAFE_STATUSES:
            return True
        return response.status_code in (301, 302, 303, 307, 308) and "/account/login" in response.headers.get("Location", "")

    def _check(self, visitor: Visitor, rule, method: str, url: str, cross_ids: bool) -> None:
        response = visitor.client.open(url, method=method)
        self.visited += 1
        body = response.get_data(as_text=True)
        shown = [marker for marker in self.private_markers if marker in body]
        if shown:
            self.leaks.append(Leak(visitor.name, method, url, response.status_code, f"shows {shown}"))
            return
        if response.status_code >= 500:
            self.leaks.append(Leak(visitor.name, method, url, response.status_code, "server error"))
            return
        if cross_ids:
            # 400/422: the request body was refused before the id was even looked at.
            if not (self._refused(response) or response.status_code in (400, 422)):
                self.leaks.append(Leak(visitor.name, method, url, response.status_code, "another tenant's id was not refused"))
            return
        if self._refused(response):
            return
        if response.status_code < 400 and not (self._is_public(rule.endpoint) or self._is_personal(rule.endpoint)):
            self.leaks.append(Leak(visitor.name, method, url, response.status_code, "non-public route answered"))

    def run(self, visitors: list[Visitor]) -> list[Leak]:
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint in SKIPPED_ENDPOINTS or (self.endpoints is not None and rule.endpoint not in self.endpoints):
                continue
            tenant_route = "municipality" in rule.arguments
            id_arguments = [a for a in rule.arguments if a in self.victim_ids]
            for method in sorted(set(rule.methods) & set(METHODS)):
                for visitor in visitors:
                    self._check(visitor, rule, method, self._build(rule, self.victim_slug), cross_ids=False)
                    if tenant_route and id_arguments and visitor.own_slug:
                        self._check(visitor, rule, method, self._build(rule, visitor.own_slug), cross_ids=True)
        return self.leaks
