"""Creating, changing and finding municipalities."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pb_service.core.audit import record_audit
from pb_service.core.cache import ProcessCache
from pb_service.core.permissions import ensure_permission
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db
from pb_service.municipalities.models import (
    DEFAULT_RETENTION_MONTHS, RETENTION_MONTHS_CHOICES, Municipality, MunicipalityKind, Voivodeship,
)
from pb_service.municipalities.permissions import EDIT_MUNICIPALITY_PROFILE, MANAGE_MUNICIPALITIES

#: Warsaw has under 2 million; the column is a 32-bit INTEGER (a larger number was a 500).
MAX_POPULATION = 10_000_000
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

#: Words that name (or may one day name) global pages; a municipality cannot take them.
RESERVED_SLUGS = frozenset(
    {
        "about", "account", "accounts", "admin", "api", "auth", "docs", "healthz", "help", "hub",
        "lang", "login", "logout", "media", "open-data", "register", "search", "staff", "static",
        "stats", "uploads", "well-known",
    }
)

#: Register fields that only programme staff change.
REGISTER_FIELDS = ("slug", "name", "teryt", "voivodeship", "kind", "population")
#: Contact fields the municipality's own admin may change.
PROFILE_FIELDS = (
    "default_locale", "contact_email", "contact_phone", "contact_address", "website",
    "accessibility_coordinator_name", "accessibility_coordinator_email", "accessibility_coordinator_phone",
    "privacy_notice", "retention_months",
)


@dataclass
class MunicipalityData:
    slug: str
    name: str
    teryt: str
    voivodeship: Voivodeship
    kind: MunicipalityKind
    population: int
    default_locale: str = "pl"
    contact_email: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    website: str = ""
    accessibility_coordinator_name: str = ""
    accessibility_coordinator_email: str = ""
    accessibility_coordinator_phone: str = ""
    privacy_notice: str = ""
    retention_months: int = DEFAULT_RETENTION_MONTHS


#: Municipalities by slug, for the public's requests (see :mod:`pb_service.core.cache`).
MUNICIPALITY_ROWS = ProcessCache("municipalities by slug", (Municipality,))


def municipality_by_slug(slug: str) -> Municipality | None:
    return db.session.scalar(select(Municipality).where(Municipality.slug == slug))


def municipality_by_slug_or_404(slug: str) -> Municipality:
    municipality = municipality_by_slug(slug)
    if municipality is None:
        abort(404)
    return municipality


def list_municipalities() -> list[Municipality]:
    return list(db.session.scalars(select(Municipality).order_by(func.lower(Municipality.name))))


def reserved_slugs() -> set[str]:
    """The fixed list plus the first path segment of every global route of the running app."""
    segments = set(RESERVED_SLUGS)
    for rule in current_app.url_map.iter_rules():
        first = rule.rule.strip("/").split("/", 1)[0]
        if first and "<" not in first:
            segments.add(first)
    return segments


def teryt_problems(teryt: str, voivodeship: Voivodeship, kind: MunicipalityKind) -> list[str]:
    """Why a TERYT code does not fit the municipality (empty when it does)."""
    if not re.fullmatch(r"\d{7}", teryt or ""):
        return [str(_l("A TERYT code has exactly 7 digits."))]
    problems = []
    if teryt[:2] != voivodeship.value:
        problems.append(
            str(_l("A TERYT code in this voivodeship starts with %(code)s.", code=voivodeship.value))
        )
    type_digit = teryt[6]
    # Warsaw's districts (8, 9) and the parts of urban-rural municipalities (4, 5) are not PB tenants
    # of their own kind, but Warsaw itself (1465011) is type 1.
    if type_digit not in kind.teryt_type_digits:
        problems.append(str(_l(
            "For the kind “%(kind)s” the last TERYT digit is %(digit)s; this code ends in %(typed)s.",
            kind=kind.label, digit=", ".join(sorted(kind.teryt_type_digits)), typed=type_digit,
        )))
    return problems


def _validate(data: MunicipalityData, existing: Municipality | None) -> None:
    errors: dict[str, list[str]] = {}
    if not SLUG_PATTERN.match(data.slug or ""):
        errors["slug"] = [str(_l("Use lower-case letters, digits and hyphens (2–63 characters)."))]
    elif data.slug in reserved_slugs():
        errors["slug"] = [str(_l("This address is reserved for the service's own pages."))]
    else:
        other = municipality_by_slug(data.slug)
        if other is not None and other is not existing:
            errors["slug"] = [str(_l("Another municipality already uses this address."))]
    problems = teryt_problems(data.teryt, data.voivodeship, data.kind)
    if problems:
        errors["teryt"] = problems
    else:
        other = db.session.scalar(select(Municipality).where(Municipality.teryt == data.teryt))
        if other is not None and other is not existing:
            errors["teryt"] = [str(_l("Another municipality already has this TERYT code."))]
    if not data.name or not data.name.strip():
        errors["name"] = [str(_l("Enter the municipality's name."))]
    if data.population is None or data.population < 1:
        errors["population"] = [str(_l("Population must be a positive number."))]
    elif data.population > MAX_POPULATION:
        errors["population"] = [str(_l("No Polish municipality has that many residents."))]
    if data.retention_months not in RETENTION_MONTHS_CHOICES:
        errors["retention_months"] = [str(_l("Choose one of the offered retention periods."))]
    if data.default_locale not in current_app.config["LANGUAGES"]:
        errors["default_locale"] = [str(_l("Choose one of the offered languages."))]
    if errors:
        raise ServiceValidationError(errors)


def create_municipality(data: MunicipalityData, *, actor) -> Municipality:
    ensure_permission(actor, MANAGE_MUNICIPALITIES)
    _validate(data, None)
    municipality = Municipality(**vars(data))
    db.session.add(municipality)
    db.session.flush()
    record_audit(actor, municipality, "municipality.create", municipality, slug=municipality.slug)
    db.session.flush()
    return municipality


def update_municipality(municipality: Municipality, data: MunicipalityData, *, actor) -> Municipality:
    """Staff change everything; the municipality's admin only the contact and accessibility details."""
    ensure_permission(actor, EDIT_MUNICIPALITY_PROFILE, municipality)
    if not actor.is_staff:
        for field in REGISTER_FIELDS:
            setattr(data, field, getattr(municipality, field))
    _validate(data, municipality)
    changed = sorted(field for field, value in vars(data).items() if getattr(municipality, field) != value)
    for field, value in vars(data).items():
        setattr(municipality, field, value)
    record_audit(actor, municipality, "municipality.update", municipality, fields=changed)
    db.session.flush()
    return municipality
