"""The issue's judged journey, through the web pages as people use them, with real mail."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from pb_service.editions.models import Phase
from pb_service.proposals.models import AttachmentKind, Proposal, Stage, Status
from tests.editions_factories import PDF_BYTES, PNG_BYTES, make_category, make_edition, make_pool
from tests.factories import PASSWORD, login, make_municipality, make_official, make_user


def subjects(mailbox, address) -> list[str]:
    # Long non-ASCII subjects arrive folded; the parsed header keeps the fold's leading space.
    return [str(message["Subject"]).strip() for message in mailbox.to(address)]


def _register_and_sign_in(client, mailbox, email="nowa.mieszkanka@example.org"):
    response = client.post("/account/register", data={
        "display_name": "Nowa Mieszkanka", "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
    })
    assert response.status_code == 200
    link = re.search(r"http://localhost(/account/confirm/\S+)", mailbox.body(mailbox.to(email)[-1])).group(1)
    assert client.get(link).status_code == 302
    assert client.post("/account/login", data={"email": email, "password": PASSWORD}).status_code == 302


def _advance(client, slug, edition, reason="Harmonogram przyspieszony uchwałą."):
    response = client.post(f"/{slug}/office/editions/{edition.id}/advance", data={"reason": reason})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_submit_reject_appeal_admit_then_on_the_ballot(app, session, mailbox):
    city = make_municipality(session, slug="sopot-test", name="Gmina Sopot Testowa")
    edition = make_edition(session, city, Phase.SUBMISSION)
    pool = make_pool(session, edition, name="Dolny Sopot", required_supporters=3, max_project_cost=300_000_00)
    category = make_category(session, edition, "Zieleń")
    admin = make_official(session, city, Role.ADMIN, email="panel@example.org")
    evaluator = make_official(session, city, Role.EVALUATOR, email="oceniajacy@example.org")
    neighbour = make_user(session, email="sasiad@example.org")
    session.commit()
    resident = app.test_client()
    _register_and_sign_in(resident, mailbox)

    # The resident drafts the proposal with cost items that add up, in Polish notation.
    response = resident.post(f"/{city.slug}/editions/{edition.id}/proposals/new", data={
        "title": "Łąka kwietna przy molo", "pool_id": pool.id, "category_id": category.id,
        "summary": "Łąka kwietna zamiast trawnika.", "description": "## Cel\n\nWięcej **zapylaczy**.",
        "location": "ul. Bohaterów Monte Cassino", "latitude": "54.441", "longitude": "18.570",
        "accessibility": "Ścieżka utwardzona, dostępna dla wózków.", "estimated_cost": "120 000,50",
        "cost_items-0-description": "Projekt", "cost_items-0-amount": "20 000,50",
        "cost_items-1-description": "Nasiona i prace", "cost_items-1-amount": "100000",
    })
    assert response.status_code == 302
    proposal = session.scalar(tenant_select(Proposal, city))
    assert (proposal.status, proposal.estimated_cost, [i.amount for i in proposal.cost_items]) == (Status.DRAFT, 12_000_050, [2_000_050, 10_000_000])

    # An attachment (a real PDF), and the paper list of supporters with its count.
    response = resident.post(f"/{city.slug}/proposals/{proposal.id}/attachments", data={"file": (io.BytesIO(PDF_BYTES), "mapa.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    response = resident.post(f"/{city.slug}/proposals/{proposal.id}/supporters/paper", data={"count": "2", "scan": (io.BytesIO(PNG_BYTES), "lista.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    session.expire_all()
    assert sorted((a.kind, a.content_type) for a in proposal.attachments) == [(AttachmentKind.DOCUMENT, "application/pdf"), (AttachmentKind.SUPPORTERS_LIST, "image/png")]
    assert proposal.paper_supporters == 2

    mailbox.clear()
    assert resident.post(f"/{city.slug}/proposals/{proposal.id}/submit").status_code == 302
    session.expire_all()
    assert (proposal.status, proposal.number) == (Status.SUBMITTED, 1)
    assert subjects(mailbox, "nowa.mieszkanka@example.org") == ["Projekt nr 1 „Łąka kwietna przy molo”: Zgłoszony, czeka na weryfikację formalną"]

    # A neighbour supports it online: 2 on paper + 1 online = the 3 the pool requires.
    supporter = app.test_client()
    login(supporter, neighbour)
    assert supporter.post(f"/{city.slug}/proposals/{proposal.id}/support").status_code == 302
    session.expire_all()
    assert proposal.supporter_count == 3

    # Anonymous visitors see the PDF but not the supporters list.
    anonymous = app.test_client()
    files = {a.kind: a.id for a in proposal.attachments}
    pdf = anonymous.get(f"/{city.slug}/proposals/{proposal.id}/attachments/{files[AttachmentKind.DOCUMENT]}")
    assert (pdf.status_code, pdf.data) == (200, PDF_BYTES)
    assert anonymous.get(f"/{city.slug}/proposals/{proposal.id}/attachments/{files[AttachmentKind.SUPPORTERS_LIST]}").status_code == 404

    panel = app.test_client()
    login(panel, admin)
    _advance(panel, city.slug, edition)
    reviewer = app.test_client()
    login(reviewer, evaluator)
    response = reviewer.post(f"/{city.slug}/office/review/{proposal.id}/formal", data={
        "checklist": ["complete", "pool_eligible", "cost_limits", "supporters", "accessibility"], "decision": "admit",
        "justification": "Wniosek jest kompletny i ma wymagane poparcie.",
    })
    assert response.status_code == 302
    _advance(panel, city.slug, edition)

    mailbox.clear()
    rejection = "Teren należy do Skarbu Państwa, a nie do gminy."
    response = reviewer.post(f"/{city.slug}/office/review/{proposal.id}/merit", data={"decision": "reject", "justification": rejection})
    assert response.status_code == 302
    session.expire_all()
    assert proposal.status is Status.REJECTED
    assert subjects(mailbox, "nowa.mieszkanka@example.org") == ["Projekt nr 1 „Łąka kwietna przy molo”: Odrzucony"]
    [mail] = mailbox.to("nowa.mieszkanka@example.org")
    assert rejection in mailbox.body(mail)

    # The author sees the decision with its justification, and appeals.
    page = resident.get(f"/{city.slug}/proposals/{proposal.id}").get_data(as_text=True)
    assert rejection in page and "Odwołaj się od decyzji" in page
    mailbox.clear()
    response = resident.post(f"/{city.slug}/proposals/{proposal.id}/appeal", data={"grounds": "Według księgi wieczystej działka jest gminna."})
    assert response.status_code == 302
    session.expire_all()
    assert proposal.status is Status.APPEALED
    assert subjects(mailbox, "nowa.mieszkanka@example.org") == ["Projekt nr 1 „Łąka kwietna przy molo”: Odwołanie w rozpatrzeniu"]

    _advance(panel, city.slug, edition)
    mailbox.clear()
    response = panel.post(f"/{city.slug}/office/review/{proposal.id}/appeal", data={"outcome": "upheld", "justification": "Działka jest gminna według księgi wieczystej."})
    assert response.status_code == 302
    session.expire_all()
    assert proposal.status is Status.ADMITTED
    assert [(e.stage, e.to_status) for e in proposal.events] == [
        (Stage.AUTHOR, Status.SUBMITTED), (Stage.FORMAL, Status.MERIT_REVIEW), (Stage.MERIT, Status.REJECTED),
        (Stage.AUTHOR, Status.APPEALED), (Stage.APPEAL, Status.ADMITTED),
    ]
    assert subjects(mailbox, "nowa.mieszkanka@example.org") == ["Projekt nr 1 „Łąka kwietna przy molo”: Dopuszczony do głosowania"]
    office = panel.get(f"/{city.slug}/office/review/{proposal.id}").get_data(as_text=True)
    assert "Odwołanie uwzględnione: co dalej" in office
    assert "każdy dopuszczony projekt trafia na kartę do głosowania z początkiem głosowania (" in office

    # Voting starts: the project is on the ballot list, on the page and in the API alike.
    _advance(panel, city.slug, edition)
    catalogue = anonymous.get(f"/{city.slug}/editions/{edition.id}/projects").get_data(as_text=True)
    assert "Łąka kwietna przy molo" in catalogue and "Na karcie do głosowania" in catalogue
    projects = anonymous.get(f"/api/v1/municipalities/{city.slug}/editions/{edition.id}/projects").get_json()
    assert projects == [{
        "id": proposal.id, "number": 1, "title": "Łąka kwietna przy molo", "summary": "Łąka kwietna zamiast trawnika.",
        "pool_id": pool.id, "category": "Zieleń", "category_id": category.id, "cost": 12_000_050, "status": "admitted",
        "location": "ul. Bohaterów Monte Cassino", "latitude": 54.441, "longitude": 18.57,
    }]
    assert session.scalar(select(Proposal.status).where(Proposal.id == proposal.id).execution_options(pb_cross_tenant_reason="test")) is Status.ADMITTED
