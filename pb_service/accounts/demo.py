"""Demo accounts: one password for all of them (``flask pb demo`` prints it)."""
from __future__ import annotations

from functools import cache

from pb_service.accounts.services import hash_password

DEMO_PASSWORD = "demo-password"


@cache
def demo_password_hash() -> str:
    """One hash for every demo account: the password is public, and a hash costs 0.25 s of CPU."""
    return hash_password(DEMO_PASSWORD)
