"""Demo data for ``make run``: programme staff, two municipalities with officials, residents.

Idempotent: each object is looked up by its natural key first, so a second run changes nothing.
"""
from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from pb_service.accounts.demo import DEMO_PASSWORD, demo_password_hash
from pb_service.accounts.models import Membership, User
from pb_service.accounts.services import user_by_email
from pb_service.core.models import utcnow
from pb_service.core.roles import Role
from pb_service.core.tenancy import allow_cross_tenant, tenant_select
from pb_service.extensions import db
from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship

#: Public facts: TERYT codes and GUS population figures (31 Dec 2023).
DEMO_MUNICIPALITIES = [
    dict(
        slug="gdansk", name="Miasto Gdańsk", teryt="2261011", voivodeship=Voivodeship.POMORSKIE,
        kind=MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, population=486_492,
        contact_email="bo@gdansk.example.org", contact_phone="+48 58 000 00 00",
        contact_address="ul. Nowe Ogrody 8/12, 80-803 Gdańsk", website="https://www.gdansk.pl",
        accessibility_coordinator_name="Koordynator ds. dostępności",
        accessibility_coordinator_email="dostepnosc@gdansk.example.org",
    ),
    dict(
        slug="krakow", name="Gmina Miejska Kraków", teryt="1261011", voivodeship=Voivodeship.MALOPOLSKIE,
        kind=MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, population=803_282,
        contact_email="budzet@krakow.example.org", contact_phone="+48 12 000 00 00",
        contact_address="pl. Wszystkich Świętych 3-4, 31-004 Kraków", website="https://www.krakow.pl",
        accessibility_coordinator_name="Koordynator ds. dostępności",
        accessibility_coordinator_email="dostepnosc@krakow.example.org",
    ),
]

#: (e-mail, name, staff?, {municipality slug: [roles]})
DEMO_USERS = [
    ("staff@example.org", "Anna Programowa", True, {}),
    ("admin.gdansk@example.org", "Piotr Administrator", False, {"gdansk": [Role.ADMIN]}),
    ("evaluator.gdansk@example.org", "Ewa Oceniająca", False, {"gdansk": [Role.EVALUATOR]}),
    ("clerk.gdansk@example.org", "Jan Urzędnik", False, {"gdansk": [Role.CLERK]}),
    ("clerk2.gdansk@example.org", "Barbara Protokolantka", False, {"gdansk": [Role.CLERK]}),
    ("admin.krakow@example.org", "Maria Administratorka", False, {"krakow": [Role.ADMIN]}),
    ("evaluator.krakow@example.org", "Tomasz Oceniający", False, {"krakow": [Role.EVALUATOR, Role.OBSERVER]}),
    ("resident@example.org", "Zofia Mieszkanka", False, {}),
    ("resident.uk@example.org", "Олена Мешканка", False, {}),
]


def demo_totp_secret(email: str) -> str:
    """The fixed authenticator secret of a demo official: public, printed, for trying the service only."""
    return base64.b32encode(hashlib.sha256(f"pb-service demo {email}".encode()).digest()[:20]).decode()


def demo_accounts_with_second_factor() -> set[str]:
    """Demo officials and staff: they must use a second factor, so the demo gives them one."""
    return {email for email, _name, is_staff, roles in DEMO_USERS if is_staff or roles}


def _municipality(data: dict) -> Municipality:
    municipality = db.session.scalar(select(Municipality).where(Municipality.slug == data["slug"]))
    if municipality is None:
        municipality = Municipality(**data)
        db.session.add(municipality)
        db.session.flush()
    return municipality


def _user(email: str, name: str, is_staff: bool) -> User:
    user = user_by_email(email)
    if user is None:
        user = User(
            email=email, display_name=name, password_hash=demo_password_hash(),
            is_staff=is_staff, confirmed_at=utcnow(), locale="uk" if email.startswith("resident.uk") else "",
        )
        db.session.add(user)
        db.session.flush()
    if email in demo_accounts_with_second_factor() and not user.totp_secret:
        user.totp_secret = demo_totp_secret(email)
    return user


def _membership(user: User, municipality: Municipality, role: Role) -> None:
    statement = tenant_select(Membership, municipality, Membership.user_id == user.id, Membership.role == role)
    if db.session.scalar(statement) is None:
        db.session.add(Membership(municipality_id=municipality.id, user_id=user.id, role=role))


def load_demo() -> list[str]:
    """Create the whole demo; return lines describing the demo accounts and what was added."""
    return load_demo_first() + load_demo_rest()


def load_demo_first() -> list[str]:
    """What a newcomer opens first: the accounts, the cities' current editions (a vote under way,
    proposals being written, a vote just counted), accessibility requests and the hub's materials
    and events. About a second's work; ``make run`` serves the pages once it is committed."""
    # The loader writes every demo municipality's rows, however it is called (the command lifts
    # the wall too; a test's or a script's call must not depend on that).
    allow_cross_tenant(db.session, "demo loader: every demo municipality")
    municipalities = _municipalities()
    lines = ["Demo accounts (password for all: %s):" % DEMO_PASSWORD]
    for email, name, is_staff, roles in DEMO_USERS:
        user = _user(email, name, is_staff)
        for slug, role_list in roles.items():
            for role in role_list:
                _membership(user, municipalities[slug], role)
        what = ["programme staff"] if is_staff else []
        what += [f"{role.value} in {slug}" for slug, role_list in roles.items() for role in role_list]
        lines.append(f"  {email:32} {', '.join(what) or 'resident'}")
        if email in demo_accounts_with_second_factor():
            lines.append(f"  {'':32} authenticator key {demo_totp_secret(email)}")
    lines.append("Officials and staff need a code at sign-in: add the key to an authenticator app, or run")
    lines.append("  flask pb demo-code EMAIL    (prints the current code of a demo account; never in production)")
    from pb_service.demo.editions import load_current_editions

    db.session.flush()
    edition_lines = load_current_editions(municipalities)
    if edition_lines:
        lines += ["Demo editions:"] + edition_lines
    from pb_service.accessibility.demo import load_demo_requests

    load_demo_requests(municipalities["gdansk"])
    from pb_service.hub.demo import load_demo_hub

    return lines + load_demo_hub()


def load_demo_rest() -> list[str]:
    """What may arrive while the server already answers (several seconds): last year's editions,
    counted and published, the analytics of real past editions from Pabulib, and the hub's good
    practices, which link to an imported edition. Needs :func:`load_demo_first` first."""
    allow_cross_tenant(db.session, "demo loader: every demo municipality")
    municipalities = _municipalities()
    from pb_service.demo.editions import load_past_editions

    edition_lines = load_past_editions(municipalities)
    lines = ["Demo editions with published results:", *edition_lines] if edition_lines else []
    # The Pabulib importer commits edition by edition: what it may build on is committed first.
    db.session.commit()
    from pb_service.analytics.demo import load_demo_analytics

    lines += ["Demo analytics (real past editions from Pabulib):"] + load_demo_analytics(municipalities)
    from pb_service.hub.demo import load_demo_practices

    return lines + load_demo_practices()


def _municipalities() -> dict[str, Municipality]:
    return {data["slug"]: _municipality(data) for data in DEMO_MUNICIPALITIES}
