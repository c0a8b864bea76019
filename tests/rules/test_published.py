"""Every city outcome in tests/data is reproduced under its file's rule, or listed by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from pb_service.rules.published import KNOWN_DEVIATIONS, check_published

DATA_FILES = sorted((Path(__file__).resolve().parent.parent / "data").glob("*.pb"))


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_published_outcome_is_reproduced(load, path):
    check = check_published(load(path.name), path.name)
    if check is None:
        pytest.skip("no selected column")
    if check.known_deviation:
        assert not check.matches, f"{check.name} now matches: remove it from KNOWN_DEVIATIONS"
    else:
        assert check.matches, f"{check.rule}: missing {check.missing}, extra {check.extra}"


def test_every_known_deviation_has_a_reason():
    assert all(len(reason) > 20 for reason in KNOWN_DEVIATIONS.values())
