"""Fixtures for the rules tests: the small real Pabulib instances copied into tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from pb_service.rules import read_pabulib

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def load():
    """Read a tests/data instance by file name (cached: parsing is done once per session)."""
    cache = {}

    def _load(name: str):
        if name not in cache:
            cache[name] = read_pabulib(DATA / name)
        return cache[name]

    return _load
