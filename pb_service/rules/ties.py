"""Tie-breaking orders shared by every rule.

A tie is never settled silently: rules order tied projects with a :class:`TieBreaker` and
report, in :attr:`Result.ties <pb_service.rules.model.Result.ties>`, every tie that decided
who was funded together with the criterion that settled it.

Two orders exist:

``cheaper-first`` (the default)
    The order cities and equalshares.net use (https://equalshares.net/implementation/tie-breaking/):
    the cheaper project first, then the one with more votes (voters who chose it), then a
    public lottery: a shuffle of the project ids seeded with ``seed``, recorded in the result
    so that anyone can redraw it.
``lexicographic``
    The project id as a string ("10" before "9"), which is what pabutools does by default.
    Only useful to check our outcomes against pabutools.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from .model import Number

TIE_BREAKINGS = ("cheaper-first", "lexicographic")


class TieBreaker:
    """Orders projects that a rule finds equally good; smaller :meth:`key` goes first."""

    def __init__(
        self,
        kind: str,
        costs: Mapping[str, Number],
        votes: Mapping[str, int],
        seed: int = 0,
    ) -> None:
        if kind not in TIE_BREAKINGS:
            raise ValueError(f"unknown tie-breaking {kind!r}; use one of {', '.join(TIE_BREAKINGS)}")
        self.kind = kind
        self.seed = seed
        if kind == "lexicographic":
            self._keys = {pid: (pid,) for pid in costs}
            self._criteria: tuple[str, ...] = ("id",)
        else:
            lottery = sorted(costs)
            random.Random(seed).shuffle(lottery)
            draw = {pid: position for position, pid in enumerate(lottery)}
            self._keys = {pid: (costs[pid], -votes.get(pid, 0), draw[pid]) for pid in costs}
            self._criteria = ("cost", "votes", "lottery")

    @property
    def description(self) -> str:
        if self.kind == "lexicographic":
            return "lexicographic (project id as a string, like pabutools)"
        return f"cheaper first, then more votes, then a lottery with seed {self.seed}"

    def key(self, project_id: str) -> tuple:
        return self._keys[project_id]

    def order(self, project_ids: Iterable[str]) -> list[str]:
        return sorted(project_ids, key=self._keys.__getitem__)

    def settled_by(self, winner: str, loser: str) -> str:
        """The first criterion on which ``winner`` beat ``loser``."""
        for criterion, a, b in zip(self._criteria, self._keys[winner], self._keys[loser]):
            if a != b:
                return criterion
        return self._criteria[-1]
