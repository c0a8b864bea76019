"""Why a city funded other projects than our count of its Pabulib file: the import report's words.

A difference is explained, not just counted: the rule the file names and the one we counted with,
the threshold, the budget against what the city's selection costs, each project on which the two
differ (its votes, cost and what the rule did with it), the ties that decided, and which
variant of the rule (skipping or not, threshold or not, another tie-break) gives exactly the
city's selection, if one does.
"""
from __future__ import annotations

from pb_service.rules import Instance, compute
from pb_service.rules.model import Status, format_decimal

#: Variants tried on the file: (label, rule, keyword arguments of :func:`compute`).
VARIANTS = (
    ("greedy by votes, skipping what does not fit", "greedy", {}),
    ("greedy by votes, stopping at the first project that does not fit", "greedy-no-skip", {}),
    ("greedy by votes with the file's threshold, skipping what does not fit", "greedy-threshold", {}),
    ("greedy with the file's threshold, ties to the project with more votes", "greedy-threshold", {"tie_breaking": "more-votes-first"}),
    ("the same rule, ties to the project with more votes", None, {"tie_breaking": "more-votes-first"}),
    ("the same rule, ties by project id (pabutools' order)", None, {"tie_breaking": "lexicographic"}),
)
_STATUS_WORDS = {
    Status.FUNDED: "funded",
    Status.DID_NOT_FIT: "did not fit in the money left",
    Status.UNDER_THRESHOLD: "under the threshold",
    Status.NOT_REACHED: "not reached: the rule stopped at a project that did not fit",
    Status.TIE: "lost a tie",
    Status.WITHDRAWN: "withdrawn (cost 999,999,999)",
}


def _money(amount) -> str:
    return f"{format_decimal(amount)} zł"


def explain_selection(instance: Instance, rule: str, city_selected: list[str]) -> list[str]:
    """Sentences that explain why ``rule`` on the file funds other projects than the city did."""
    ours = compute(instance, rule, tie_breaking="cheaper-first")
    city = set(city_selected)
    threshold = instance.meta_number("min_project_score_threshold")
    votes = {pid: project.fields.get("votes", "?") for pid, project in instance.projects.items()}
    lines = [
        f"rule: the file names {instance.rule!r}, counted as {rule!r} with ties to the cheaper project"
        + (f", threshold {format_decimal(threshold)} (compared with {'points' if 'points' in instance.vote_columns else 'votes'})" if threshold else ", no threshold"),
        f"budget {_money(instance.budget)}: the city's selection costs {_money(sum(instance.projects[pid].cost for pid in city))}, "
        f"ours {_money(ours.spent)}",
    ]
    for pid in sorted(city ^ set(ours.selected)):
        project = instance.projects[pid]
        outcome = ours.outcomes[pid]
        what = _STATUS_WORDS.get(outcome.status, outcome.status.value) + (f" ({outcome.detail})" if outcome.detail else "")
        lines.append(
            f"{pid} ({project.name.strip()[:60]}): cost {_money(project.cost)}, {votes[pid]} votes, score {format_decimal(outcome.score)}; "
            f"the city {'funded' if pid in city else 'did not fund'} it, our count: {what}"
        )
    for tie in ours.ties:
        if set(tie.projects) & (city ^ set(ours.selected)):
            lines.append(f"tie between {', '.join(tie.projects)} ({tie.context or 'equal score'}): settled by {tie.settled_by} for {', '.join(tie.winners)}")
    matching = []
    for label, variant_rule, options in VARIANTS:
        try:
            result = compute(instance, variant_rule or rule, **{"tie_breaking": "cheaper-first", **options})
        except ValueError:
            continue
        if set(result.selected) == city:
            matching.append(label)
    if matching:
        lines.append(f"the city's selection is exactly what {matching[0]} gives: that is how the city counted")
    else:
        lines.append(
            "no variant of the rule (skipping or not, threshold or not, other tie-breaks) gives the city's selection: "
            "the city funded outside the published rule (extra money, a withdrawn or merged project) or the file's votes differ from the city's"
        )
    return lines
