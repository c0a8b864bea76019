"""API tokens: created in the office (shown once), hashed, scoped to one municipality, audited."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta


from pb_service.api_tokens.models import ApiToken
from pb_service.core.audit import AuditEvent
from pb_service.core.models import utcnow
from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_select, tenant_select
from pb_service.proposals.models import Status
from tests.editions_factories import make_edition, make_pool, make_proposal
from tests.factories import login, make_municipality, make_official, make_user

TOKEN = re.compile(r'<code class="secret">(pbt_[A-Za-z0-9_-]+)</code>')
QUEUE = "/api/v1/municipalities/{slug}/editions/{edition}/review-queue"


def _create(client, slug, name="GIS", permissions=("proposals.view_queue",), days=90):
    page = client.post(f"/{slug}/office/api-tokens/", data={"name": name, "permissions": list(permissions), "days": days})
    assert page.headers["Cache-Control"] == "no-store"
    found = TOKEN.search(page.get_data(as_text=True))
    return found.group(1) if found else None


def _setup(session):
    municipality = make_municipality(session)
    admin = make_official(session, municipality, Role.ADMIN)
    edition = make_edition(session, municipality)
    proposal = make_proposal(session, make_pool(session, edition), make_user(session), Status.SUBMITTED, title="Ławki w parku")
    session.commit()
    return municipality, admin, edition, proposal


def _get(client, url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers)


def test_token_reads_the_review_queue_and_each_use_is_audited(client, session, app):
    municipality, admin, edition, proposal = _setup(session)
    login(client, admin)
    raw = _create(client, municipality.slug)
    assert raw and raw.startswith("pbt_")
    # Only the SHA-256 is stored; the list shows the prefix, never the token again.
    stored = session.scalar(tenant_select(ApiToken, municipality))
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in repr(vars(stored))
    listing = client.get(f"/{municipality.slug}/office/api-tokens/").get_data(as_text=True)
    assert stored.prefix in listing and raw not in listing

    api = app.test_client()
    url = QUEUE.format(slug=municipality.slug, edition=edition.id)
    response = _get(api, url, raw)
    assert response.status_code == 200
    assert [item["title"] for item in response.get_json()] == ["Ławki w parku"]
    assert "email" not in response.get_data(as_text=True)
    uses = session.scalars(tenant_select(AuditEvent, municipality, AuditEvent.action == "api_token.use")).all()
    assert len(uses) == 1 and uses[0].actor_id == admin.id and uses[0].details["permission"] == "proposals.view_queue"
    session.expire_all()
    assert stored.last_used_at is not None


def test_token_is_refused_without_header_elsewhere_revoked_expired_or_without_permission(client, session, app):
    municipality, admin, edition, _ = _setup(session)
    other = make_municipality(session)
    other_edition = make_edition(session, other)
    other_admin = make_official(session, other, Role.ADMIN)
    session.commit()
    login(client, admin)
    raw = _create(client, municipality.slug)
    api = app.test_client()
    url = QUEUE.format(slug=municipality.slug, edition=edition.id)

    missing = _get(api, url)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert _get(api, url, "pbt_not-a-token").status_code == 401
    # Municipality A's token means nothing for municipality B, even for B's own edition.
    assert _get(api, QUEUE.format(slug=other.slug, edition=other_edition.id), raw).status_code == 401
    # A's token with B's edition id in A's URL: not found.
    assert _get(api, QUEUE.format(slug=municipality.slug, edition=other_edition.id), raw).status_code == 404

    token = session.scalar(tenant_select(ApiToken, municipality))
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert _get(api, url, raw).status_code == 401
    token.expires_at = utcnow() + timedelta(days=1)
    token.permissions = ["some.other_permission"]
    session.commit()
    assert _get(api, url, raw).status_code == 403
    token.permissions = ["proposals.view_queue"]
    session.commit()
    assert _get(api, url, raw).status_code == 200
    client.post(f"/{municipality.slug}/office/api-tokens/{token.id}/revoke")
    assert _get(api, url, raw).status_code == 401
    # Other officials' and tenants' attempts were never audited as uses.
    assert other_admin.id not in {e.actor_id for e in session.scalars(cross_tenant_select(AuditEvent, reason="test").where(AuditEvent.action == "api_token.use"))}


def test_token_stops_working_when_its_official_loses_the_permission(client, session, app):
    municipality, admin, edition, _ = _setup(session)
    login(client, admin)
    raw = _create(client, municipality.slug)
    from pb_service.accounts.models import Membership

    session.scalar(tenant_select(Membership, municipality, Membership.user_id == admin.id)).role = Role.CLERK
    session.commit()
    assert _get(app.test_client(), QUEUE.format(slug=municipality.slug, edition=edition.id), raw).status_code == 403


def test_only_admins_create_tokens_and_only_with_permissions_they_hold(client, session):
    municipality, admin, _, _ = _setup(session)
    clerk = make_official(session, municipality, Role.CLERK)
    session.commit()
    login(client, clerk)
    assert client.get(f"/{municipality.slug}/office/api-tokens/").status_code == 403
    client.post("/account/logout")
    login(client, admin)
    assert _create(client, municipality.slug, permissions=("municipality.manage_all",)) is None
    assert _create(client, municipality.slug, days=10_000) is None
    assert session.scalars(cross_tenant_select(ApiToken.id, reason="test: no token anywhere")).all() == []
