"""Voter identity: one canonical form of what a person types, PESEL decoding, and the keyed hash.

Everything a voter types is first brought to one canonical form (:func:`canonical`: Unicode NFKC,
every decimal digit as ASCII, invisible format characters such as zero-width and bidi controls
removed, white space folded); it is checked and hashed only in that form, so ``８５０１…`` (full-width)
or ``٨٥٠١…`` (Arabic-Indic) is the same PESEL as ``8501…``, not a second voter.

No PESEL, name or address is stored. What is stored is an HMAC-SHA-256 of the canonical identity
under the edition's identity key (derived from a secret outside the database, see
:mod:`pb_service.voting.sealing`): it lets the database refuse a second vote by the same person,
but cannot be reversed, confirmed or compared across editions without that secret.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
#: Month offset in a PESEL → the century of the birth year.
CENTURY_BY_MONTH_OFFSET = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}
#: Age bands kept on the voter record for turnout statistics (upper bounds are exclusive).
AGE_BANDS = ((13, "0-12"), (18, "13-17"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64"))
OLDEST_BAND = "65+"
#: Street-type words that people write or omit at will ("ul. Długa 5" = "Długa 5").
ADDRESS_NOISE = {"ul", "ulica", "al", "aleja", "aleje", "pl", "plac", "os", "osiedle", "m", "lok", "lokal"}
# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSABLE = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "ø": "o", "ß": "ss"})


#: Dashes people put between groups of digits ("850115-12342"); hyphen-minus and Unicode dashes.
_DASHES = re.compile(r"[\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def canonical(value) -> str:
    """The one form of typed text that is checked and hashed.

    NFKC first (full-width and compatibility forms, ligatures such as "ﬁ"); then every Unicode
    decimal digit becomes its ASCII digit; format characters (category Cf: zero-width spaces and
    joiners, bidi embeddings, overrides and isolates, soft hyphens) are dropped, as they change how
    text looks without changing what it says; white space of any kind becomes one space.
    """
    if not isinstance(value, str):
        return ""
    if value.isascii():
        # What nearly every voter types: ASCII is its own NFKC form, has no format characters, and
        # its digits are ASCII already (the same result as below, property-tested, without a
        # Python loop over the characters on every ballot).
        return " ".join(value.split())
    return _canonical_unicode(value)


def _canonical_unicode(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    kept = []
    for character in text:
        if unicodedata.category(character) == "Cf":
            continue
        digit = unicodedata.decimal(character, None)
        kept.append(str(digit) if digit is not None else character)
    return " ".join("".join(kept).split())


def canonical_digits(value) -> str:
    """A number typed with spaces or dashes between digit groups, as its ASCII digits (and
    whatever else was typed, so that a letter still fails the format check)."""
    return _DASHES.sub("", canonical(value)).replace(" ", "")


class InvalidPesel(ValueError):
    """The PESEL number fails its format, checksum or date check; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Pesel:
    number: str
    birth_date: date
    #: "F" or "M", from the parity of the tenth digit.
    sex: str

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


def parse_pesel(value: str, today: date | None = None) -> Pesel:
    """Validate a PESEL (format, checksum, real birth date not in the future) and decode it.

    ``number`` of the result is the canonical form: eleven ASCII digits.
    """
    number = canonical_digits(value)
    if not re.fullmatch(r"[0-9]{11}", number):
        raise InvalidPesel("format")
    digits = [int(d) for d in number]
    checksum = (10 - sum(w * d for w, d in zip(PESEL_WEIGHTS, digits)) % 10) % 10
    if checksum != digits[10]:
        raise InvalidPesel("checksum")
    month_field = int(number[2:4])
    offset = (month_field // 20) * 20
    century = CENTURY_BY_MONTH_OFFSET.get(offset)
    if century is None:
        raise InvalidPesel("date")
    try:
        birth_date = date(century + int(number[0:2]), month_field - offset, int(number[4:6]))
    except ValueError:
        raise InvalidPesel("date") from None
    if birth_date > (today or date.today()):
        raise InvalidPesel("date")
    return Pesel(number, birth_date, "M" if digits[9] % 2 else "F")


def age_band(age: int) -> str:
    for upper, label in AGE_BANDS:
        if age < upper:
            return label
    return OLDEST_BAND


def normalise_text(value: str) -> str:
    """The canonical form with case, diacritics, punctuation and spacing folded: "  Łukasz  ",
    "ŁUKASZ", "lukasz" and "Łukasz" written with a combining mark are the same."""
    folded = unicodedata.normalize("NFKD", canonical(value).casefold().translate(_UNDECOMPOSABLE))
    without_marks = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", without_marks).split())


def normalise_address(value: str) -> str:
    """As :func:`normalise_text`, and street-type words dropped ("ul. Długa 5/3" = "Dluga 5 3")."""
    return " ".join(word for word in normalise_text(value).split() if word not in ADDRESS_NOISE)


def identity_hash(edition_key: bytes, *parts: str) -> str:
    """HMAC-SHA-256 (hex) of the canonical identity parts under the edition's identity key."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(edition_key, message, hashlib.sha256).hexdigest()
