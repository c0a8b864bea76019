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
``more-votes-first``
    The project more voters chose first, then the cheaper one, then the lottery.
``lottery``
    The lottery alone: a shuffle of the project ids seeded with ``seed``.
``lexicographic``
    The project id as a string ("10" before "9"), which is what pabutools does by default.
    Only useful to check our outcomes against pabutools.
``min-cost-lexicographic``, ``max-cost-lexicographic``, ``more-votes-lexicographic``
    The cheaper, the dearer or the more chosen project first, then the id as a string:
    pabutools' ``min_cost_tie_breaking``, ``max_cost_tie_breaking`` and
    ``app_score_tie_breaking`` (which order projects by name before they break a tie), for
    :mod:`pb_service.rules.pabutools_compat`.

The first three are the orders an edition's resolution may choose (``Edition.tie_break``).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from .model import Number

TIE_BREAKINGS = (
    "cheaper-first", "more-votes-first", "lottery", "lexicographic",
    "min-cost-lexicographic", "max-cost-lexicographic", "more-votes-lexicographic",
)

#: Tie-break name -> the criteria compared in order: cost (cheaper or dearer first), votes
#: (more first), lottery draw, id.
_CRITERIA = {
    "cheaper-first": ("cost", "votes", "lottery"),
    "more-votes-first": ("votes", "cost", "lottery"),
    "lottery": ("lottery",),
    "lexicographic": ("id",),
    "min-cost-lexicographic": ("cost", "id"),
    "max-cost-lexicographic": ("dearer", "id"),
    "more-votes-lexicographic": ("votes", "id"),
}


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
        lottery = sorted(costs)
        random.Random(seed).shuffle(lottery)
        draw = {pid: position for position, pid in enumerate(lottery)}
        self._costs, self._votes, self._draw = costs, votes, draw
        self._criteria: tuple[str, ...] = _CRITERIA[kind]
        self._keys = {pid: self.key_with(pid) for pid in costs}

    def key_with(self, pid: str, cost: Number | None = None, votes: int | None = None) -> tuple:
        """``pid``'s key, as if it cost ``cost`` and had ``votes`` voters (what-if measures)."""
        cost = self._costs[pid] if cost is None else cost
        values = {
            "cost": cost,
            "dearer": -cost,
            "votes": -(self._votes.get(pid, 0) if votes is None else votes),
            "lottery": self._draw[pid],
            "id": pid,
        }
        return tuple(values[c] for c in self._criteria)

    @property
    def description(self) -> str:
        return {
            "cheaper-first": f"cheaper first, then more votes, then a lottery with seed {self.seed}",
            "more-votes-first": f"more votes first, then cheaper, then a lottery with seed {self.seed}",
            "lottery": f"a lottery with seed {self.seed}",
            "lexicographic": "lexicographic (project id as a string, like pabutools)",
            "min-cost-lexicographic": "cheaper first, then the project id as a string (like pabutools)",
            "max-cost-lexicographic": "dearer first, then the project id as a string (like pabutools)",
            "more-votes-lexicographic": "more votes first, then the project id as a string (like pabutools)",
        }[self.kind]

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
