"""What a voter must give under the edition's identification method, and the keyed hash it becomes.

One definition serves the HTML ballot, the clerks' paper entry, the API's field description and
the register import, so every channel identifies people in exactly the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from pb_service.editions.models import Edition, Identification, Verification
from pb_service.voting.identity import (
    InvalidPesel,
    age_band,
    identity_hash,
    normalise_address,
    normalise_text,
    parse_pesel,
)

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
    max_length: int = 200


FIRST_NAME = Field("first_name", _l("First name"), max_length=100)
LAST_NAME = Field("last_name", _l("Last name"), max_length=100)
ADDRESS = Field("address", _l("Address of residence"), description=_l("Street, number, flat, e.g. ul. Długa 5/3."))
PESEL = Field("pesel", _l("PESEL number"), description=_l("11 digits."), max_length=11)
PESEL_LAST4 = Field("pesel_last4", _l("Last four digits of your PESEL number"), max_length=4)
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
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def identify(edition: Edition, data: dict, today: date) -> tuple[Identity | None, dict[str, list[str]]]:
    """Check the identity data; return the keyed identity, or the problems per field."""
    errors: dict[str, list[str]] = {}
    for field in identity_fields(edition):
        value = data.get(field.name)
        if field.kind == "checkbox":
            if field.required and not _checked(value):
                errors[field.name] = [str(_l("Confirm this statement to vote."))]
        elif field.required and not _text(data, field.name):
            errors[field.name] = [str(_l("Fill in this field."))]
        elif len(_text(data, field.name)) > field.max_length:
            errors[field.name] = [str(_l("This is too long."))]
    method = edition.identification
    age = sex = None
    if method is Identification.PESEL and "pesel" not in errors:
        try:
            pesel = parse_pesel(_text(data, "pesel"), today=today)
        except InvalidPesel as problem:
            errors["pesel"] = [str(PESEL_PROBLEMS[problem.reason])]
        else:
            years = pesel.age_on(today)
            age, sex = age_band(years), pesel.sex
            if years < CONSENT_AGE and not (_text(data, "guardian_name") and _checked(data.get("guardian_consent"))):
                errors["guardian_consent"] = [str(_l("A voter under 13 needs a parent's or guardian's name and consent."))]
    if method is Identification.PESEL_LAST4 and "pesel_last4" not in errors:
        if not (len(_text(data, "pesel_last4")) == 4 and _text(data, "pesel_last4").isdigit()):
            errors["pesel_last4"] = [str(_l("Enter the last four digits of your PESEL number."))]
    if errors:
        return None, errors
    key = edition.voter_key.encode()
    if method is Identification.PESEL:
        # PESEL alone identifies a person; the name is asked as a check, not hashed, so a typo in
        # the name does not let the same person vote twice.
        digest = identity_hash(key, "pesel", _text(data, "pesel"))
    elif method is Identification.PESEL_LAST4:
        digest = identity_hash(
            key, "pesel_last4", _text(data, "pesel_last4"), normalise_text(_text(data, "first_name")),
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
    """A phone number as its digits (with the Polish +48 added), an e-mail lower-cased."""
    value = (value or "").strip()
    if edition.verification is Verification.SMS_CODE:
        digits = "".join(c for c in value if c.isdigit())
        return digits if len(digits) > 9 else "48" + digits
    return value.lower()
