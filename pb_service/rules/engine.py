"""The rule registry and :func:`compute`, the one entry point the app and the CLI call."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from importlib import import_module

from .greedy import greedy
from .model import Instance, Number, Result
from .phragmen import sequential_phragmen
from .tally import Tally


MIN_VOTES_KEY = "min_project_votes_threshold"
"""META key of the minimum of voters a project needs under every rule (written by the app)."""


class UnknownRuleError(ValueError):
    """The rule name is not one we implement."""


def _greedy_threshold(tally: Tally, rule: str, min_score: Number | None = None, **params) -> Result:
    if min_score is None:
        min_score = tally.instance.meta_number("min_project_score_threshold")
    if min_score is None:
        raise ValueError("greedy-threshold needs min_project_score_threshold in META or --min-score")
    return greedy(tally, rule, min_score=min_score, **params)


def _equal_shares(function: str) -> Callable[..., Result]:
    """``mes.<function>``, imported at its first call: equal shares needs numpy, whose import
    costs more than a greedy count of a small file (see :func:`load_rule`)."""

    def run(tally: Tally, rule: str, **params) -> Result:
        return getattr(import_module(".mes", __package__), function)(tally, rule, **params)

    run.__name__ = run.__qualname__ = function
    return run


RULES: dict[str, Callable[..., Result]] = {
    "greedy": greedy,
    "greedy-no-skip": partial(greedy, skip=False),
    "greedy-threshold": _greedy_threshold,
    "equalshares": _equal_shares("equal_shares"),
    "equalshares/add1": _equal_shares("equal_shares_add1"),
    "equalshares/add1-comparison": _equal_shares("equal_shares_add1_comparison"),
    "phragmen": sequential_phragmen,
}
"""Rule name -> function(tally, rule, **params) returning a :class:`Result`."""

FILE_RULES = {
    **{name: name for name in RULES},
    # Poznań: fund by votes until the next project does not fit (its 80 % reserve-fund
    # extension is marked selected=2 in the files and is not part of the rule's outcome).
    "greedy-custom": "greedy-no-skip",
    # Warszawa 2024: mutually exclusive projects were withdrawn before the vote, so the
    # outcome is plain greedy on the remaining ones.
    "greedy-exclusive": "greedy",
    # Pabulib's "unknown" files were most likely counted by greedy (their META comments say so).
    "unknown": "greedy",
}
"""Pabulib META ``rule`` value -> the rule of :data:`RULES` that computes it."""

RULE_PARAMETERS = {
    "greedy": {"ranking"},
    "greedy-no-skip": {"ranking"},
    "greedy-threshold": {"ranking", "min_score"},
    "equalshares": set(),
    "equalshares/add1": {"increment"},
    "equalshares/add1-comparison": {"increment"},
    "phragmen": set(),
}


def load_rule(rule: str) -> None:
    """Import what the registry rule ``rule`` needs (numpy for equal shares) now rather than
    at its first count, so that a caller can time imports apart from counting."""
    if rule.startswith("equalshares"):
        import_module(".mes", __package__)


def resolve_rule(instance: Instance, rule: str | None) -> str:
    """The registry name for ``rule``; ``None`` or ``"file"`` means the file's META rule."""
    name = instance.rule if rule in (None, "file") else rule
    resolved = FILE_RULES.get(name)
    if resolved is None:
        known = ", ".join(["file", *RULES])
        raise UnknownRuleError(f"unknown rule {name!r}; known rules: {known}")
    return resolved


def compute(
    instance: Instance,
    rule: str | None = None,
    *,
    tie_breaking: str | None = None,
    seed: int | None = None,
    min_votes: int | None = None,
    **params,
) -> Result:
    """Compute ``rule`` on ``instance``.

    ``rule=None`` or ``"file"`` takes the rule from META (see :data:`FILE_RULES`).
    ``tie_breaking`` is one of :data:`~pb_service.rules.ties.TIE_BREAKINGS`:
    ``"cheaper-first"``, ``"more-votes-first"``, ``"lottery"`` (lottery seeded with ``seed``)
    or ``"lexicographic"`` (pabutools' order).  Left out, both come from META
    ``tie_breaking`` and ``tie_breaking_seed`` (the app writes them into the files it
    publishes, so that a bare ``tally FILE`` recounts them), else ``"cheaper-first"`` and 0.
    ``min_votes`` (left out: META ``min_project_votes_threshold``, which the app writes into
    its files) applies under every rule, completions included: a project needs support
    (points above 0) and at least that many voters to be funded.  Without it the file's own
    semantics hold (Pabulib's rules may fund a project nobody chose; see docs/rules.md).
    Rule parameters: ``min_score`` for
    greedy-threshold, ``ranking="votes"`` for the greedy rules, ``increment`` for add1.
    Parameters a rule does not take are ignored, so one call works for every rule.
    """
    name = resolve_rule(instance, rule)
    if tie_breaking is None:
        tie_breaking = instance.meta.get("tie_breaking", "").strip() or "cheaper-first"
    if seed is None:
        seed = int(instance.meta_number("tie_breaking_seed") or 0)
    if min_votes is None:
        threshold = instance.meta_number(MIN_VOTES_KEY)
        min_votes = None if threshold is None else math.ceil(threshold)
    tally = Tally.of(instance, tie_breaking, seed, min_votes)
    accepted = {k: v for k, v in params.items() if k in RULE_PARAMETERS[name] and v is not None}
    result = RULES[name](tally, name, **accepted)
    if min_votes is not None:
        result.details["min_votes"] = min_votes
    if instance.rule != name and rule in (None, "file"):
        result.details["file_rule"] = instance.rule
    return result
