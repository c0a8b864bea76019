"""Invisible characters, search wildcards (issue 18)."""
from __future__ import annotations

import pytest

from pb_service.core.text import INVISIBLE, is_single_line
from pb_service.extensions import db
from pb_service.core.tenancy import tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.municipalities.models import MunicipalityKind, Voivodeship
from pb_service.municipalities.services import MunicipalityData, create_municipality
from pb_service.proposals.models import Proposal, Status
from tests.editions_factories import make_edition, make_pool, make_proposal
from tests.factories import login, make_municipality, make_user

BIDI = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _single_line_attributes():
    return [
        (mapper.class_, attribute.key)
        for mapper in db.Model.registry.mappers
        for attribute in mapper.column_attrs
        if any(is_single_line(column) for column in attribute.columns)
    ]


def test_every_single_line_column_of_every_model_drops_invisible_characters(app):
    with app.app_context():
        attributes = _single_line_attributes()
        for model, key in attributes:
            instance = model()
            setattr(instance, key, f"Park{BIDI}\u202eanil{ZERO_WIDTH}no")
            assert getattr(instance, key) == "Parkanilno", f"{model.__name__}.{key}"
    keys = {(model.__name__, key) for model, key in attributes}
    assert {("Proposal", "title"), ("User", "display_name"), ("Municipality", "name"), ("Municipality", "slug")} <= keys
    assert len(BIDI) == 12 and all(INVISIBLE.fullmatch(c) for c in BIDI + ZERO_WIDTH)


def test_descriptions_keep_joiners_that_scripts_and_emoji_need(session):
    town = make_municipality(session)
    proposal = make_proposal(session, make_pool(session, make_edition(session, town)), make_user(session))
    proposal.description = "Rodzina 👨\u200d👩\u200d👧 w parku"
    assert proposal.description == "Rodzina 👨\u200d👩\u200d👧 w parku"


def test_a_reversed_title_typed_in_the_form_is_stored_plain(client, session):
    town = make_municipality(session)
    edition = make_edition(session, town)
    pool = make_pool(session, edition)
    resident = make_user(session, display_name="Jan\u202e Kowalski")
    session.commit()
    assert resident.display_name == "Jan Kowalski"
    login(client, resident)
    response = client.post(f"/{town.slug}/editions/{edition.id}/proposals/new", data={
        "title": "Ławki\u202e w parku\u200b", "summary": "Nowe ławki", "description": "Ławki przy stawie.", "pool_id": pool.id,
        "cost_items-0-description": "Ławki", "cost_items-0-amount": "10000",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = session.scalar(tenant_select(Proposal, town))
    assert stored.title == "Ławki w parku"


@pytest.mark.parametrize("slug", ["gmina\u200b", "gmi\u202ena"])
def test_slugs_with_invisible_characters_are_refused(session, in_request, slug):
    staff = make_user(session, staff=True)
    data = MunicipalityData(
        slug=slug, name="Gmina Nowa", teryt="2261011", voivodeship=Voivodeship.POMORSKIE,
        kind=MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, population=1_000,
    )
    with pytest.raises(ServiceValidationError) as refused:
        create_municipality(data, actor=staff)
    assert refused.value.errors == {"slug": ["Use lower-case letters, digits and hyphens (2–63 characters)."]}


def test_search_treats_percent_and_underscore_as_characters(client, session):
    town = make_municipality(session)
    edition = make_edition(session, town)
    pool = make_pool(session, edition)
    author = make_user(session)
    make_proposal(session, pool, author, Status.SUBMITTED, title="Zniżka 50% na bilety", summary="Taniej")
    make_proposal(session, pool, author, Status.SUBMITTED, title="Plac zabaw", summary="Huśtawki")
    make_proposal(session, pool, author, Status.SUBMITTED, title="Ścieżka_rowerowa", summary="Rowery")
    session.commit()

    def found(text):
        page = client.get(f"/{town.slug}/editions/{edition.id}/projects", query_string={"q": text}).get_data(as_text=True)
        return sorted(title for title in ("Zniżka 50% na bilety", "Plac zabaw", "Ścieżka_rowerowa") if title in page)

    assert found("%") == ["Zniżka 50% na bilety"]
    assert found("_") == ["Ścieżka_rowerowa"]
    assert found("50%") == ["Zniżka 50% na bilety"]
    assert found("%%") == []
    assert found("plac") == ["Plac zabaw"]
