"""Names shared with the rules engine and the voting issue: outcome rules, tie-breaks, ballots.

Kept in one place so that an edition's settings are validated together: a rule that needs
approval ballots is refused for a level that votes with points.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pb_service.core.enums import LabelledEnum


class VotingMethod(LabelledEnum):
    #: Choose between ``min_choices`` and ``max_choices`` projects.
    APPROVAL = "approval", _l("Approval: choose projects")
    #: Rank projects and give them fixed points, e.g. Kraków's 3/2/1.
    POINTS = "points", _l("Points by rank (e.g. 3, 2, 1)")
    #: Spread ``total_points`` over projects, e.g. Gdańsk's 5 points.
    CUMULATIVE = "cumulative", _l("Cumulative points to spread")
    #: Choose projects whose total cost fits the pool's budget.
    KNAPSACK = "knapsack", _l("Cost-limited choice (knapsack)")


ALL_METHODS = frozenset(VotingMethod)
APPROVAL_ONLY = frozenset({VotingMethod.APPROVAL})

#: Outcome rule name (as the rules engine calls it) → the ballot kinds it can count. Every rule
#: applies the pools' minimum of votes; ``greedy-threshold`` (Pabulib's threshold on points)
#: only counts editions imported from Pabulib files, as the city did.
OUTCOME_RULES: dict[str, frozenset[VotingMethod]] = {
    "greedy": ALL_METHODS,
    "greedy-no-skip": ALL_METHODS,
    "greedy-threshold": ALL_METHODS,
    "equalshares": APPROVAL_ONLY,
    "equalshares/add1": APPROVAL_ONLY,
    "equalshares/add1-comparison": APPROVAL_ONLY,
    "phragmen": APPROVAL_ONLY,
}
DEFAULT_OUTCOME_RULE = "greedy"
#: The rules an official may choose for an edition.
OFFERED_RULES = tuple(rule for rule in OUTCOME_RULES if rule != "greedy-threshold")

OUTCOME_RULE_LABELS = {
    "greedy": _l("Most votes first, skipping projects that no longer fit"),
    "greedy-no-skip": _l("Most votes first, stopping at the first project that does not fit"),
    "greedy-threshold": _l("Most votes first, only projects above the minimum number of votes"),
    "equalshares": _l("Method of Equal Shares"),
    "equalshares/add1": _l("Method of Equal Shares with completion (add one)"),
    "equalshares/add1-comparison": _l("Method of Equal Shares with completion, or most votes first where voters prefer it"),
    "phragmen": _l("Phragmén's sequential rule"),
}

#: Tie-break names as the rules engine calls them; the first is the default.
TIE_BREAKS = ("cheaper-first", "more-votes-first", "lottery")
TIE_BREAK_LABELS = {
    "cheaper-first": _l("The cheaper project first"),
    "more-votes-first": _l("The project with more votes first"),
    "lottery": _l("By lot"),
}


def tie_break_name(tie_break: str) -> str:
    return str(TIE_BREAK_LABELS.get(tie_break, tie_break))


def rule_accepts(rule: str, method: VotingMethod) -> bool:
    return method in OUTCOME_RULES.get(rule, frozenset())
