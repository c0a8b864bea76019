"""The hub's machine-readable outputs: iCalendar (RFC 5545) for events, Atom 1.0 for new items."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

from pb_service.core.models import as_utc

#: RFC 5545 §3.1: content lines are folded at 75 octets, continued with CRLF and one space.
ICS_LINE_OCTETS = 75


def ics_escape(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold one content line into pieces of at most 75 octets, never splitting a UTF-8 character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = ICS_LINE_OCTETS if not pieces else ICS_LINE_OCTETS - 1  # continuation lines start with a space
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def ics_time(moment: datetime) -> str:
    return as_utc(moment).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


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


def icalendar(entry: CalendarEntry) -> str:
    """A VCALENDAR with one VEVENT, CRLF line ends, escaped and folded, times in UTC."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//pb-service//Knowledge hub//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{entry.uid}",
        f"DTSTAMP:{ics_time(entry.stamp)}",
        f"DTSTART:{ics_time(entry.starts_at)}",
        f"DTEND:{ics_time(entry.ends_at)}",
        f"SUMMARY:{ics_escape(entry.title)}",
        f"DESCRIPTION:{ics_escape(entry.description)}",
    ]
    if entry.location:
        lines.append(f"LOCATION:{ics_escape(entry.location)}")
    lines += [f"URL:{entry.url}", "END:VEVENT", "END:VCALENDAR"]
    return "".join(ics_fold(line) + "\r\n" for line in lines)


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
