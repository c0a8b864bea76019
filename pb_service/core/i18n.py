"""Languages, money and dates.

Locale order: the signed-in user's setting, then the language switch (kept in the session), then
the municipality's default, then the browser's Accept-Language, then Polish.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

#: Each language's own name, as the switch shows it.
LANGUAGE_NAMES = {"pl": "Polski", "en": "English", "uk": "Українська"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    municipality = g.get("municipality")
    if municipality is not None and municipality.default_locale in languages:
        return municipality.default_locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def format_money(grosze: int | None, locale=None) -> str:
    """Integer grosze as the locale writes złoty, e.g. ``1 234 567,00 zł`` in Polish.

    Where the locale puts a currency code straight before the number (``PLN1,234.00`` in English),
    a no-break space is added for readability.
    """
    if grosze is None:
        return ""
    return _formatted_money(grosze, str(locale or get_locale()))


@lru_cache(maxsize=8192)
def _formatted_money(grosze: int, locale_name: str) -> str:
    # Cached: Babel parses the locale's pattern on every call, and a ballot shows many amounts.
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"].pattern
    if pattern.startswith("¤") and not pattern.startswith("¤\xa0"):
        pattern = "¤\xa0" + pattern[1:]
    return format_currency(Decimal(grosze) / 100, "PLN", format=pattern, locale=locale)


def current_language() -> str:
    return str(get_locale() or "pl")


#: One style for dates and one for moments in every language and on every page and mail:
#: the day, the month's name and the year; times in hours and minutes, Warsaw time, no zone name.
DATE_PATTERN = "d MMMM y"
MOMENT_PATTERN = "d MMMM y, HH:mm"


def format_day(value) -> str:
    """A date (or the date of a moment) in the reader's language, e.g. 5 grudnia 2026."""
    return format_date(value, DATE_PATTERN) if value is not None else ""


def format_moment(value) -> str:
    """A moment in the reader's language and Warsaw time, e.g. 5 grudnia 2026, 14:30."""
    return format_datetime(value, MOMENT_PATTERN) if value is not None else ""
