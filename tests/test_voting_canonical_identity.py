"""One person, one identity hash, whatever the spelling (property tests of the canonical form).

Inputs that denote the same person (digits of any script, full-width forms, spaces and dashes,
case, diacritics, combining marks, invisible characters, "ul."/"ulica") hash equally; distinct
valid PESELs never do; what is not a number is refused, never hashed raw.
"""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import configure_mappers

from pb_service import create_app
from pb_service.editions.models import Edition, Identification
from pb_service.voting.identification import identify
from pb_service.voting.canonical_identity import _canonical_unicode, canonical, canonical_digits, parse_pesel
from tests.voting_factories import pesel

TODAY = date(2026, 12, 5)
#: The zero of every script whose digits people may type or paste (NFKC folds the mathematical
#: ones to ASCII; the rest are decimal digits of their own scripts).
ZEROS = [0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xBE6, 0xE50, 0xFF10, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6]
#: What people put between groups of digits, and invisible characters that a paste may carry.
SEPARATORS = ["", " ", "-", "\u00a0", "\u2009", "\u2013", "\u2212", "\u200b", "\u200d", "\u2060", "\u202e", "\u2066", "\ufeff", "\u00ad"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\u00ad"]


@pytest.fixture(scope="module")
def app_context():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test", "VOTER_SECRET": "canonical-test"})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        # Before the first example, not inside it: configuring the mappers takes longer than a
        # property example's deadline on a busy machine.
        configure_mappers()
        yield


def _edition(method: Identification) -> Edition:
    return Edition(municipality_id=1, id=1, identification=method, voter_salt="ab" * 32)


def _hash(method: Identification, **data) -> str:
    identity, errors = identify(_edition(method), {"first_name": "Anna", "last_name": "Nowak", "declaration": True, **data}, TODAY)
    assert errors == {}
    return identity.hash


valid_pesels = st.builds(lambda year, serial: pesel(f"{year:02d}0515{serial:04d}"), st.integers(0, 99), st.integers(0, 9999))


@st.composite
def respelled_digits(draw, number: str, separators=tuple(SEPARATORS)) -> str:
    """``number`` with each digit in a script of its own and any of ``separators`` between them."""
    out = []
    for digit in number:
        out.append(chr(draw(st.sampled_from(ZEROS)) + int(digit)))
        out.append(draw(st.sampled_from(separators)))
    return "".join(out)


@given(data=st.data(), number=valid_pesels)
def test_a_pesel_in_any_digits_and_spacing_is_one_person(app_context, data, number):
    spelled = data.draw(respelled_digits(number))
    assert canonical_digits(spelled) == number
    assert parse_pesel(spelled, today=TODAY).number == number
    assert _hash(Identification.PESEL, pesel=spelled) == _hash(Identification.PESEL, pesel=number)


@given(first=valid_pesels, second=valid_pesels)
def test_distinct_pesels_never_hash_equally(app_context, first, second):
    same = _hash(Identification.PESEL, pesel=first) == _hash(Identification.PESEL, pesel=second)
    assert same == (first == second)


FIRST_NAMES = ["Łukasz", "Zofia", "Józef", "Małgorzata", "Agnieszka", "Grzegorz", "Żaneta", "Olena"]
LAST_NAMES = ["Żółkiewski", "Wiśniewska", "Brzęczyszczykiewicz", "Nowak", "Kowalczyk-Ślęzak", "Шевченко"]
STREETS = ["Długa", "Świętokrzyska", "Jana Pawła II", "Łąkowa", "Źródlana"]


@st.composite
def respelled_text(draw, text: str) -> str:
    """The same words as a person might type them: case, diacritics dropped or decomposed,
    full-width letters, invisible characters, spaces around."""
    form = draw(st.sampled_from(["NFC", "NFD", "NFKD"]))
    out = []
    for character in unicodedata.normalize(form, text):
        if draw(st.booleans()):
            character = character.upper() if draw(st.booleans()) else character.lower()
        if "a" <= character.lower() <= "z" and draw(st.integers(0, 4)) == 0:
            character = chr(ord(character) - ord("A") + 0xFF21) if character.isupper() else chr(ord(character) - ord("a") + 0xFF41)
        if unicodedata.combining(character) and draw(st.booleans()):
            character = ""  # "Zolkiewski" for "Żółkiewski"
        out.append(character + draw(st.sampled_from(["", "", ""] + INVISIBLE)))
    return draw(st.sampled_from(["", " ", "  "])) + "".join(out) + draw(st.sampled_from(["", " "]))


@given(data=st.data(), first=st.sampled_from(FIRST_NAMES), last=st.sampled_from(LAST_NAMES), street=st.sampled_from(STREETS),
       house=st.integers(1, 300), flat=st.integers(1, 90))
def test_names_and_addresses_as_people_type_them_are_one_person(app_context, data, first, last, street, house, flat):
    prefix = data.draw(st.sampled_from(["", "ul. ", "ulica ", "UL "]))
    typed_house = data.draw(respelled_digits(str(house), ["", *INVISIBLE]))  # "1 0" would be another address
    address = f"{prefix}{data.draw(respelled_text(street))} {typed_house}/{flat}"
    typed = dict(first_name=data.draw(respelled_text(first)), last_name=data.draw(respelled_text(last)), address=address)
    plain = dict(first_name=first, last_name=last, address=f"ul. {street} {house}/{flat}")
    assert _hash(Identification.NAME_ADDRESS, **typed) == _hash(Identification.NAME_ADDRESS, **plain)
    last4 = plain | {"pesel_last4": "1234"}
    assert _hash(Identification.PESEL_LAST4, **typed, pesel_last4=data.draw(respelled_digits("1234"))) == _hash(Identification.PESEL_LAST4, **last4)


@pytest.mark.parametrize("typed", ["8501151234x", "85011512342a", "85O11512342", "1e10", "8501151234½", "85011512342.0"])
def test_what_is_not_a_number_is_refused_never_hashed(app_context, typed):
    identity, errors = identify(_edition(Identification.PESEL), {"pesel": typed, "first_name": "A", "last_name": "B", "declaration": True}, TODAY)
    assert identity is None and list(errors) == ["pesel"]


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_takes_a_short_way_to_the_same_canonical_form(typed):
    assert canonical(typed) == _canonical_unicode(typed)


def test_the_canonical_form():
    assert canonical("  Ａnna\u200b  \u202eNowak\u202c ") == "Anna Nowak"
    assert canonical("٨٥٠١") == "8501" and canonical("ﬁlip") == "filip"
    assert canonical_digits("850115 - 12342") == "85011512342"
