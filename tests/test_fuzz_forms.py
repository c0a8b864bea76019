"""Property-based fuzzing of the main form handlers: no input gives a 5xx, and a refused form
stores nothing (registration, sign-in, the municipality form, the proposal form)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func

from pb_service.accounts.models import User
from pb_service.core.audit import AuditEvent
from pb_service.core.tenancy import cross_tenant_select
from pb_service.municipalities.models import Municipality
from pb_service.proposals.models import Proposal
from tests.editions_factories import make_edition, make_pool
from pb_service.extensions import limiter
from tests.examples import examples
from tests.factories import login, make_municipality, make_user

FUZZ = settings(max_examples=examples(30), deadline=None, database=None, suppress_health_check=list(HealthCheck))

#: Any text a browser can send (no lone surrogates), NUL and control characters included.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), st.sampled_from(["", "1e309", "NaN", "-0", "١٢٣", "12,50", "9" * 40]))
field_value = st.one_of(text, numbers)


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch):
    """Rate limits would answer most examples with 429 and test nothing behind them."""
    monkeypatch.setattr(limiter, "enabled", False)


def _counts(session) -> tuple:
    return tuple(
        session.scalar(cross_tenant_select(func.count(model.id), reason="test: fuzzing counts rows"))
        for model in (User, Municipality, Proposal, AuditEvent)
    )


def _post_and_check(client, session, url: str, data: dict) -> None:
    before = _counts(session)
    response = client.post(url, data=data)
    assert response.status_code < 500, (url, data)
    if response.status_code == 422:
        session.expire_all()
        assert _counts(session) == before, f"refused input changed stored data: {url} {data!r}"


def test_registration_and_sign_in(client, session):
    @FUZZ
    @given(st.fixed_dictionaries({"display_name": field_value, "email": field_value, "password": field_value, "password_confirm": field_value}))
    # Valid but for a NUL character: PostgreSQL cannot store it (this was a 500).
    @example({"display_name": "Jan\x00", "email": "jan@example.org", "password": "długie hasło 123", "password_confirm": "długie hasło 123"})
    def register(data):
        _post_and_check(client, session, "/account/register", data)

    @FUZZ
    @given(st.fixed_dictionaries({"email": field_value, "password": field_value, "remember": field_value}))
    def sign_in(data):
        _post_and_check(client, session, "/account/login", data)

    register()
    sign_in()


MUNICIPALITY_FIELDS = (
    "name", "slug", "teryt", "voivodeship", "kind", "population", "default_locale", "contact_email", "contact_phone",
    "contact_address", "website", "privacy_notice",
)


def test_municipality_form(client, session):
    login(client, make_user(session, staff=True))

    @FUZZ
    @given(st.fixed_dictionaries({name: field_value for name in MUNICIPALITY_FIELDS}))
    # Valid but for a population past the INTEGER column (this was a 500 on PostgreSQL).
    @example({
        "name": "Gmina X", "slug": "gmina-x", "teryt": "2299991", "voivodeship": "22", "kind": "city_with_powiat_rights",
        "population": str(2**40), "default_locale": "pl",
    })
    def create(data):
        _post_and_check(client, session, "/staff/municipalities/new", data)

    create()


PROPOSAL_FIELDS = (
    "title", "category_id", "summary", "description", "location", "latitude", "longitude", "accessibility",
    "estimated_cost", "cost_items-0-description", "cost_items-0-amount",
)


def test_proposal_form(client, session):
    municipality = make_municipality(session)
    edition = make_edition(session, municipality)
    pool = make_pool(session, edition)
    resident = make_user(session)
    session.commit()
    login(client, resident)
    url = f"/{municipality.slug}/editions/{edition.id}/proposals/new"

    fields = {name: field_value for name in PROPOSAL_FIELDS} | {"pool_id": st.one_of(st.just(str(pool.id)), field_value)}

    @FUZZ
    @given(st.fixed_dictionaries(fields))
    def propose(data):
        _post_and_check(client, session, url, data)

    propose()
