"""Casting ballots through the API: what is accepted, what is refused, and that nothing else is kept."""
from __future__ import annotations

import pytest
from sqlalchemy import func

from pb_service.core.tenancy import cross_tenant_select

from pb_service.editions.models import Identification, Phase, Verification
from pb_service.editions.rule_choices import VotingMethod
from pb_service.voting.models import RegisteredVoter, RejectedAttempt, RejectionReason, VoterRecord
from pb_service.voting.services import receipt_hash
from tests.voting_factories import api_ballot, ballots_in_box, ballots_url, identity, make_voting_edition, pesel, pesel_of


def everywhere(*entities):
    return cross_tenant_select(*entities, reason="test: inspect what voting stored")


def counts(session):
    """Voter records, and ballots in the box (mixed or still sealed)."""
    return session.scalar(everywhere(func.count(VoterRecord.id))), len(ballots_in_box(session))


def rejections(session) -> dict:
    rows = session.execute(everywhere(RejectedAttempt.reason, func.sum(RejectedAttempt.count)).group_by(RejectedAttempt.reason))
    return {RejectionReason(reason): total for reason, total in rows}


def test_a_ballot_is_accepted_once(client, session):
    ve = make_voting_edition(session)
    first = client.post(ballots_url(ve), json=api_ballot(ve))
    assert first.status_code == 201
    receipt = first.get_json()["receipt"]
    assert len(receipt) == 19 and receipt.count("-") == 3
    second = client.post(ballots_url(ve), json=api_ballot(ve))
    assert second.status_code == 409
    assert second.get_json()["message"].startswith("W tej edycji oddano już głos z tymi danymi.")
    assert counts(session) == (1, 1)
    [ballot] = ballots_in_box(session)
    district = ve.districts[0]
    assert ballot["choices"] == {
        str(ve.city_pool.id): {str(ve.city_projects[0].id): 1, str(ve.city_projects[3].id): 1},
        str(district.id): {str(ve.district_projects[district.id][1].id): 1},
    }
    assert ballot["receipt_hash"] == receipt_hash(receipt)
    voter = session.scalar(everywhere(VoterRecord))
    assert (voter.age_band, voter.sex, voter.district_pool_ids) == ("35-44", "M", [district.id])
    assert rejections(session) == {RejectionReason.ALREADY_VOTED: 1}


def test_identity_is_normalised_so_the_same_person_cannot_vote_twice(client, session):
    ve = make_voting_edition(session, identification=Identification.NAME_ADDRESS)
    person = {"first_name": "Łukasz", "last_name": "Żółkiewski", "address": "ul. Długa 5/3", "declaration": True}
    assert client.post(ballots_url(ve), json=api_ballot(ve, identity=person)).status_code == 201
    same = {"first_name": " LUKASZ ", "last_name": "zolkiewski", "address": "Dluga 5 m. 3", "declaration": "yes"}
    assert client.post(ballots_url(ve), json=api_ballot(ve, identity=same)).status_code == 409


@pytest.mark.parametrize(
    "change, status, errors",
    [
        ({"identity": identity(pesel="44051401459")}, 422, {"pesel": ["Ten numer PESEL jest nieprawidłowy (nie zgadza się cyfra kontrolna)."]}),
        ({"identity": identity(pesel=pesel("8513320000"))}, 422, {"pesel": ["Ten numer PESEL nie zawiera możliwej daty urodzenia."]}),
        ({"identity": identity(pesel="123")}, 422, {"pesel": ["Numer PESEL ma 11 cyfr."]}),
        ({"identity": identity(declaration=False)}, 422, {"declaration": ["Potwierdź to oświadczenie, aby zagłosować."]}),
        ({"identity": identity(first_name="")}, 422, {"first_name": ["Wypełnij to pole."]}),
    ],
)
def test_invalid_identity_is_refused_and_nothing_stored(client, session, change, status, errors):
    ve = make_voting_edition(session)
    response = client.post(ballots_url(ve), json=api_ballot(ve, **change))
    assert response.status_code == status
    assert response.get_json()["errors"] == errors
    assert counts(session) == (0, 0)
    assert rejections(session) == {RejectionReason.INVALID_IDENTITY: 1}


def test_children_under_13_need_a_guardian(client, session):
    ve = make_voting_edition(session)
    child = pesel("1532010000")  # born 1 December 2015
    refused = client.post(ballots_url(ve), json=api_ballot(ve, identity=identity(pesel=child)))
    assert refused.get_json()["errors"] == {"guardian_consent": ["Głosujący poniżej 13 lat potrzebuje imienia i nazwiska oraz zgody rodzica lub opiekuna."]}
    with_consent = identity(pesel=child, guardian_name="Maria Nowak", guardian_consent=True)
    assert client.post(ballots_url(ve), json=api_ballot(ve, identity=with_consent)).status_code == 201
    assert session.scalar(everywhere(VoterRecord.age_band)) == "0-12"


