"""Residents' data export and account deletion; information clauses where data is collected."""
from __future__ import annotations

import json

from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from pb_service.editions.models import Phase
from pb_service.proposals.models import Proposal, Status, Supporter
from tests.editions_factories import make_edition, make_pool, make_proposal
from tests.factories import PASSWORD, current_code, login, make_municipality, make_official, make_user


def test_export_holds_the_residents_own_data_only(client, session):
    municipality = make_municipality(session)
    pool = make_pool(session, make_edition(session, municipality))
    resident, neighbour = make_user(session, display_name="Zofia"), make_user(session)
    make_proposal(session, pool, resident, title="Moja ławka")
    theirs = make_proposal(session, pool, neighbour, title="Cudzy projekt")
    session.add(Supporter(municipality_id=municipality.id, proposal_id=theirs.id, user_id=resident.id))
    session.commit()
    login(client, resident)
    response = client.get("/account/export.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == resident.email
    assert [p["title"] for p in data["proposals"]] == ["Moja ławka"]
    assert [s["proposal_title"] for s in data["supports"]] == ["Cudzy projekt"]
    assert neighbour.email not in response.get_data(as_text=True)


def test_deleting_an_account_keeps_proposals_by_a_former_resident(client, session):
    municipality = make_municipality(session)
    collecting = make_pool(session, make_edition(session, municipality, Phase.SUBMISSION))
    reviewed = make_pool(session, make_edition(session, municipality, Phase.MERIT_REVIEW))
    resident, neighbour = make_user(session, email="zofia@example.org", display_name="Zofia Nowak"), make_user(session)
    own = make_proposal(session, collecting, resident, title="Moja ławka")
    still_open = make_proposal(session, collecting, neighbour)
    counted = make_proposal(session, reviewed, neighbour, Status.MERIT_REVIEW)
    for proposal in (still_open, counted):
        session.add(Supporter(municipality_id=municipality.id, proposal_id=proposal.id, user_id=resident.id))
    session.commit()
    login(client, resident)

    wrong = client.post("/account/delete", data={"password": "not my password", "code": current_code(resident)})
    assert wrong.status_code == 422 and resident.deleted_at is None
    assert client.post("/account/delete", data={"password": PASSWORD, "code": current_code(resident)}).status_code == 302
    session.expire_all()
    assert resident.deleted_at is not None and resident.email.endswith("@invalid") and resident.display_name == ""
    assert session.get(Proposal, own.id) is not None
    page = client.get(f"/{municipality.slug}/proposals/{own.id}").get_data(as_text=True)
    assert "Były mieszkaniec" in page and "Zofia Nowak" not in page
    supports = session.scalars(tenant_select(Supporter, municipality, Supporter.user_id == resident.id)).all()
    assert [s.proposal_id for s in supports] == [counted.id]
    assert client.post("/account/login", data={"email": "zofia@example.org", "password": PASSWORD}).status_code == 422


def test_officials_cannot_delete_their_account(client, session):
    official = make_official(session, make_municipality(session), Role.CLERK)
    session.commit()
    login(client, official)
    client.post("/account/delete", data={"password": PASSWORD, "code": current_code(official)})
    session.expire_all()
    assert official.deleted_at is None


def test_information_clauses_are_shown_where_data_is_collected(client, session):
    municipality = make_municipality(session, name="Gmina Klauzulowa", contact_address="ul. Rynek 1")
    edition = make_edition(session, municipality)
    pool = make_pool(session, edition)
    proposal = make_proposal(session, pool, make_user(session))
    resident = make_user(session)
    session.commit()
    assert "art. 13 RODO" in client.get("/account/register").get_data(as_text=True)
    clause = client.get(f"/{municipality.slug}/privacy").get_data(as_text=True)
    assert "Gmina Klauzulowa, ul. Rynek 1" in clause and "papierową listę poparcia" in clause
    login(client, resident)
    assert "Gmina Klauzulowa, ul. Rynek 1" in client.get(f"/{municipality.slug}/editions/{edition.id}/proposals/new").get_data(as_text=True)
    assert "Gmina Klauzulowa, ul. Rynek 1" in client.get(f"/{municipality.slug}/proposals/{proposal.id}").get_data(as_text=True)
    english = client.get(f"/{municipality.slug}/privacy", headers={"Accept-Language": "en"})
    assert english.status_code == 200

    municipality.privacy_notice = "## Własna klauzula gminy"
    session.commit()
    assert "Własna klauzula gminy" in client.get(f"/{municipality.slug}/proposals/{proposal.id}").get_data(as_text=True)
