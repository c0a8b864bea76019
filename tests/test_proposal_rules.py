"""Phase rules and bad input: each gets a clear message, and nothing changes."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pb_service.core.models import utcnow
from pb_service.core.roles import Role
from pb_service.core.tenancy import scoped_to
from pb_service.editions.models import Phase
from pb_service.proposals.models import Attachment, Proposal, Status
from tests.editions_factories import EXE_BYTES, make_edition, make_pool, make_proposal
from tests.factories import login, make_municipality, make_official, make_user


def _proposal_count(session, tenant) -> int:
    return session.scalar(scoped_to(select(func.count(Proposal.id)), tenant))


def _valid_form(pool, **changes) -> dict:
    data = {
        "title": "Ławki przy stawie", "pool_id": pool.id, "summary": "Pięć ławek.", "description": "Ławki z oparciami.",
        "location": "Park Oliwski", "accessibility": "Dojście utwardzone.", "estimated_cost": "10 000",
        "cost_items-0-description": "Ławki", "cost_items-0-amount": "10 000",
    }
    data.update(changes)
    return data


@pytest.fixture
def city(session):
    return make_municipality(session, slug="gmina-zasady", name="Gmina Zasady")


@pytest.fixture
def resident(app, session):
    user = make_user(session, email="autor@example.org")
    session.commit()
    client = app.test_client()
    login(client, user)
    client.user = user
    return client


BAD_INPUTS = [
    ({"title": "Ł" * 151}, "Skróć to do 150 znaków (teraz 151)."),
    ({"cost_items-0-amount": "-500"}, "Wiersz 1, Kwota (zł): Kwota nie może być ujemna."),
    ({"cost_items-0-amount": "dużo"}, "Wiersz 1, Kwota (zł): Podaj kwotę jako liczbę złotych, np. 1 234,50."),
    ({"estimated_cost": "abc"}, "Podaj kwotę jako liczbę złotych, np. 1 234,50."),
    ({"estimated_cost": "12 000"}, "Pozycje kosztorysu sumują się do 10 000,00 zł, a szacunek wynosi 12 000,00 zł. Wyrównaj je."),
    ({"description": "Ładny <script>alert(1)</script> projekt"}, "HTML jest tu niedozwolony; użyj formatowania Markdown. Usuń: &lt;script&gt; &lt;/script&gt;"),
]


@pytest.mark.parametrize("changes, message", BAD_INPUTS)
def test_bad_proposal_input_is_refused_with_a_message(session, city, resident, changes, message):
    edition = make_edition(session, city, Phase.SUBMISSION)
    pool = make_pool(session, edition)
    session.commit()
    response = resident.post(f"/{city.slug}/editions/{edition.id}/proposals/new", data=_valid_form(pool, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("\xa0", " ")
    assert _proposal_count(session, city) == 0


def test_pool_of_another_edition_or_municipality_is_refused(session, city, resident):
    edition = make_edition(session, city, Phase.SUBMISSION)
    make_pool(session, edition)
    other_edition_pool = make_pool(session, make_edition(session, city, Phase.SUBMISSION))
    elsewhere = make_municipality(session, slug="gmina-obca")
    foreign_pool = make_pool(session, make_edition(session, elsewhere, Phase.SUBMISSION))
    session.commit()
    for pool in (other_edition_pool, foreign_pool):
        response = resident.post(f"/{city.slug}/editions/{edition.id}/proposals/new", data=_valid_form(pool))
        assert response.status_code == 422
        assert "Wybierz pulę tej edycji." in response.get_data(as_text=True)
    assert _proposal_count(session, city) == 0


def test_the_database_refuses_a_pool_of_another_edition(session, city):
    author = make_user(session)
    pool = make_pool(session, make_edition(session, city))
    other_edition = make_edition(session, city)
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            make_proposal(session, pool, author, edition_id=other_edition.id)


def test_an_executable_named_pdf_is_refused(session, city, resident):
    edition = make_edition(session, city, Phase.SUBMISSION)
    proposal = make_proposal(session, make_pool(session, edition), resident.user, Status.DRAFT)
    session.commit()
    response = resident.post(
        f"/{city.slug}/proposals/{proposal.id}/attachments", data={"file": (io.BytesIO(EXE_BYTES), "kosztorys.pdf")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    # The edit page again (no redirect): the message in the error summary, linked to the field, and next to it.
    assert response.status_code == 422
    assert re.search(r'<a href="#file">Plik: Ten plik nie jest prawdziwym plikiem JPEG, PNG, WEBP, PDF', page)
    assert re.search(r'<p class="field-error" id="file-error"><span class="visually-hidden">Błąd:</span> Ten plik nie jest prawdziwym plikiem', page)
    assert 'aria-describedby="file-hint file-error"' in page
    assert session.scalar(scoped_to(select(func.count(Attachment.id)), city)) == 0


def test_an_unknown_co_author_is_shown_at_the_field_with_the_input_kept(session, city, resident):
    edition = make_edition(session, city, Phase.SUBMISSION)
    proposal = make_proposal(session, make_pool(session, edition), resident.user, Status.DRAFT, title="Ławki w parku")
    session.commit()
    response = resident.post(f"/{city.slug}/proposals/{proposal.id}/coauthors", data={"email": "nikt@example.org"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a href="#email">Adres e-mail współautora: Nikt nie ma konta z tym adresem e-mail.' in page
    assert 'value="nikt@example.org"' in page
    # The proposal's own form shows the saved proposal, not the co-author form's fields.
    assert 'value="Ławki w parku"' in page


def test_no_submission_after_the_deadline(session, city, resident):
    edition = make_edition(session, city, Phase.FORMAL_REVIEW)
    pool = make_pool(session, edition)
    session.commit()
    response = resident.post(f"/{city.slug}/editions/{edition.id}/proposals/new", data=_valid_form(pool))
    assert response.status_code == 422
    assert (
        "Zgłaszanie projektów jest możliwe tylko w tej fazie edycji: Nabór projektów. "
        "Edycja jest teraz w fazie: Weryfikacja formalna."
    ) in response.get_data(as_text=True)
    assert _proposal_count(session, city) == 0


def test_no_appeal_after_its_window(session, city, resident):
    edition = make_edition(session, city, Phase.MERIT_REVIEW)
    proposal = make_proposal(session, make_pool(session, edition), resident.user, Status.MERIT_REVIEW)
    evaluator = make_official(session, city, Role.EVALUATOR)
    session.commit()
    reviewer = resident.application.test_client()
    login(reviewer, evaluator)
    reviewer.post(f"/{city.slug}/office/review/{proposal.id}/merit", data={"decision": "reject", "justification": "Poza kompetencjami gminy."})
    session.expire_all()
    assert proposal.status is Status.REJECTED
    proposal.deadline = utcnow() - timedelta(minutes=1)
    session.commit()
    response = resident.post(f"/{city.slug}/proposals/{proposal.id}/appeal", data={"grounds": "Gmina może to zrobić."})
    assert response.status_code == 422
    assert "Termin na odwołanie minął." in response.get_data(as_text=True)
    session.expire_all()
    assert (proposal.status, len(proposal.events)) == (Status.REJECTED, 1)


def test_no_setting_change_after_voting_starts(app, session, city):
    edition = make_edition(session, city, Phase.VOTING)
    pool = make_pool(session, edition)
    admin = make_official(session, city, Role.ADMIN)
    session.commit()
    client = app.test_client()
    login(client, admin)
    response = client.post(f"/{city.slug}/office/editions/{edition.id}/settings", data={
        "identification": "pesel", "outcome_rule": "equalshares", "tie_break": "lottery",
        "ballot_order": "lot", "leftover_policy": "stays", "leftover_pool_id": "",
    })
    assert response.status_code == 422
    assert "Głosowanie się rozpoczęło, więc ustawienia głosowania, poziomy i pule edycji nie mogą się już zmienić." in response.get_data(as_text=True)
    response = client.post(f"/{city.slug}/office/editions/{edition.id}/pools/{pool.id}/edit", data={
        "name": "Nowa nazwa", "level_id": pool.level_id, "budget": "1", "required_supporters": "0", "min_votes": "0",
    })
    assert response.status_code == 422
    session.expire_all()
    assert (edition.outcome_rule, edition.tie_break, pool.name, pool.budget) == ("greedy", "cheaper-first", pool.name, 1_000_000_00)
    assert pool.name != "Nowa nazwa"


def test_a_rule_needing_approval_ballots_is_refused_for_points(app, session, city):
    from pb_service.editions.rule_choices import VotingMethod
    from tests.editions_factories import make_level

    edition = make_edition(session, city, Phase.SUBMISSION)
    make_level(session, edition, name="Dzielnice", method=VotingMethod.POINTS, points=[3, 2, 1])
    admin = make_official(session, city, Role.ADMIN)
    session.commit()
    client = app.test_client()
    login(client, admin)
    response = client.post(f"/{city.slug}/office/editions/{edition.id}/settings", data={
        "identification": "name_address", "outcome_rule": "phragmen", "tie_break": "cheaper-first",
        "ballot_order": "random_per_voter", "leftover_policy": "stays", "leftover_pool_id": "",
    })
    assert "Reguła „phragmen” wymaga głosowania aprobującego, a na poziomie „Dzielnice” głosuje się tak: Punkty według miejsca (np. 3, 2, 1)." in response.get_data(as_text=True)
    session.expire_all()
    assert edition.outcome_rule == "greedy"
