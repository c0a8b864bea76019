"""A good practice links to an edition of its municipality with published results and shows that
edition's indicators (as analytics stored them at publication) with a link to the municipality's
figures."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pb_service.analytics.implementation import UpdateData, post_update
from pb_service.analytics.models import ImplementationStatus
from pb_service.core.permissions import SYSTEM
from pb_service.core.roles import Role
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Phase
from pb_service.hub.services.practices import PracticeData, practice_editions, propose_practice, review_practice
from pb_service.hub.models import GoodPractice, PracticeKind
from pb_service.hub.services.content import TranslationData
from pb_service.results.services import compute_results, publish_results
from tests.editions_factories import make_edition, make_pool
from tests.factories import login, make_municipality, make_official, make_user
from tests.results_factories import admitted_projects, cast_ballot


@pytest.fixture
def published(session, mailbox):
    """Gmina Przykładowa (2,000 residents), "BO 2025": 1,000 zł, projects of 600, 400 and 300 zł;
    10 voters (A 5, B 3, C 2): greedy funds A and B; A is completed. Plus an edition still voting."""
    town = make_municipality(session, name="Gmina Przykładowa", population=2_000)
    edition = make_edition(session, town, Phase.IMPLEMENTATION, protest_days=1, year=2025, name="BO 2025")
    pool = make_pool(session, edition, budget=1_000_00, max_project_cost=None)
    a, b, c = admitted_projects(session, pool, make_user(session), [600_00, 400_00, 300_00])
    for project, voters in ((a, 5), (b, 3), (c, 2)):
        for _ in range(voters):
            cast_ballot(session, edition, {pool.id: {project.id: 1}})
    voting = make_edition(session, town, Phase.VOTING, year=2026, name="BO 2026")
    session.commit()
    compute_results(town, edition, actor=SYSTEM)
    publish_results(town, edition, actor=SYSTEM, notify=False)
    admin = make_official(session, town, Role.ADMIN)
    post_update(town, a, UpdateData(ImplementationStatus.COMPLETED, 100, actual_cost=600_00, completed_on=date(2026, 5, 1)), actor=admin)
    session.commit()
    return town, edition, voting, admin


def test_a_practice_shows_its_editions_indicators_and_links_to_the_municipality(app, session, client, published):
    town, edition, _, admin = published
    practice = propose_practice(town, PracticeData(PracticeKind.CASE_STUDY, edition_id=edition.id), TranslationData("pl", "Spacery z mieszkańcami"), actor=admin)
    staff = make_user(session, staff=True)
    review_practice(practice, actor=staff, publish=True)

    page = app.test_client().get(f"/hub/practices/{practice.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    aside = page.split('<aside class="panel">')[1].split("</aside>")[0]
    shown = [part.split("</dt><dd>") for part in aside.split("<div><dt>")[1:]]
    assert [(label, value.split("</dd>")[0]) for label, value in shown] == [
        ("Budget", "PLN\xa01,000.00"), ("Budget per resident", "PLN\xa00.50"), ("Proposals submitted", "3"), ("Proposals admitted", "3"),
        ("Projects on the ballot", "3"), ("Voters", "10"), ("Turnout", "0.5%"), ("Funded projects", "2"),
        ("Share of the budget funded", "100.0%"), ("Completion rate", "50.0%"),
    ]
    assert f'<a href="/{town.slug}/editions/{edition.id}/results/">BO 2025</a>' in aside
    assert f'<a href="/open-data/municipalities/{town.slug}">Gmina Przykładowa in numbers' in aside
    assert client.get(f"/open-data/municipalities/{town.slug}").status_code == 200


def test_only_the_municipalitys_editions_with_published_results_can_be_linked(session, in_request, published):
    town, edition, voting, admin = published
    other = make_municipality(session)
    elsewhere = make_edition(session, other, Phase.IMPLEMENTATION, year=2025)
    assert practice_editions(town) == [edition]
    for edition_id in (voting.id, elsewhere.id, 999_999):
        with pytest.raises(ServiceValidationError) as error:
            propose_practice(town, PracticeData(PracticeKind.CASE_STUDY, edition_id=edition_id), TranslationData("pl", "X"), actor=admin)
        assert error.value.errors == {"edition_id": ["Choose an edition of this municipality with published results."]}
    assert session.scalar(select(GoodPractice.id)) is None


def test_staff_choose_the_edition_by_municipality_and_name(session, client, published):
    town, edition, voting, admin = published
    practice = propose_practice(town, PracticeData(PracticeKind.CASE_STUDY), TranslationData("pl", "Szkoła budżetu"), actor=admin)
    staff = make_user(session, staff=True)
    session.commit()
    login(client, staff)
    form = client.get(f"/hub/manage/practices/{practice.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    select_html = form.split('name="edition_id"')[1].split("</select>")[0]
    assert [option.split(">")[1].split("<")[0] for option in select_html.split("<option")[1:]] == [
        "Not linked to an edition", "Gmina Przykładowa: BO 2025",
    ]
    data = {"kind": "case_study", "pilot_status": "", "title": "Szkoła budżetu", "summary": "", "body": "Opis.", "submit": "Save"}
    refused = client.post(f"/hub/manage/practices/{practice.id}?lang=pl", data={**data, "edition_id": str(voting.id)}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "Choose an edition of this municipality with published results." in refused.get_data(as_text=True)
    session.refresh(practice)
    assert practice.edition_id is None
    saved = client.post(f"/hub/manage/practices/{practice.id}?lang=pl", data={**data, "edition_id": str(edition.id)})
    assert saved.status_code == 302
    session.refresh(practice)
    assert practice.edition_id == edition.id
    again = client.get(f"/hub/manage/practices/{practice.id}").get_data(as_text=True)
    assert f'<option selected value="{edition.id}">' in again
