"""PESEL decoding and identity normalisation (pure functions)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pb_service.voting.canonical_identity import (
    InvalidPesel,
    PESEL_WEIGHTS,
    age_band,
    identity_hash,
    normalise_address,
    normalise_text,
    parse_pesel,
)

TODAY = date(2026, 11, 26)


def with_checksum(first_ten: str) -> str:
    checksum = (10 - sum(w * int(d) for w, d in zip(PESEL_WEIGHTS, first_ten)) % 10) % 10
    return first_ten + str(checksum)


@pytest.mark.parametrize(
    "number, birth_date, sex",
    [
        ("44051401458", date(1944, 5, 14), "M"),  # the textbook example
        (with_checksum("0227150012"), date(2002, 7, 15), "F"),  # 2000s: month + 20
        (with_checksum("9912310017"), date(1999, 12, 31), "M"),
        (with_checksum("8092290004"), date(1880, 12, 29), "F"),  # 1800s: month + 80
        (with_checksum("1623010004"), date(2016, 3, 1), "F"),
    ],
)
def test_valid_pesel_is_decoded(number, birth_date, sex):
    pesel = parse_pesel(number, today=TODAY)
    assert (pesel.birth_date, pesel.sex) == (birth_date, sex)


@pytest.mark.parametrize(
    "number, reason",
    [
        ("4405140145", "format"),
        ("4405140145a", "format"),
        ("44051401459", "checksum"),
        (with_checksum("0213300000"), "date"),  # 30 February 1902
        (with_checksum("9913010000"), "date"),  # month 13 is no century's month
        (with_checksum("2652010000"), "date"),  # 1 December 2026 + offset 40: 2126, future
        (with_checksum("2632010000"), "date"),  # 1 December 2026: after today
    ],
)
def test_invalid_pesel_says_why(number, reason):
    with pytest.raises(InvalidPesel) as error:
        parse_pesel(number, today=TODAY)
    assert error.value.reason == reason


def test_age_and_band():
    pesel = parse_pesel(with_checksum("1432010000"), today=TODAY)  # born 1 December 2014
    assert pesel.age_on(TODAY) == 11
    assert age_band(pesel.age_on(TODAY)) == "0-12"
    assert [age_band(a) for a in (13, 17, 18, 24, 25, 64, 65, 101)] == ["13-17", "13-17", "18-24", "18-24", "25-34", "55-64", "65+", "65+"]


def test_normalisation_folds_case_diacritics_spacing():
    assert normalise_text("  ŁUKASZ  Żółć-Gęślą ") == "lukasz zolc gesla"
    assert normalise_address("ul. Długa 5/3") == normalise_address("DLUGA 5 m. 3") == "dluga 5 3"


def test_identity_hash_is_keyed_and_stable():
    first = identity_hash(b"edition-key-1", "44051401458")
    assert first == identity_hash(b"edition-key-1", "44051401458")
    assert first != identity_hash(b"edition-key-2", "44051401458")
    assert len(first) == 64 and "44051401458" not in first


@given(st.text(min_size=9, max_size=12, alphabet="0123456789"))
def test_random_digits_never_crash(value):
    try:
        pesel = parse_pesel(value, today=TODAY)
    except InvalidPesel as error:
        assert error.reason in {"format", "checksum", "date"}
    else:
        assert pesel.birth_date <= TODAY
