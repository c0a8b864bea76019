"""What a voter must give under the edition's identification method, and the keyed hash it becomes.

One definition serves the HTML ballot, the clerks' paper entry, the API's field description,
the register import and one-time codes, so every channel identifies people in exactly the same
way: every value is brought to its canonical form (:func:`~pb_service.voting.canonical_identity.canonical`)
before it is checked, and only that form is hashed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from pb_service.editions.models import Edition, Identification, Verification
from pb_service.voting.canonical_identity import (
    InvalidPesel,
    age_band,
    canonical,
    canonical_digits,
    identity_hash,
    normalise_address,
    normalise_text,
    parse_pesel,
)
from pb_service.voting.sealing import identity_key

#: Children under this age vote with a guardian's consent (as Warsaw).
CONSENT_AGE = 13


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    #: "text", "checkbox", "email" or "tel".
    kind: str = "text"
    required: bool = True
    description: object = ""
    #: The most characters, counted in the canonical form (for a number: its digits).
    max_length: int = 200
    #: A number people may type in groups ("850115 12342", "850115-12342"): spaces and dashes go.
    number: bool = False

    @property
    def input_length(self) -> int:
        """What a form lets people type: room for the spaces or dashes between groups of digits."""
        return self.max_length * 2 if self.number else self.max_length


FIRST_NAME = Field("first_name", _l("First name"), max_length=100)
LAST_NAME = Field("last_name", _l("Last name"), max_length=100)
ADDRESS = Field("address", _l("Address of residence"), description=_l("Street, number, flat, e.g. ul. Długa 5/3."))
PESEL = Field("pesel", _l("PESEL number"), description=_l("11 digits."), max_length=11, number=True)
PESEL_LAST4 = Field("pesel_last4", _l("Last four digits of your PESEL number"), max_length=4, number=True)
DECLARATION = Field(
    "declaration", _l("I declare that I live in this municipality and that I vote only once."), kind="checkbox"
)
GUARDIAN_NAME = Field(
    "guardian_name", _l("Parent's or guardian's full name"), required=False,
    description=_l("Required for voters under 13: a parent or guardian consents to the vote."),
)
GUARDIAN_CONSENT = Field(
    "guardian_consent", _l("As the parent or guardian, I consent to this child's vote."), kind="checkbox", required=False
)
EMAIL = Field("email", _l("E-mail address for the one-time code"), kind="email", max_length=254)
PHONE = Field("phone", _l("Mobile phone number for the one-time code"), kind="tel", max_length=20)

FIELDS_BY_METHOD = {
    Identification.NAME_ADDRESS: (FIRST_NAME, LAST_NAME, ADDRESS, DECLARATION),
    Identification.PESEL: (PESEL, FIRST_NAME, LAST_NAME, DECLARATION, GUARDIAN_NAME, GUARDIAN_CONSENT),
    Identification.PESEL_LAST4: (PESEL_LAST4, FIRST_NAME, LAST_NAME, ADDRESS, DECLARATION),
}
DESTINATION_FIELD = {Verification.EMAIL_CODE: EMAIL, Verification.SMS_CODE: PHONE}


def identity_fields(edition: Edition) -> tuple[Field, ...]:
    """The identity fields, plus where the one-time code goes when the edition sends one."""
    fields = FIELDS_BY_METHOD[edition.identification]
    destination = DESTINATION_FIELD.get(edition.verification)
    return fields + ((destination,) if destination else ())


@dataclass(frozen=True)
class Identity:
    """A voter as we keep them: the keyed hash and statistics, never the data itself."""

    hash: str
    age_band: str | None = None
    sex: str | None = None


def _checked(value) -> bool:
    return value in (True, "y", "yes", "on", "true", "1", 1)


def _text(data: dict, name: str) -> str:
    """The field's canonical form (NFKC, ASCII digits, no invisible characters, spaces folded)."""
    return canonical(data.get(name))


def _canonical_value(data: dict, field: Field) -> str:
    return canonical_digits(data.get(field.name)) if field.number else _text(data, field.name)


def identify(edition: Edition, data: dict, today: date) -> tuple[Identity | None, dict[str, list[str]]]:
    """Check the identity data; return the keyed identity, or the problems per field."""
    errors: dict[str, list[str]] = {}
    for field in identity_fields(edition):
        if field.kind == "checkbox":
            if field.required and not _checked(data.get(field.name)):
                errors[field.name] = [str(_l("Confirm this statement to vote."))]
            continue
        given = _canonical_value(data, field)
        if field.required and not given:
            errors[field.name] = [str(_l("Fill in this field."))]
        elif len(given) > field.max_length:
            errors[field.name] = [str(_l("This is too long."))]
    method = edition.identification
    age = sex = None
    if method is Identification.PESEL and "pesel" not in errors:
        try:
            pesel = parse_pesel(data.get("pesel"), today=today)
        except InvalidPesel as problem:
            errors["pesel"] = [str(PESEL_PROBLEMS[problem.reason])]
        else:
            years = pesel.age_on(today)
            age, sex = age_band(years), pesel.sex
            if years < CONSENT_AGE and not (_text(data, "guardian_name") and _checked(data.get("guardian_consent"))):
                errors["guardian_consent"] = [str(_l("A voter under 13 needs a parent's or guardian's name and consent."))]
    last4 = _canonical_value(data, PESEL_LAST4)
    if method is Identification.PESEL_LAST4 and "pesel_last4" not in errors and not re.fullmatch(r"[0-9]{4}", last4):
        errors["pesel_last4"] = [str(_l("Enter the last four digits of your PESEL number."))]
    if errors:
        return None, errors
    key = identity_key(edition)
    if method is Identification.PESEL:
        # PESEL alone identifies a person; the name is asked as a check, not hashed, so a typo in
        # the name does not let the same person vote twice.
        digest = identity_hash(key, "pesel", pesel.number)
    elif method is Identification.PESEL_LAST4:
        digest = identity_hash(
            key, "pesel_last4", last4, normalise_text(_text(data, "first_name")),
            normalise_text(_text(data, "last_name")), normalise_address(_text(data, "address")),
        )
    else:
        digest = identity_hash(
            key, "name_address", normalise_text(_text(data, "first_name")), normalise_text(_text(data, "last_name")),
            normalise_address(_text(data, "address")),
        )
    return Identity(digest, age, sex), {}


PESEL_PROBLEMS = {
    "format": _l("A PESEL number has 11 digits."),
    "checksum": _l("This PESEL number is not valid (its check digit does not match)."),
    "date": _l("This PESEL number does not contain a possible birth date."),
}


def normalise_destination(edition: Edition, value: str) -> str:
    """A phone number as its ASCII digits (with the Polish +48 added), an e-mail case-folded."""
    value = canonical(value)
    if edition.verification is Verification.SMS_CODE:
        digits = "".join(c for c in value if c in "0123456789")
        return digits if len(digits) > 9 else "48" + digits
    return value.casefold()
