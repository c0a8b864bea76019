"""Factories for hub content: flushed objects, published unless told otherwise."""
from __future__ import annotations

import io
import itertools
import zipfile
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from pb_service.core.models import utcnow
from pb_service.hub.models import (
    Audience,
    CourseLesson,
    CourseModule,
    Event,
    EventKind,
    EventRegistration,
    LessonTranslation,
    Material,
    MaterialAudience,
    MaterialKind,
    MaterialTopic,
    MaterialTranslation,
    ModuleTranslation,
    PublicationStatus,
    RegistrationStatus,
    Topic,
    Visibility,
    EventTranslation,
)
from pb_service.hub.services.materials import refresh_search_text

_sequence = itertools.count(1)

#: The smallest bytes each checker accepts.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
#: A Windows executable's opening bytes ("MZ"), to be renamed .pdf by a careless or hostile uploader.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode."


def office_bytes(kind: str) -> bytes:
    """A minimal DOCX or XLSX package (the parts the checker looks for)."""
    main = {"docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
            "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", f'<Types><Override PartName="/{main[0]}" ContentType="{main[1]}"/></Types>')
        package.writestr(main[0], "<document/>")
    return buffer.getvalue()


def upload(content: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


def make_material(session, *, kind=MaterialKind.GUIDE, visibility=Visibility.PUBLIC, published=True,
                  translations=None, topics=(Topic.PARTICIPATORY_BUDGETING,), audiences=(Audience.OFFICIALS,),
                  original_language="pl") -> Material:
    """``translations``: {language: (title, body)}; by default one Polish version."""
    n = next(_sequence)
    translations = translations or {"pl": (f"Materiał {n}", f"Treść materiału {n}.")}
    material = Material(
        kind=kind, visibility=visibility, original_language=original_language,
        status=PublicationStatus.PUBLISHED if published else PublicationStatus.DRAFT,
        published_at=utcnow() if published else None,
        topic_links=[MaterialTopic(topic=t) for t in topics], audience_links=[MaterialAudience(audience=a) for a in audiences],
        translations=[MaterialTranslation(language=lang, title=title, body=body) for lang, (title, body) in translations.items()],
    )
    session.add(material)
    session.flush()
    refresh_search_text(material)
    session.flush()
    return material


def make_course(session, lessons: int = 3, **fields) -> Material:
    """A course of one module with ``lessons`` lessons (Polish)."""
    course = make_material(session, kind=MaterialKind.COURSE, **fields)
    module = CourseModule(position=1, translations=[ModuleTranslation(language="pl", title="Moduł 1")])
    module.lessons = [
        CourseLesson(position=i, translations=[LessonTranslation(language="pl", title=f"Lekcja {i}", body=f"Treść lekcji {i}.")])
        for i in range(1, lessons + 1)
    ]
    course.modules.append(module)
    session.flush()
    refresh_search_text(course)
    session.flush()
    return course


def make_event(session, *, starts_in=timedelta(days=7), capacity=None, visibility=Visibility.PUBLIC, published=True,
               title="Szkolenie z budżetu obywatelskiego", place="Warszawa, ul. Przykładowa 1") -> Event:
    starts_at = utcnow().replace(microsecond=0) + starts_in
    event = Event(
        kind=EventKind.TRAINING, visibility=visibility, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3),
        place=place, capacity=capacity, status=PublicationStatus.PUBLISHED if published else PublicationStatus.DRAFT,
        published_at=utcnow() if published else None, translations=[EventTranslation(language="pl", title=title)],
    )
    session.add(event)
    session.flush()
    return event


def make_registration(session, event: Event, user, status=RegistrationStatus.CONFIRMED) -> EventRegistration:
    registration = EventRegistration(event_id=event.id, user_id=user.id, status=status)
    session.add(registration)
    session.flush()
    return registration


def subject(message) -> str:
    """A received mail's subject; folding of long encoded headers can leave a leading space."""
    return " ".join(str(message["Subject"]).split())
