"""How many examples a Hypothesis test draws: the full number in `make test`, a quarter (at least
ten) in `make test-fast` (``PB_TEST_EXAMPLES=fast``), the inner loop. Tests that set their own
``max_examples`` take it from :func:`examples`; the others follow the profile (tests/conftest.py).
"""
from __future__ import annotations

import os

FAST = os.environ.get("PB_TEST_EXAMPLES", "").strip().lower() == "fast"


def examples(full: int) -> int:
    return max(full // 4, 10) if FAST else full