def test_invalid_choices_are_refused_per_level(client, session):
    ve = make_voting_edition(session)
    city, district, other_district = ve.city_pool, ve.districts[0], ve.districts[1]
    cases = [
        ({str(city.id): [p.id for p in ve.city_projects]}, {str(ve.city_level_id): ["Wybierz najwyżej 3 projekty."]}),
        ({str(city.id): [ve.district_projects[district.id][0].id]}, {str(ve.city_level_id): ["Niektórych wybranych projektów nie ma na tej karcie."]}),
        ({str(other_district.id): [ve.district_projects[other_district.id][0].id]}, {"": ["Część wyborów dotyczy puli, której nie ma na Twojej karcie."]}),
        ({}, {"": ["Wybierz co najmniej jeden projekt."]}),
        ({str(city.id): "everything"}, {str(ve.city_level_id): ["Nie rozumiemy postaci wyborów."]}),
    ]
    for choices, errors in cases:
        response = client.post(ballots_url(ve), json=api_ballot(ve, choices=choices))
        assert (response.status_code, response.get_json()["errors"]) == (422, errors)
    assert counts(session) == (0, 0)
    assert rejections(session) == {RejectionReason.INVALID_CHOICES: len(cases)}


def test_projects_of_another_edition_or_municipality_are_refused(client, session):
    ve = make_voting_edition(session)
    other = make_voting_edition(session)
    foreign_project = other.city_projects[0].id
    response = client.post(ballots_url(ve), json=api_ballot(ve, choices={str(ve.city_pool.id): [foreign_project]}))
    assert response.get_json()["errors"] == {str(ve.city_level_id): ["Niektórych wybranych projektów nie ma na tej karcie."]}
    response = client.post(ballots_url(ve), json=api_ballot(ve, choices={str(other.city_pool.id): [foreign_project]}))
    assert response.get_json()["errors"] == {"": ["Część wyborów dotyczy puli, której nie ma na Twojej karcie."]}
    assert counts(session) == (0, 0)


def test_points_ballots_krakow_style(client, session):
    ve = make_voting_edition(session, method=VotingMethod.POINTS, level_fields={"min_choices": 0, "max_choices": 3, "points": [3, 2, 1], "must_use_all": True})
    a, b, c, d = (p.id for p in ve.city_projects)
    wrong = client.post(ballots_url(ve), json=api_ballot(ve, choices={str(ve.city_pool.id): {a: 3, b: 3, c: 1}}))
    assert wrong.get_json()["errors"] == {str(ve.city_level_id): ["Każdą z wartości punktów 3, 2, 1 przyznaj najwyżej jednemu projektowi."]}
    short = client.post(ballots_url(ve), json=api_ballot(ve, choices={str(ve.city_pool.id): {a: 3, b: 2}}))
    assert short.get_json()["errors"] == {str(ve.city_level_id): ["Rozdaj wszystkie punkty: 3, 2, 1."]}
    good = client.post(ballots_url(ve), json=api_ballot(ve, choices={str(ve.city_pool.id): {str(a): 3, str(d): 2, str(c): 1}}))
    assert good.status_code == 201
    assert [ballot["choices"] for ballot in ballots_in_box(session)] == [{str(ve.city_pool.id): {str(a): 3, str(d): 2, str(c): 1}}]


def test_cumulative_and_knapsack_ballots(client, session):
    gdansk = make_voting_edition(session, method=VotingMethod.CUMULATIVE, level_fields={"min_choices": 1, "total_points": 5})
    a, b = gdansk.city_projects[0].id, gdansk.city_projects[1].id
    over = client.post(ballots_url(gdansk), json=api_ballot(gdansk, choices={str(gdansk.city_pool.id): {a: 4, b: 2}}))
    assert over.get_json()["errors"] == {str(gdansk.city_level_id): ["Możesz przyznać łącznie najwyżej 5 punktów."]}
    assert client.post(ballots_url(gdansk), json=api_ballot(gdansk, choices={str(gdansk.city_pool.id): {a: 4, b: 1}})).status_code == 201

    knapsack = make_voting_edition(session, method=VotingMethod.KNAPSACK, level_fields={"min_choices": 1})
    city = knapsack.city_pool  # 10 000 zł budget; projects 4 000, 3 500, 3 000, 1 000 zł
    too_much = [p.id for p in knapsack.city_projects[:3]]
    response = client.post(ballots_url(knapsack), json=api_ballot(knapsack, choices={str(city.id): too_much}))
    assert response.get_json()["errors"] == {str(city.level_id): ["Wybrane projekty kosztują więcej niż budżet puli."]}
    fits = [knapsack.city_projects[0].id, knapsack.city_projects[1].id, knapsack.city_projects[3].id]
    assert client.post(ballots_url(knapsack), json=api_ballot(knapsack, choices={str(city.id): fits})).status_code == 201


