"""The issue's story end to end, through the web pages: staff publish a course with a PDF in three
languages; an official finds it by a word of its body, completes it, and gets a place at a full
event when someone cancels, with the mails arriving."""
from __future__ import annotations

import io

from sqlalchemy import select

from pb_service.core.roles import Role
from pb_service.hub.models import EventRegistration, Material, MaterialKind, RegistrationStatus
from tests.factories import login, make_municipality, make_official, make_user
from tests.hub_factories import PDF_BYTES, make_event, make_registration, subject

COURSE_TEXT = {
    "pl": ("Kurs: harmonogram edycji", "Każda edycja zaczyna się od harmonogramu uchwalonego przez radę gminy."),
    "en": ("Course: the edition's timetable", "Every edition starts with a timetable adopted by the council."),
    "uk": ("Курс: графік видання", "Кожне видання починається з графіка, ухваленого радою."),
}


def _staff_publishes_course(client, session) -> Material:
    text_pl = COURSE_TEXT["pl"]
    response = client.post("/hub/manage/materials/new", data={
        "kind": "course", "visibility": "officials", "audiences": ["officials"], "topics": ["participatory_budgeting"],
        "original_language": "pl", "title": text_pl[0], "body": text_pl[1], "submit": "Save",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    course = session.scalar(select(Material).where(Material.kind == MaterialKind.COURSE))
    for language in ("en", "uk"):
        title, body = COURSE_TEXT[language]
        response = client.post(f"/hub/manage/materials/{course.id}/edit?lang={language}", data={
            "kind": "course", "visibility": "officials", "audiences": ["officials"], "topics": ["participatory_budgeting"],
            "original_language": "pl", "title": title, "body": body, "note": f"{language} version", "submit": "Save",
        })
        assert response.status_code == 302
    response = client.post(f"/hub/manage/materials/{course.id}", data={
        "file": (io.BytesIO(PDF_BYTES), "harmonogram.pdf"), "language": "",
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    assert client.post(f"/hub/manage/materials/{course.id}/modules/new", data={"title": "Przygotowanie", "body": "", "submit": "Save"}).status_code == 302
    session.expire_all()
    module_id = course.modules[0].id
    for number in (1, 2, 3):
        response = client.post(f"/hub/manage/modules/{module_id}/lessons/new", data={
            "title": f"Lekcja {number}", "body": f"Treść lekcji {number}: uchwała i terminy.", "submit": "Save",
        })
        assert response.status_code == 302
    assert client.post(f"/hub/manage/materials/{course.id}/publish").status_code == 302
    session.expire_all()
    return course


def test_course_search_completion_and_waiting_list(app, session, mailbox):
    municipality = make_municipality(session)
    staff = make_user(session, staff=True)
    official = make_official(session, municipality, Role.EVALUATOR, email="ewa.official@example.org", locale="pl")
    first = make_user(session, email="first@example.org", locale="pl")
    event = make_event(session, capacity=1, title="Warsztaty: ocena projektów")
    make_registration(session, event, first)
    session.commit()

    staff_client = app.test_client()
    login(staff_client, staff)
    course = _staff_publishes_course(staff_client, session)
    assert course.is_published
    assert course.languages == ["pl", "en", "uk"]
    assert sorted(t.title for t in course.translations) == sorted(title for title, _body in COURSE_TEXT.values())
    assert [(a.original_name, a.file_kind, a.size) for a in course.attachments] == [("harmonogram.pdf", "pdf", len(PDF_BYTES))]
    assert [lesson.position for lesson in course.lessons] == [1, 2, 3]

    client = app.test_client()
    login(client, official)
    # A word of the body in a form the text does not use: "harmonogramem" finds "harmonogramu".
    page = client.get("/hub/materials?q=harmonogramem").get_data(as_text=True)
    assert f'href="/hub/materials/{course.id}"' in page
    assert "<mark>harmonogram</mark>" in page and "<mark>harmonogramu</mark>" in page
    assert "1 wynik dla „harmonogramem”." in page

    detail = client.get(f"/hub/materials/{course.id}").get_data(as_text=True)
    assert f"/hub/files/{course.attachments[0].id}" in detail
    download = client.get(f"/hub/files/{course.attachments[0].id}")
    assert download.status_code == 200
    assert download.data == PDF_BYTES
    assert download.mimetype == "application/pdf"

    lesson_ids = [lesson.id for lesson in course.lessons]
    for lesson_id in lesson_ids:
        assert client.post(f"/hub/materials/{course.id}/lessons/{lesson_id}/done").status_code == 302
    my_page = client.get("/hub/my").get_data(as_text=True)
    assert 'value="3"' in my_page and 'max="3"' in my_page

    # The event is full: the official joins the waiting list.
    client.post(f"/hub/events/{event.id}/register")
    registration = session.scalar(select(EventRegistration).where(EventRegistration.user_id == official.id))
    assert registration.status is RegistrationStatus.WAITING
    [waiting_mail] = mailbox.to(official.email)
    assert subject(waiting_mail) == "Lista rezerwowa: Warsztaty: ocena projektów"
    assert "numer 1" in mailbox.body(waiting_mail)

    # The first participant cancels: the official moves up and is told.
    first_client = app.test_client()
    login(first_client, first)
    first_client.post(f"/hub/events/{event.id}/cancel")
    session.expire_all()
    assert registration.status is RegistrationStatus.CONFIRMED
    moved_mail = mailbox.to(official.email)[-1]
    assert subject(moved_mail) == "Miejsce jest Twoje: Warsztaty: ocena projektów"
    assert f"http://localhost/hub/events/{event.id}.ics" in mailbox.body(moved_mail)
    assert "Twoje miejsce jest potwierdzone" in mailbox.body(moved_mail)

    # Staff see the completion per municipality.
    completion = staff_client.get(f"/hub/manage/materials/{course.id}/completion").get_data(as_text=True)
    assert municipality.name in completion
    assert "<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">100</td>" in completion
