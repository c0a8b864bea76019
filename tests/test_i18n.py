"""Languages: complete catalogues, the locale order, <html lang>, money and dates per locale."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_datetime

from pb_service.core.i18n import format_money
from tests.factories import login, make_municipality, make_user

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def extracted_ids() -> set[str]:
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["pl", "en", "uk"])
def test_catalogue_is_complete_and_compiled(language):
    po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as handle:
        catalogue = read_po(handle, locale=language)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    translated_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    assert extracted_ids() - translated_ids == set(), "run `make translations`"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime, "run `make compile-translations`"


def test_template_is_up_to_date_with_the_code():
    """Every string marked in code and templates is in messages.pot (pybabel extract was run)."""
    from babel.messages.extract import extract_from_dir

    root = TRANSLATIONS.parent
    method_map = [("pb_service/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    found = set()
    for filename, _, message, _, _ in extract_from_dir(
        str(root), method_map=method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    assert found - extracted_ids() == set(), "run `make translations`"


@pytest.mark.parametrize("language, expected", [("pl", "1 234 567,00 zł"), ("en", "PLN 1,234,567.00"), ("uk", "1 234 567,00 PLN")])
def test_money_is_shown_per_locale(language, expected):
    assert format_money(123_456_700, locale=language).replace("\xa0", " ").replace("\u202f", " ") == expected


def test_dates_are_shown_in_warsaw_time(app):
    with app.test_request_context(), force_locale("pl"):
        summer = datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)
        winter = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
        assert format_datetime(summer, "HH:mm") == "12:00"
        assert format_datetime(winter, "HH:mm") == "11:00"


def test_polish_by_default_and_accept_language_after_municipality(client, session):
    make_municipality(session, slug="lwowek", default_locale="uk")
    session.commit()
    assert '<html lang="pl">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    # The municipality's default language comes before the browser's.
    assert '<html lang="uk">' in client.get("/lwowek/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_language_switch_on_every_page_wins_over_municipality(client, session):
    make_municipality(session, slug="lwowek", default_locale="uk")
    session.commit()
    page = client.get("/lwowek/").get_data(as_text=True)
    assert 'href="/lang/en?next=/lwowek/"' in page
    response = client.get("/lang/en?next=/lwowek/")
    assert response.headers["Location"] == "/lwowek/"
    assert '<html lang="en">' in client.get("/lwowek/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(client, session):
    assert client.get("/lang/en?next=https://evil.example.org/").headers["Location"] == "/"
    assert client.get("/lang/en?next=//evil.example.org/").headers["Location"] == "/"


@pytest.mark.parametrize("language, heading", [("pl", "Gminy"), ("en", "Municipalities"), ("uk", "Громади")])
def test_pages_are_translated(client, session, language, heading):
    client.get(f"/lang/{language}")
    page = client.get("/").get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert f'<h2 id="municipalities-title">{heading}</h2>' in page


def test_signed_in_user_switch_is_remembered(client, session):
    user = make_user(session)
    session.commit()
    login(client, user)
    client.get("/lang/uk")
    session.expire_all()
    assert session.get(type(user), user.id).locale == "uk"
