"""The greedy rules most cities use: rank projects by score, fund them in that order.

``greedy``            skip a project that no longer fits and go on (the common rule).
``greedy-no-skip``    stop at the first project that does not fit (Wrocław, Gdynia; Poznań's
                      ``greedy-custom`` behaves so for the projects marked ``selected=1``).
``greedy-threshold``  as ``greedy``, but a project needs a minimum score (META
                      ``min_project_score_threshold`` or the ``min_score`` parameter), compared
                      inclusively (>=) with points for points ballots, not with votes.

Scores are votes, points or positional points (see :func:`~pb_service.rules.tally.project_scores`);
``ranking="votes"`` ranks by number of voters instead, which is what pabutools' cost-utility
greedy does on every ballot type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby

from .model import Number, Result, Status, Tie, format_decimal
from .tally import Tally

RANKINGS = ("score", "votes")


def greedy_fill(
    tally: Tally,
    candidates: Sequence[str],
    value: Mapping[str, Number],
    budget_left: Number,
    *,
    skip: bool = True,
) -> tuple[list[str], dict[str, tuple[Status, str]], list[Tie]]:
    """Fund ``candidates`` by decreasing ``value`` while money is left.

    Returns the funded ids in order, a status per candidate and the ties that decided who
    was funded.  Within a group of equal value, the order only matters if some project left
    out could have been funded had it come first in its group (it cost no more than the
    money left when the group was reached); only such ties are reported.
    """
    order = sorted(candidates, key=lambda pid: (-value[pid], tally.ties.key(pid)))
    funded: list[str] = []
    statuses: dict[str, tuple[Status, str]] = {}
    ties: list[Tie] = []
    stopped = False
    for score, group_iter in groupby(order, key=value.__getitem__):
        group = list(group_iter)
        left_at_group, reached = budget_left, not stopped
        for pid in group:
            if stopped:
                statuses[pid] = (Status.NOT_REACHED, "greedy stopped at an earlier project")
            elif tally.cost(pid) <= budget_left:
                funded.append(pid)
                budget_left -= tally.cost(pid)
                statuses[pid] = (Status.FUNDED, "")
            else:
                statuses[pid] = (Status.DID_NOT_FIT, f"{format_decimal(budget_left)} left")
                stopped = not skip
        if reached and len(group) > 1:
            tie = _deciding_tie(tally, group, statuses, left_at_group, skip)
            if tie is not None:
                ties.append(Tie(tie.projects, tie.winners, tie.settled_by, f"equal score {score}"))
    return funded, statuses, ties


def _deciding_tie(
    tally: Tally,
    group: list[str],
    statuses: dict[str, tuple[Status, str]],
    left_at_group: Number,
    skip: bool,
) -> Tie | None:
    """The tie within ``group`` if another order of the group could fund other projects.

    With skipping, that is when a project left out cost no more than the money left when
    the group was reached (put first, it would have been funded).  Without skipping, also
    when a funded project could have been blocked by a tied one that does not fit.  Losers
    that could have been funded get the status ``TIE``.
    """
    winners = tuple(pid for pid in group if statuses[pid][0] is Status.FUNDED)
    losers = [pid for pid in group if pid not in winners]
    could_win = [pid for pid in losers if tally.cost(pid) <= left_at_group]
    if skip:
        decisive = bool(could_win)
    else:
        decisive = bool(losers) and any(tally.cost(pid) <= left_at_group for pid in group)
    if not decisive:
        return None
    first_winner = winners[0] if winners else group[0]
    first_loser = next(pid for pid in could_win + losers if pid != first_winner)
    settled_by = tally.ties.settled_by(first_winner, first_loser)
    for pid in could_win:
        others = ", ".join(q for q in group if q != pid)
        statuses[pid] = (Status.TIE, f"tied with {others}; settled by {settled_by}")
    return Tie(tuple(group), winners, settled_by)


def greedy(
    tally: Tally,
    rule: str = "greedy",
    *,
    skip: bool = True,
    min_score: Number | None = None,
    ranking: str = "score",
) -> Result:
    """Rank by score (or votes), drop projects under ``min_score``, fund in order."""
    if ranking not in RANKINGS:
        raise ValueError(f"unknown ranking {ranking!r}; use one of {', '.join(RANKINGS)}")
    value = tally.scores if ranking == "score" else tally.votes
    statuses: dict[str, tuple[Status, str]] = {}
    candidates = []
    for pid in tally.eligible:
        if min_score is not None and tally.scores[pid] < min_score:
            statuses[pid] = (Status.UNDER_THRESHOLD, f"score below {min_score}")
        else:
            candidates.append(pid)
    funded, fill_statuses, ties = greedy_fill(
        tally, candidates, value, tally.instance.budget, skip=skip
    )
    statuses.update(fill_statuses)
    details: dict[str, object] = {"ranking": ranking}
    if min_score is not None:
        details["min_score"] = min_score
    return tally.result(rule, funded, statuses, ties, details, score=value)