@pytest.mark.parametrize("phase", [Phase.APPEALS, Phase.RESULTS])
def test_no_ballots_outside_the_voting_phase(client, session, phase):
    ve = make_voting_edition(session, phase=phase)
    response = client.post(ballots_url(ve), json=api_ballot(ve))
    assert response.status_code == 403
    assert response.get_json()["message"].startswith("Głosowanie w tej edycji nie jest teraz otwarte.")
    assert counts(session) == (0, 0)


def test_api_ballots_can_be_switched_off(client, session):
    ve = make_voting_edition(session, api_ballots_enabled=False)
    assert client.post(ballots_url(ve), json=api_ballot(ve)).status_code == 403


def test_malformed_json_is_422(client, session):
    ve = make_voting_edition(session)
    response = client.post(ballots_url(ve), json={"identity": "me", "choices": []})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"identity", "choices"}


def test_identification_describes_the_fields(client, session):
    ve = make_voting_edition(session, identification=Identification.PESEL_LAST4, verification=Verification.SMS_CODE)
    data = client.get(f"/api/v1/municipalities/{ve.municipality.slug}/editions/{ve.edition.id}/identification").get_json()
    assert [f["name"] for f in data["fields"]] == ["pesel_last4", "first_name", "last_name", "address", "declaration", "phone"]
    assert (data["method"], data["verification"]) == ("pesel_last4", "sms_code")
    assert [(level["kind"], level["method"], level["max_choices"]) for level in data["levels"]] == [("city", "approval", 3), ("district", "approval", 3)]
    assert data["levels"][1]["pools"][0]["projects"] == [p.id for p in ve.district_projects[ve.districts[0].id]]


def test_register_of_eligible_voters(app, client, session):
    from pb_service.core.roles import Role
    from tests.factories import login, make_official

    ve = make_voting_edition(session, voter_register_required=True)
    admin = make_official(session, ve.municipality, Role.ADMIN)
    session.commit()
    login(client, admin)
    csv_text = f"pesel;first_name;last_name\n{pesel_of(1)};Anna;Nowak\n{pesel_of(2)};Jan;Kowalski\n"
    from io import BytesIO

    response = client.post(
        f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/register",
        data={"file": (BytesIO(csv_text.encode()), "rejestr.csv")}, content_type="multipart/form-data",
    )
    assert response.status_code == 302
    client.post("/account/logout")
    assert client.post(ballots_url(ve), json=api_ballot(ve, 1)).status_code == 201
    outsider = client.post(ballots_url(ve), json=api_ballot(ve, 3))
    assert (outsider.status_code, outsider.get_json()["errors"]) == (422, {"": ["Nie znaleźliśmy Cię w rejestrze uprawnionych do głosowania w tej edycji. Skontaktuj się z urzędem."]})
    assert session.scalar(everywhere(func.count(RegisteredVoter.id))) == 2
    assert pesel_of(1) not in " ".join(session.scalars(everywhere(RegisteredVoter.identity_hash)))


def test_one_person_whatever_the_digits_through_every_channel(client, session):
    """The attack of the outside test: one PESEL in ASCII, full-width and Arabic-Indic digits, with
    spaces and an invisible character, through the API, the HTML ballot and paper entry."""
    from pb_service.core.roles import Role
    from tests.factories import login, make_official

    ve = make_voting_edition(session)
    clerk = make_official(session, ve.municipality, Role.CLERK)
    session.commit()
    number = pesel_of(42)
    full_width = "".join(chr(0xFF10 + int(d)) for d in number)
    arabic_indic = " ".join(chr(0x660 + int(d)) for d in number)
    assert client.post(ballots_url(ve), json=api_ballot(ve, identity=identity(pesel=number))).status_code == 201
    assert client.post(ballots_url(ve), json=api_ballot(ve, identity=identity(pesel=full_width))).status_code == 409
    assert client.post(ballots_url(ve), json=api_ballot(ve, identity=identity(pesel="\u200b" + arabic_indic))).status_code == 409
    district = ve.districts[0]
    form = {
        f"district-{ve.district_level_id}": str(district.id), f"pool-{ve.city_pool.id}": [str(ve.city_projects[0].id)],
        f"pool-{district.id}": [str(ve.district_projects[district.id][0].id)], "identity-pesel": number[:6] + "-" + number[6:],
        "identity-first_name": "Anna", "identity-last_name": "Nowak", "identity-declaration": "y",
    }
    assert client.post(f"/{ve.municipality.slug}/editions/{ve.edition.id}/vote", data={**form, "action": "confirm"}).status_code == 409
    login(client, clerk)
    paper = client.post(f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/paper", data={**form, "identity-pesel": full_width, "sheet_number": "P-1"})
    assert paper.status_code == 422
    assert counts(session) == (1, 1)
    assert rejections(session) == {RejectionReason.ALREADY_VOTED: 4}
