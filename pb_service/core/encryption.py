"""Secrets the service must read back (TOTP keys), encrypted at rest with a key derived from SECRET_KEY.

A password is hashed because it only has to be compared; an authenticator key must be read to
compute the expected code, so it is encrypted instead: Fernet (AES-128-CBC with HMAC-SHA-256, from
the ``cryptography`` package) under a key derived from ``SECRET_KEY`` by HKDF-SHA-256 with a
purpose label. Whoever reads the database, a backup or a dump, without the app's configuration,
sees only ``fernet:...`` tokens. Changing ``SECRET_KEY`` makes the stored keys unreadable: the
people concerned set up their second factor again (docs/operations.md).
"""
from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
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


@lru_cache(maxsize=8)
def fernet_for(secret_key: str, info: bytes = TOTP_KEY_INFO) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str, secret_key: str) -> str:
    return PREFIX + fernet_for(secret_key).encrypt(value.encode()).decode()


def decrypt(stored: str, secret_key: str) -> str:
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("a stored secret is not encrypted")
    try:
        return fernet_for(secret_key).decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("a stored secret does not decrypt with this SECRET_KEY") from error


class EncryptedString(TypeDecorator):
    """A string column stored encrypted (empty stays empty: "no secret" needs no key)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if not value:
            return value
        return encrypt(value, current_app.config["SECRET_KEY"])

    def process_result_value(self, value, dialect):
        if not value:
            return value
        return decrypt(value, current_app.config["SECRET_KEY"])
