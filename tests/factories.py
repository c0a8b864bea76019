"""Factories for test data: each returns a flushed object with unique natural keys."""
from __future__ import annotations

import itertools

import pyotp
from sqlalchemy.orm import object_session

from pb_service.accounts.models import Membership, User
from pb_service.accounts.services import hash_password
from pb_service.core.models import utcnow
from pb_service.core.roles import Role
from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship

PASSWORD = "correct horse battery"
#: Every factory user's authenticator secret, so that ``login`` can compute the current code.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_sequence = itertools.count(1)
# Hashing with argon2's defaults costs ~50 ms; tests share one hash of the same password.
_password_hash = None


def _shared_password_hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def make_municipality(session, **fields) -> Municipality:
    n = next(_sequence)
    values = dict(
        slug=f"gmina-{n}",
        name=f"Gmina Testowa {n}",
        teryt=f"22{n:04d}1",
        voivodeship=Voivodeship.POMORSKIE,
        kind=MunicipalityKind.CITY_WITH_POWIAT_RIGHTS,
        population=100_000,
    )
    values.update(fields)
    municipality = Municipality(**values)
    session.add(municipality)
    session.flush()
    return municipality


def make_user(session, *, email=None, staff=False, confirmed=True, second_factor=True, **fields) -> User:
    """A user with a second factor by default, so that any of them may become an official mid-test."""
    n = next(_sequence)
    user = User(
        email=email or f"user{n}@example.org",
        display_name=fields.pop("display_name", f"User {n}"),
        password_hash=_shared_password_hash(),
        is_staff=staff,
        confirmed_at=utcnow() if confirmed else None,
        totp_secret=TOTP_SECRET if second_factor else "",
        **fields,
    )
    session.add(user)
    session.flush()
    return user


def make_official(session, municipality: Municipality, role: Role = Role.ADMIN, **fields) -> User:
    user = make_user(session, **fields)
    session.add(Membership(municipality_id=municipality.id, user_id=user.id, role=role))
    session.flush()
    return user


def current_code(user: User) -> str:
    """A TOTP code the app accepts now for ``user``: one not used yet (codes are good once)."""
    session = object_session(user)
    if session is not None:
        session.refresh(user)
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(utcnow())
    step = max(now, (user.totp_last_step or now - 1) + 1)
    assert step <= now + 1, f"{user.email} signed in more than twice within one 30-second step"
    return totp.generate_otp(step)


def login(client, user: User, password: str = PASSWORD):
    """Sign in with the password and, where the account has one, the second factor."""
    response = client.post("/account/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    if response.headers["Location"].endswith("/account/login/code"):
        response = client.post("/account/login/code", data={"code": current_code(user)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response
