"""iCalendar, the Atom feed and the public API: correct formats, public items only."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from pb_service.hub.feeds import CalendarEntry, icalendar
from pb_service.hub.models import MaterialKind, Visibility
from tests.hub_factories import make_event, make_material

ATOM = "{http://www.w3.org/2005/Atom}"


def test_icalendar_follows_rfc_5545_in_warsaw_time():
    entry = CalendarEntry(
        uid="hub-event-7@example.org", starts_at=datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc),
        ends_at=datetime(2026, 7, 10, 12, 30, tzinfo=timezone.utc), title="Szkolenie; ocena, odwołania",
        description="Linia 1\nLinia 2 " + "ą" * 60, location="Gdańsk, ul. Nowe Ogrody 8/12", url="https://example.org/hub/events/7",
        stamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    )
    text = icalendar(entry).decode("utf-8")
    lines = text.split("\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    # Winter time in March (UTC+1), summer time in July (UTC+2), with the zone's rules in the file.
    assert "DTSTART;TZID=Europe/Warsaw:20260310T100000" in lines and "DTEND;TZID=Europe/Warsaw:20260710T143000" in lines
    assert lines.count("BEGIN:VTIMEZONE") == 1 and "TZID:Europe/Warsaw" in lines
    assert "DTSTAMP:20260102T030405Z" in lines and "UID:hub-event-7@example.org" in lines
    assert "SUMMARY:Szkolenie\\; ocena\\, odwołania" in lines
    assert "LOCATION:Gdańsk\\, ul. Nowe Ogrody 8/12" in lines
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:Linia 1\\nLinia 2 " + "ą" * 60 + "\r\n" in unfolded


def test_event_ics_download(client, session):
    event = make_event(session, title="Wizyta studyjna")
    session.commit()
    response = client.get(f"/hub/events/{event.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "SUMMARY:Wizyta studyjna" in response.get_data(as_text=True)


def test_atom_feed_lists_public_items_only(client, session):
    public = make_material(session, translations={"pl": ("Poradnik <publiczny> & jawny", "Treść."), "en": ("A public guide", "Text.")})
    make_material(session, visibility=Visibility.OFFICIALS, translations={"pl": ("Dla urzędników", "Treść.")})
    make_material(session, published=False, translations={"pl": ("Szkic", "Treść.")})
    event = make_event(session, title="Konferencja")
    session.commit()
    response = client.get("/hub/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    titles = sorted(entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry"))
    assert titles == ["Konferencja", "Poradnik <publiczny> & jawny"]
    english = ET.fromstring(client.get("/hub/feed.atom", headers={"Accept-Language": "en"}).data)
    entries = {entry.find(f"{ATOM}title").text: entry.find(f"{ATOM}link").get("hreflang") for entry in english.findall(f"{ATOM}entry")}
    assert entries == {"Konferencja": "pl", "A public guide": "en"}
    links = {entry.find(f"{ATOM}link").get("href") for entry in feed.findall(f"{ATOM}entry")}
    assert links == {f"http://localhost/hub/materials/{public.id}", f"http://localhost/hub/events/{event.id}"}
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None


def test_api_serves_public_items_only(client, session):
    public = make_material(session, kind=MaterialKind.TEMPLATE, translations={"pl": ("Wzór uchwały", "Uchwała o budżecie obywatelskim."), "en": ("Model resolution", "A resolution on PB.")})
    hidden = make_material(session, visibility=Visibility.OFFICIALS, translations={"pl": ("Wewnętrzne", "Uchwała wewnętrzna.")})
    make_event(session, title="Webinar")
    make_event(session, title="Tylko dla urzędników", visibility=Visibility.OFFICIALS)
    session.commit()

    listing = client.get("/api/v1/hub/materials?q=uchwały&lang=en").get_json()
    assert [(item["id"], item["title"], item["is_fallback"]) for item in listing["items"]] == []
    listing = client.get("/api/v1/hub/materials?q=resolution&lang=en").get_json()
    assert [(item["id"], item["title"], item["is_fallback"]) for item in listing["items"]] == [(public.id, "Model resolution", False)]
    assert listing["engine"] in ("SQLite FTS5", "PostgreSQL full-text search")
    assert client.get("/api/v1/hub/materials?kind=template").get_json()["total"] == 1

    detail = client.get(f"/api/v1/hub/materials/{public.id}").get_json()
    assert (detail["title"], detail["body"], detail["languages"]) == ("Wzór uchwały", "Uchwała o budżecie obywatelskim.", ["pl", "en"])
    assert client.get(f"/api/v1/hub/materials/{hidden.id}").status_code == 404

    assert [e["title"] for e in client.get("/api/v1/hub/events").get_json()] == ["Webinar"]
    assert client.get("/api/v1/hub/practices").get_json() == []
    assert client.get("/api/v1/hub/materials?kind=nonsense").status_code == 422
