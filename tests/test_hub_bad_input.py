"""Bad input gets a clear message and changes nothing."""
from __future__ import annotations

import io
import os
from datetime import timedelta

from sqlalchemy import func, select

from pb_service.core.roles import Role
from pb_service.hub.models import MaterialFile, EventRegistration, MaterialRevision
from tests.factories import login, make_municipality, make_official, make_user
from tests.hub_factories import EXE_BYTES, make_event, make_material, subject


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_executable_renamed_pdf_is_refused_and_nothing_is_stored(app, client, session):
    staff = make_user(session, staff=True, locale="en")
    material = make_material(session)
    session.commit()
    login(client, staff)
    files_before = set(os.listdir(app.config["UPLOAD_FOLDER"]))

    response = client.post(f"/hub/manage/materials/{material.id}", data={
        "file": (io.BytesIO(EXE_BYTES), "guide.pdf"), "language": "",
    }, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "This file is not a real PDF, DOCX, XLSX file (whatever its name says), so it was not uploaded." in response.get_data(as_text=True)
    assert _count(session, MaterialFile) == 0
    assert set(os.listdir(app.config["UPLOAD_FOLDER"])) == files_before


def test_script_in_markdown_is_shown_as_text_in_preview_and_page(client, session):
    staff = make_user(session, staff=True, locale="en")
    material = make_material(session)
    session.commit()
    login(client, staff)
    data = {"kind": "guide", "visibility": "public", "audiences": ["residents"], "original_language": "pl",
            "title": "Poradnik", "body": "Tekst <script>alert('x')</script> [link](javascript:alert(1))"}

    preview = client.post(f"/hub/manage/materials/{material.id}/edit?lang=pl", data={**data, "preview": "Preview"})
    html = preview.get_data(as_text=True)
    assert "Preview (not saved yet)" in html
    assert "<script>alert" not in html
    assert "Tekst &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # Preview saves nothing.
    assert _count(session, MaterialRevision) == 0

    assert client.post(f"/hub/manage/materials/{material.id}/edit?lang=pl", data={**data, "submit": "Save"}).status_code == 302
    page = client.get(f"/hub/materials/{material.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert 'href="javascript' not in page
    assert "&lt;script&gt;" in page


def test_registration_for_a_past_event_is_refused(client, session, mailbox):
    user = make_user(session, locale="en")
    event = make_event(session, starts_in=timedelta(days=-2))
    session.commit()
    login(client, user)

    response = client.post(f"/hub/events/{event.id}/register", follow_redirects=True)

    assert "Registration is closed: this event has already started or taken place." in response.get_data(as_text=True)
    assert _count(session, EventRegistration) == 0
    assert mailbox.messages == []


def test_second_registration_is_refused(client, session, mailbox):
    municipality = make_municipality(session)
    official = make_official(session, municipality, Role.CLERK, locale="en")
    event = make_event(session, capacity=10)
    session.commit()
    login(client, official)

    client.post(f"/hub/events/{event.id}/register")
    response = client.post(f"/hub/events/{event.id}/register", follow_redirects=True)

    assert "You are already registered for this event." in response.get_data(as_text=True)
    assert _count(session, EventRegistration) == 1
    assert [subject(m) for m in mailbox.messages] == ["Registration confirmed: Szkolenie z budżetu obywatelskiego"]
