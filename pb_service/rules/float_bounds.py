"""Float bounds that equal shares' Python run (``mes.py``) and its compiled run
(``mes_compiled.py``) share: a decision is taken in floats only past these."""

from __future__ import annotations

import sys

# Relative rounding error of one float operation, doubled to spare (2 ** -52).
EPSILON = sys.float_info.epsilon
# The poor set of a project settles in a few passes; past this many, it is found exactly.
MAX_FLOAT_PASSES = 16


def up(bound: float) -> float:
    """``bound`` (a sum of a few floats) moved up past the roundings of that sum."""
    return bound + abs(bound) * 2 * EPSILON


def down(bound: float) -> float:
    """``bound`` (a difference of a few floats) moved down past the roundings of it."""
    return bound - abs(bound) * 2 * EPSILON
