"""The hub's machine-readable outputs: iCalendar (RFC 5545) for events, Atom 1.0 for new items."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from pb_service.core.forms import WARSAW
from pb_service.core.models import as_utc


def atom_time(moment: datetime) -> str:
    return as_utc(moment).astimezone(timezone.utc).isoformat()


@dataclass
class CalendarEntry:
    uid: str
    starts_at: datetime
    ends_at: datetime
    title: str
    description: str
    location: str
    url: str
    stamp: datetime


def icalendar(entry: CalendarEntry) -> bytes:
    """A VCALENDAR with one VEVENT in Warsaw time, with its VTIMEZONE; the icalendar library
    escapes and folds the lines (RFC 5545)."""
    calendar = Calendar()
    calendar.add("prodid", "-//pb-service//Knowledge hub//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = CalendarEvent()
    event.add("uid", entry.uid)
    event.add("dtstamp", as_utc(entry.stamp).astimezone(timezone.utc))
    event.add("dtstart", as_utc(entry.starts_at).astimezone(WARSAW))
    event.add("dtend", as_utc(entry.ends_at).astimezone(WARSAW))
    event.add("summary", entry.title)
    event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    event.add("url", entry.url)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"


@dataclass
class FeedEntry:
    #: A permanent IRI, e.g. ``tag:example.org,2026:hub/material/3``.
    id: str
    title: str
    link: str
    updated: datetime
    published: datetime
    summary: str
    category: str
    language: str


def atom_feed(feed_id: str, title: str, self_link: str, alternate_link: str, author: str, entries: list[FeedEntry]) -> bytes:
    """An Atom 1.0 document (RFC 4287); ElementTree escapes every text and attribute."""
    ET.register_namespace("", ATOM_NAMESPACE)

    def add(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{ATOM_NAMESPACE}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NAMESPACE}}}feed")
    add(feed, "id", feed_id)
    add(feed, "title", title)
    newest = max((as_utc(entry.updated) for entry in entries), default=datetime(2026, 1, 1, tzinfo=timezone.utc))
    add(feed, "updated", atom_time(newest))
    add(feed, "link", rel="self", type="application/atom+xml", href=self_link)
    add(feed, "link", rel="alternate", type="text/html", href=alternate_link)
    add(add(feed, "author"), "name", author)
    for entry in entries:
        element = add(feed, "entry")
        add(element, "id", entry.id)
        add(element, "title", entry.title)
        add(element, "link", rel="alternate", type="text/html", href=entry.link, hreflang=entry.language)
        add(element, "updated", atom_time(entry.updated))
        add(element, "published", atom_time(entry.published))
        add(element, "category", term=entry.category)
        add(element, "summary", entry.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
