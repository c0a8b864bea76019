"""Checking our outcome against a city's published one (the Pabulib ``selected`` column).

``selected=1`` is the city's outcome under its rule.  The special values are extras outside
the rule and not compared: 2 marks Poznań's projects funded from the 80 % reserve (and
Katowice's funded from leftover money under the threshold), 3 projects funded from funds
added later (META comments explain them).

A few cities' real outcomes differ from their stated rule for reasons the META comments give;
those files are listed in :data:`KNOWN_DEVIATIONS` by name with the reason, instead of
loosening the comparison for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .engine import compute
from .model import Instance

KNOWN_DEVIATIONS: dict[str, str] = {
    "Hungary_Budapest_2023_VIII_Jozsefvaros": (
        "META comment #2: only online votes are in the file while about half were cast on "
        "paper; #3: leftover money topped up neighbourhood winners (rule 'unknown')"
    ),
    "Hungary_Budapest_2024": (
        "META comment #2: about 10 % of the votes were cast on paper and are not in the file, "
        "so the winners were not determined by this data alone (rule 'unknown')"
    ),
    "Hungary_Veszprem_2025": (
        "META comments #1-#2: costs are sticker prices standing for cost ranges, and the "
        "winners' real costs were allowed to exceed the budget (rule 'unknown')"
    ),
    "Poland_Krakow_2022_Czyzyny": (
        "a real tie between two projects went to the more expensive one, against the "
        "cheaper-first order the other Polish cities used"
    ),
}
"""File name (without ``.pb``) -> why the published outcome differs from the stated rule."""


@dataclass(frozen=True)
class PublishedCheck:
    """Our outcome under the file's rule against the city's ``selected=1`` projects."""

    name: str
    rule: str
    ours: frozenset[str]
    published: frozenset[str]
    known_deviation: str | None

    @property
    def matches(self) -> bool:
        return self.ours == self.published

    @property
    def missing(self) -> list[str]:
        return sorted(self.published - self.ours)

    @property
    def extra(self) -> list[str]:
        return sorted(self.ours - self.published)


def published_outcome(instance: Instance) -> frozenset[str] | None:
    """The projects the city funded under its rule, or ``None`` without a selected column."""
    if not any(p.published_selected is not None for p in instance.projects.values()):
        return None
    return frozenset(pid for pid, p in instance.projects.items() if p.published_selected == 1)


def check_published(instance: Instance, name: str) -> PublishedCheck | None:
    """Compare the file's rule (ties to the cheaper project) with the published outcome."""
    published = published_outcome(instance)
    if published is None:
        return None
    result = compute(instance)
    stem = Path(name).name.removesuffix(".pb")
    return PublishedCheck(
        stem, result.rule, frozenset(result.selected), published, KNOWN_DEVIATIONS.get(stem)
    )
