"""Programme staff create and edit municipalities; admins edit contact details; the public API."""
from __future__ import annotations

import pytest

from pb_service.core.roles import Role
from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship
from pb_service.municipalities.services import municipality_by_slug, teryt_problems
from tests.factories import login, make_municipality, make_official, make_user

NEW_MUNICIPALITY = {
    "name": "Gmina Wieliczka",
    "slug": "wieliczka",
    "teryt": "1219063",
    "voivodeship": "12",
    "kind": "urban_rural",
    "population": "61000",
    "default_locale": "pl",
    "contact_email": "bo@wieliczka.example.org",
}


@pytest.fixture
def staff_client(client, session):
    login(client, make_user(session, staff=True))
    session.commit()
    return client


def test_staff_creates_a_municipality(staff_client, session):
    response = staff_client.post("/staff/municipalities/new", data=NEW_MUNICIPALITY)
    assert response.status_code == 302
    assert response.headers["Location"] == "/wieliczka/office/members"
    municipality = municipality_by_slug("wieliczka")
    assert (municipality.teryt, municipality.voivodeship, municipality.kind, municipality.population) == (
        "1219063", Voivodeship.MALOPOLSKIE, MunicipalityKind.URBAN_RURAL, 61000,
    )
    assert "Gmina Wieliczka" in staff_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("teryt", "12190", "Kod TERYT ma dokładnie 7 cyfr."),
        ("teryt", "2219063", "Kod TERYT w tym województwie zaczyna się od 12."),
        ("teryt", "1219061", "Dla rodzaju „Gmina miejsko-wiejska” ostatnia cyfra kodu TERYT to 3; ten kod kończy się na 1."),
        ("slug", "api", "Ten adres jest zarezerwowany dla stron serwisu."),
        ("slug", "staff", "Ten adres jest zarezerwowany dla stron serwisu."),
        ("slug", "Wieliczka!", "Użyj małych liter, cyfr i łączników (2–63 znaki)."),
        ("population", "-5", "Liczba mieszkańców musi być dodatnia."),
    ],
)
def test_invalid_municipality_is_refused_with_a_message(staff_client, session, field, value, message):
    response = staff_client.post("/staff/municipalities/new", data={**NEW_MUNICIPALITY, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert municipality_by_slug("wieliczka") is None
    assert session.query(Municipality).filter_by(name="Gmina Wieliczka").count() == 0


def test_duplicate_slug_and_teryt_are_refused(staff_client, session):
    make_municipality(session, slug="wieliczka", teryt="1219063", voivodeship=Voivodeship.MALOPOLSKIE)
    session.commit()
    page = staff_client.post("/staff/municipalities/new", data=NEW_MUNICIPALITY).get_data(as_text=True)
    assert "Inna gmina używa już tego adresu." in page
    assert "Inna gmina ma już ten kod TERYT." in page


def test_admin_edits_contact_details_but_not_register_data(client, session):
    municipality = make_municipality(session, slug="puck", name="Gmina Miasta Puck", population=11_000)
    admin = make_official(session, municipality, Role.ADMIN)
    session.commit()
    login(client, admin)
    form = {**NEW_MUNICIPALITY, "name": "Hacked", "slug": "hacked", "population": "1", "contact_email": "urzad@puck.example.org"}
    assert client.post("/puck/office/profile", data=form).status_code == 302
    session.expire_all()
    municipality = municipality_by_slug("puck")
    assert (municipality.name, municipality.population, municipality.contact_email) == (
        "Gmina Miasta Puck", 11_000, "urzad@puck.example.org",
    )


def test_other_officials_cannot_edit_the_profile(client, session):
    municipality = make_municipality(session)
    login(client, make_official(session, municipality, Role.EVALUATOR))
    session.commit()
    assert client.get(f"/{municipality.slug}/office/profile").status_code == 403


def test_non_staff_cannot_create_municipalities(client, session):
    login(client, make_official(session, make_municipality(session), Role.ADMIN))
    session.commit()
    assert client.get("/staff/municipalities/new").status_code == 403
    assert client.post("/staff/municipalities/new", data=NEW_MUNICIPALITY).status_code == 403
    assert municipality_by_slug("wieliczka") is None


def test_teryt_rules():
    assert teryt_problems("2261011", Voivodeship.POMORSKIE, MunicipalityKind.CITY_WITH_POWIAT_RIGHTS) == []
    assert teryt_problems("1465011", Voivodeship.MAZOWIECKIE, MunicipalityKind.CITY_WITH_POWIAT_RIGHTS) == []
    assert teryt_problems("0414054", Voivodeship.KUJAWSKO_POMORSKIE, MunicipalityKind.URBAN_RURAL) == [
        "For the kind “Urban-rural municipality” the last TERYT digit is 3; this code ends in 4."
    ]


def test_municipality_home_page(client, session):
    make_municipality(session, slug="hel", name="Gmina Hel", contact_email="bo@hel.example.org")
    session.commit()
    page = client.get("/hel/").get_data(as_text=True)
    assert "<h1 class=\"hero__title\">Gmina Hel</h1>" in page
    assert "bo@hel.example.org" in page
    assert client.get("/no-such-place/").status_code == 404


def test_api_lists_municipalities_with_public_fields(client, session):
    make_municipality(session, slug="hel", name="Gmina Hel", teryt="2211011", population=3_400)
    admin = make_official(session, make_municipality(session, slug="jastarnia"), Role.ADMIN)
    session.commit()
    listing = client.get("/api/v1/municipalities").get_json()
    assert [m["slug"] for m in listing] == ["hel", "jastarnia"]
    detail = client.get("/api/v1/municipalities/hel").get_json()
    assert detail == {
        "slug": "hel", "name": "Gmina Hel", "teryt": "2211011", "voivodeship": "pomorskie",
        "voivodeship_code": "22", "kind": "city_with_powiat_rights", "population": 3400,
        "default_locale": "pl", "website": "", "contact_email": "", "accessibility_coordinator_email": "",
    }
    assert admin.email not in client.get("/api/v1/municipalities/jastarnia").get_data(as_text=True)


def test_api_errors_are_json(client, session):
    response = client.get("/api/v1/municipalities/nowhere")
    assert response.status_code == 404
    assert response.get_json() == {"code": 404, "status": "Not Found", "message": "Nie znaleźliśmy tej strony.", "errors": {}}


def test_openapi_document_and_docs_page(client, session):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "pb-service API"
    assert "/api/v1/municipalities/{municipality}" in spec["paths"]
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/municipalities/{municipality}" in page
