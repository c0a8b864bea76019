"""Secrets the service must read back (TOTP keys), encrypted at rest with a key derived from SECRET_KEY.

A password is hashed because it only has to be compared; an authenticator key must be read to
compute the expected code, so it is encrypted instead: Fernet (AES-128-CBC with HMAC-SHA-256, from
the ``cryptography`` package) under a key derived from ``SECRET_KEY`` by HKDF-SHA-256 with a
purpose label. Whoever reads the database, a backup or a dump, without the app's configuration,
sees only ``fernet:...`` tokens.

Key change (docs/operations.md): the new key becomes ``SECRET_KEY`` and the old one goes into
``SECRET_KEY_FALLBACKS``. Secrets are then written under the new key and read under either
(``MultiFernet``); ``flask pb rotate-secrets`` re-encrypts every stored secret under the new key,
after which the old one can be dropped. A key dropped too early makes the secrets still under it
unreadable (their owners set up their second factor again); the app never signs in without it.
"""
from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

PREFIX = "fernet:"
#: The HKDF purpose label; a new label (v2) would mean a new key, and a migration.
TOTP_KEY_INFO = b"pb-service: TOTP secrets at rest, v1"


class SecretUnreadable(RuntimeError):
    """A stored secret cannot be decrypted with this SECRET_KEY (changed key, or tampering)."""


def app_secret_keys() -> tuple[str, ...]:
    """``SECRET_KEY``, then the earlier keys still accepted during a key change."""
    config = current_app.config
    return (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ()))


def _as_keys(secret_keys: str | tuple[str, ...]) -> tuple[str, ...]:
    return (secret_keys,) if isinstance(secret_keys, str) else tuple(secret_keys)


@lru_cache(maxsize=8)
def _fernet(secret_keys: tuple[str, ...], info: bytes = TOTP_KEY_INFO) -> MultiFernet:
    """Encrypts under the first key, decrypts under any."""
    derived = (HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key.encode()) for key in secret_keys)
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in derived])


def encrypt(value: str, secret_keys: str | tuple[str, ...]) -> str:
    return PREFIX + _fernet(_as_keys(secret_keys)).encrypt(value.encode()).decode()


def _token(stored: str) -> bytes:
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("a stored secret is not encrypted")
    return stored[len(PREFIX):].encode()


def _with_keys(secret_keys: str | tuple[str, ...], operation):
    try:
        return operation(_fernet(_as_keys(secret_keys)))
    except InvalidToken as error:
        raise SecretUnreadable("a stored secret does not decrypt with SECRET_KEY or its fallbacks") from error


def decrypt(stored: str, secret_keys: str | tuple[str, ...]) -> str:
    return _with_keys(secret_keys, lambda fernet: fernet.decrypt(_token(stored)).decode())


def reencrypt(stored: str, secret_keys: str | tuple[str, ...]) -> str:
    """The same secret under the first key (``MultiFernet.rotate``), without the plain text leaving it."""
    return PREFIX + _with_keys(secret_keys, lambda fernet: fernet.rotate(_token(stored)).decode())


class EncryptedString(TypeDecorator):
    """A string column stored encrypted (empty stays empty: "no secret" needs no key)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if not value:
            return value
        return encrypt(value, app_secret_keys())

    def process_result_value(self, value, dialect):
        if not value:
            return value
        return decrypt(value, app_secret_keys())
