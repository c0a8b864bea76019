"""Security headers on every route of ``app.url_map``; no inline script or style that CSP would block."""
from __future__ import annotations

import re

from flask_migrate import upgrade

from pb_service.core.security import CONTENT_SECURITY_POLICY
from pb_service.extensions import db
from tests.conftest import make_app
from tests.factories import PASSWORD, login, make_municipality, make_user
from tests.route_walk import RouteWalk
from tests.test_route_walk import victim_and_attacker

#: What CSP (no 'unsafe-inline') would block: inline scripts, style attributes, event handlers.
INLINE = re.compile(r"<script\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def _check_headers(response, url: str) -> list[str]:
    headers = response.headers
    problems = []
    expected = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{url}: {name} is {headers.get(name)!r}")
    if response.mimetype == "text/html" and INLINE.search(response.get_data(as_text=True)):
        problems.append(f"{url}: inline script or style: {INLINE.search(response.get_data(as_text=True)).group(0)!r}")
    return problems


def test_csp_is_strict():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "object-src 'none'" in CONTENT_SECURITY_POLICY


def test_every_route_sends_the_security_headers(app, session):
    victim, _attacker, _attackers, ids, _token = victim_and_attacker(session)
    from pb_service.accounts.models import Membership
    from pb_service.core.tenancy import tenant_select

    admin = session.scalar(tenant_select(Membership, victim)).user
    staff = make_user(session, staff=True)
    session.commit()
    walk = RouteWalk(app, victim_slug=victim.slug, victim_ids=ids, private_markers=[])
    anonymous, official, national = app.test_client(), app.test_client(), app.test_client()
    login(official, admin)
    login(national, staff)
    problems, seen, office_pages, cached = [], 0, set(), []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "accounts.logout":
            continue
        url = walk._build(rule, victim.slug) if rule.endpoint != "static" else "/static/css/pb.css"
        for client in (anonymous, official, national):
            response = client.get(url)
            problems += _check_headers(response, url)
            seen += 1
            # Whatever a signed-in person gets (a page, a file, a refusal) stays out of every cache.
            if client is not anonymous and rule.endpoint != "static" and response.headers.get("Cache-Control") != "no-store":
                cached.append(f"{url} ({response.status_code}): Cache-Control {response.headers.get('Cache-Control')!r}")
            if client is official and "/office" in url and response.status_code == 200:
                office_pages.add(url)
    assert problems == []
    assert cached == []
    assert seen > 150
    # The office's pages were seen as its administrator sees them (not only as refusals).
    assert len(office_pages) > 25
    assert f"/{victim.slug}/office/audit" in office_pages


def test_public_pages_for_anonymous_visitors_may_be_cached_and_static_files_always(client, session):
    municipality = make_municipality(session)
    resident = make_user(session, second_factor=False)
    session.commit()
    for url in ("/", f"/{municipality.slug}/", "/hub/"):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", ""), url
    login(client, resident)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/pb.css").headers.get("Cache-Control", "")


def test_production_adds_hsts_and_secure_samesite_cookies(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setenv("PB_ENV", "production")
    monkeypatch.setenv("VOTER_SECRET", "a-production-voter-secret")
    app = make_app(f"sqlite:///{tmp_path}/production.sqlite3", smtp_server.port, PASSWORD_HASHING="rfc9106-low-memory")
    with app.app_context():
        upgrade()
        user = make_user(db.session, second_factor=False)
        db.session.commit()
        response = app.test_client().post(
            "/account/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost"
        )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")]
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= {part.strip() for part in cookie.split(";")}


def test_development_sends_no_hsts(client, session):
    assert "Strict-Transport-Security" not in client.get("/").headers
