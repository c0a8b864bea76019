"""The ballot box's keys: derived from a secret held outside the database, never stored in it.

``VOTER_SECRET`` (an environment variable, separate from ``SECRET_KEY``) and the edition's random
salt (``edition.voter_salt``, in the database) give, by HKDF-SHA-256 with a purpose label:

- the **identity key**: the HMAC key of voters' identity hashes, one-time code hashes and the
  register. Whoever holds a dump but not the secret cannot tell whether a given PESEL voted;
- the **sealing key**: AES-256-GCM for ballots waiting in the box (``SealedBallot``) and clerks'
  unsettled paper entries, so the rows written in a voter's own transaction show nothing of the
  choices; and the key of the receipt tags by which a voter checks a ballot not yet mixed.

The secret must not change while an edition is open: the same PESEL would hash differently and its
owner could vote again (docs/operations.md says how it is kept and backed up).
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from pb_service.voting.canonical_identity import identity_hash

#: HKDF purpose labels; a new label would mean new keys, so a running edition must keep these.
IDENTITY_KEY_INFO = b"pb-service: voter identity hashes, v1"
SEALING_KEY_INFO = b"pb-service: sealed ballots, v1"
RECEIPT_TAG_INFO = b"pb-service: receipt tags of sealed ballots, v1"
#: Sealed plaintexts are padded to a multiple of this many bytes, so the length of a sealed row
#: does not tell how many projects its ballot chose (almost every ballot fits in one block).
SEAL_BLOCK = 1024
NONCE_BYTES = 12


class SealBroken(RuntimeError):
    """A sealed value does not open with this VOTER_SECRET (changed secret, or tampering)."""


@lru_cache(maxsize=256)
def _derive(secret: str, salt: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), info=info).derive(secret.encode())


def _key(edition, info: bytes) -> bytes:
    return _derive(current_app.config["VOTER_SECRET"], edition.voter_salt, info)


def identity_key(edition) -> bytes:
    """The HMAC key of this edition's identity hashes."""
    return _key(edition, IDENTITY_KEY_INFO)


def keyed_hash(edition, value: str) -> str:
    """HMAC-SHA-256 (hex) of a canonical value under the edition's identity key."""
    return identity_hash(identity_key(edition), value)


def receipt_tag(edition, normalised_code: str) -> str:
    """What the box keeps of a waiting ballot's receipt: a keyed hash a dump cannot match to the
    receipt hash the mixed ballot will carry."""
    return identity_hash(_key(edition, RECEIPT_TAG_INFO), normalised_code)


def _associated_data(edition, purpose: str) -> bytes:
    # Binds a sealed value to its edition and use: a row copied elsewhere does not open.
    return f"{edition.municipality_id}:{edition.id}:{purpose}".encode()


def seal(edition, purpose: str, content: dict) -> bytes:
    """Encrypt ``content`` (JSON) under the edition's sealing key: nonce + ciphertext."""
    plain = json.dumps(content, separators=(",", ":"), sort_keys=True).encode()
    blocks = max(1, -(-len(plain) // SEAL_BLOCK))
    padded = plain.ljust(blocks * SEAL_BLOCK)  # JSON ignores the trailing spaces
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_key(edition, SEALING_KEY_INFO)).encrypt(nonce, padded, _associated_data(edition, purpose))


def unseal(edition, purpose: str, sealed: bytes) -> dict:
    try:
        plain = AESGCM(_key(edition, SEALING_KEY_INFO)).decrypt(
            bytes(sealed[:NONCE_BYTES]), bytes(sealed[NONCE_BYTES:]), _associated_data(edition, purpose)
        )
    except Exception as error:  # cryptography raises InvalidTag without a message
        raise SealBroken("a sealed value does not open with this VOTER_SECRET") from error
    return json.loads(plain)
