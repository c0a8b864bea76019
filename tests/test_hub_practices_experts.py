"""Good practices (officials propose, staff publish), ask an expert, reminders, completion."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pb_service.core.jobs.queue import enqueue
from pb_service.core.permissions import PermissionDenied
from pb_service.core.roles import Role
from pb_service.core.validation import ServiceValidationError
from pb_service.hub.services.courses import completed_lesson_ids, completion_by_municipality, mark_lesson_done
from pb_service.hub.services.experts import ExpertData, QuestionData, answer_question, ask_expert, assign_question, publish_answer, save_expert
from pb_service.hub.services.practices import PracticeData, propose_practice, review_practice
from pb_service.hub.models import (
    Expert,
    GoodPractice,
    MaterialKind,
    PilotStatus,
    PracticeKind,
    PracticeStatus,
    QuestionStatus,
    RegistrationStatus,
    Topic,
    Visibility,
)
from pb_service.hub.services.content import TranslationData
from tests.editions_factories import make_edition
from tests.factories import login, make_municipality, make_official, make_user
from tests.hub_factories import make_course, make_event, make_registration, subject


def test_official_proposes_and_staff_publish_a_practice(app, client, session):
    municipality = make_municipality(session)
    official = make_official(session, municipality, Role.ADMIN)
    staff = make_user(session, staff=True)
    session.commit()
    login(client, official)
    response = client.post(f"/{municipality.slug}/office/hub/practices/new", data={
        "kind": "pilot_project", "pilot_status": "running", "title": "Budżet dla seniorów", "summary": "Pula dla osób 60+.",
        "body": "Opis pilotażu.", "submit": "Save",
    })
    assert response.status_code == 302
    practice = session.scalar(select(GoodPractice))
    assert (practice.status, practice.kind, practice.pilot_status, practice.municipality_id) == (
        PracticeStatus.PROPOSED, PracticeKind.PILOT_PROJECT, PilotStatus.RUNNING, municipality.id)
    assert client.get("/hub/practices").get_data(as_text=True).count("Budżet dla seniorów") == 0
    assert app.test_client().get(f"/hub/practices/{practice.id}").status_code == 404

    review_practice(practice, actor=staff, publish=True, note="Dziękujemy!")
    assert "Budżet dla seniorów" in app.test_client().get("/hub/practices").get_data(as_text=True)


def test_a_pilot_project_needs_its_stage(session, in_request):
    municipality = make_municipality(session)
    official = make_official(session, municipality, Role.ADMIN)
    with pytest.raises(ServiceValidationError) as error:
        propose_practice(municipality, PracticeData(PracticeKind.PILOT_PROJECT), TranslationData("pl", "Pilotaż"), actor=official)
    assert list(error.value.errors) == ["pilot_status"]


def test_another_municipality_cannot_propose_for_this_one(session, in_request):
    municipality, other = make_municipality(session), make_municipality(session)
    stranger = make_official(session, other, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        propose_practice(municipality, PracticeData(PracticeKind.CASE_STUDY), TranslationData("pl", "X"), actor=stranger)


def test_ask_assign_answer_and_publish_with_consent(session, mailbox, in_request):
    municipality = make_municipality(session)
    official = make_official(session, municipality, Role.EVALUATOR, email="pytajacy@example.org", locale="en")
    staff = make_user(session, staff=True)
    expert = save_expert(None, ExpertData("dr Anna Ekspert", "Badaczka partycypacji.", [Topic.PARTICIPATORY_BUDGETING], email="ekspert@example.org"), actor=staff)
    question = ask_expert(municipality, QuestionData(
        Topic.PARTICIPATORY_BUDGETING, "Próg poparcia", "Czy możemy wymagać 20 podpisów poparcia dla projektu osiedlowego?",
        language="pl", consent_to_publish=True), actor=official)

    assign_question(question, expert, actor=staff)
    session.commit()  # the boundary: the mail leaves with the commit
    assert [subject(m) for m in mailbox.to("ekspert@example.org")] == ["Pytanie do Ciebie: Próg poparcia"]
    answer_question(question, "Tak, jeśli nie przekracza 0,1% mieszkańców obszaru (art. 5a ust. 7).", actor=staff)
    session.commit()
    assert question.status is QuestionStatus.ANSWERED
    [answer_mail] = mailbox.to("pytajacy@example.org")
    assert subject(answer_mail) == "The expert has answered: Próg poparcia"
    assert "0,1% mieszkańców" in mailbox.body(answer_mail)

    material = publish_answer(question, Visibility.OFFICIALS, actor=staff)
    assert (material.kind, material.is_published, material.visibility) == (MaterialKind.QA, True, Visibility.OFFICIALS)
    body = material.translation("pl").body
    assert "## Pytanie" in body and "## Odpowiedź (dr Anna Ekspert)" in body and official.display_name not in body
    with pytest.raises(ServiceValidationError):
        publish_answer(question, Visibility.PUBLIC, actor=staff)


def test_an_answer_without_consent_is_not_published(session, in_request):
    municipality = make_municipality(session)
    official = make_official(session, municipality, Role.ADMIN)
    staff = make_user(session, staff=True)
    expert = session.merge(Expert(name="E"))
    question = ask_expert(municipality, QuestionData(Topic.AGEING, "Seniorzy", "Jak dotrzeć do seniorów z głosowaniem?"), actor=official)
    assign_question(question, expert, actor=staff)
    answer_question(question, "Punkty do głosowania w klubach seniora.", actor=staff)
    with pytest.raises(ServiceValidationError) as error:
        publish_answer(question, Visibility.PUBLIC, actor=staff)
    assert error.value.errors == {"": ["The person who asked did not agree to publication."]}


def test_a_question_concerns_an_edition_of_its_own_municipality_only(client, session, in_request):
    municipality, other = make_municipality(session), make_municipality(session)
    official = make_official(session, municipality, Role.ADMIN)
    own, foreign = make_edition(session, municipality, name="BO 2027"), make_edition(session, other, name="BO obcy")
    body = "Jak zorganizować głosowanie w domach pomocy społecznej?"
    with pytest.raises(ServiceValidationError) as refused:
        ask_expert(municipality, QuestionData(Topic.AGEING, "DPS", body, edition_id=foreign.id), actor=official)
    assert refused.value.errors == {"edition_id": ["Choose one of your municipality's editions."]}
    question = ask_expert(municipality, QuestionData(Topic.AGEING, "DPS", body, edition_id=own.id), actor=official)
    assert question.edition.name == "BO 2027"
    # The database refuses it too, whatever code writes the row.
    with pytest.raises(IntegrityError), session.begin_nested():
        question.edition_id = foreign.id
        session.flush()

    login(client, official)
    form = client.get(f"/{municipality.slug}/office/hub/questions/new").get_data(as_text=True)
    assert f'<option value="{own.id}">BO 2027</option>' in form and "BO obcy" not in form


def test_reminders_go_once_to_confirmed_participants_of_events_within_48_hours(app, session, mailbox):
    soon, later = make_event(session, starts_in=timedelta(hours=20), title="Jutro"), make_event(session, starts_in=timedelta(days=5))
    confirmed, waiting = make_user(session, locale="pl"), make_user(session)
    make_registration(session, soon, confirmed)
    make_registration(session, soon, waiting, status=RegistrationStatus.WAITING)
    make_registration(session, later, waiting)
    session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["pb", "hub", "send-reminders"]).output == "Reminders sent: 1\n"
    assert runner.invoke(args=["pb", "hub", "send-reminders"]).output == "Reminders sent: 0\n"
    assert [(m["To"], subject(m)) for m in mailbox.messages] == [(confirmed.email, "Przypomnienie: Jutro")]


def test_the_hourly_job_sends_the_reminders_the_command_sends(app, session, mailbox):
    soon = make_event(session, starts_in=timedelta(hours=20), title="Jutro")
    confirmed = make_user(session, locale="pl")
    make_registration(session, soon, confirmed)
    session.commit()
    # No broker: each job runs in-process once the transaction that queued it commits.
    for _ in range(2):
        enqueue("hub_reminders")
        session.commit()
    assert [(m["To"], subject(m)) for m in mailbox.messages] == [(confirmed.email, "Przypomnienie: Jutro")]


def test_completion_per_municipality(session, in_request):
    gdansk, krakow = make_municipality(session, name="Gdańsk"), make_municipality(session, name="Kraków")
    staff = make_user(session, staff=True)
    course = make_course(session, lessons=2)
    done_all, done_one, idle = make_official(session, gdansk), make_official(session, gdansk), make_official(session, krakow, Role.CLERK)
    for lesson in course.lessons:
        mark_lesson_done(lesson, actor=done_all)
    mark_lesson_done(course.lessons[0], actor=done_one)
    mark_lesson_done(course.lessons[0], actor=done_one)
    rows = [(r.municipality_name, r.officials, r.started, r.completed) for r in completion_by_municipality(course, actor=staff)]
    assert rows == [("Gdańsk", 2, 2, 1), ("Kraków", 1, 0, 0)]
    assert completed_lesson_ids(done_one, course) == {course.lessons[0].id}
    assert completed_lesson_ids(idle, course) == set()
