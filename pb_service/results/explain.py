"""Why a project won or lost: the performance measures of every project of a pool
(:mod:`pb_service.rules.measures`; Boehmer et al., IJCAI 2024, arXiv:2312.14723), computed once
when the pool is counted and stored, and told in plain words.

The measures are computed on the pool's instance exactly as it was counted and published (the
rule, its completion, the tie-break and its seed, the minimum of votes: all in the file's META),
so ``python -m pb_service.rules explain FILE.pb --json`` on the published file prints the same
values. They are in the file's money units (złoty); the sentences turn them into grosze and
format them as every amount in the app.

Nothing here computes at a page view: pages read :class:`~pb_service.results.models.PoolMeasures`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from pb_service.core.i18n import format_money
from pb_service.results.counting import GROSZE
from pb_service.results.models import Outcome, PoolMeasures, PoolResult, ProjectResult
from pb_service.rules import Instance, parse_pabulib

log = logging.getLogger(__name__)

#: The measures the sentences read (the engine may store more; they pass through untouched).
SHOWN = ("max_winning_cost", "singleton_add", "optimist_add", "pessimist_add")


# --- computing (at counting and at publication) --------------------------------------------------


def _jsonable(value):
    """The engine's values as JSON keeps them: exact fractions that are whole become integers."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def measure_instance(instance: Instance, rule: str, parameters: dict, jobs: int = 1) -> dict[str, dict]:
    """Every project's measures under ``rule`` with the count's tie-break and seed; thresholds
    come from the instance's META, as the count applied them.  ``jobs`` processes share the
    projects of a rule that is re-run (0: the machine's cores)."""
    # Imported on use: equal shares' measures load numpy, which a greedy edition never needs.
    from pb_service.rules.measures import measure

    found = measure(instance, rule, tie_breaking=parameters.get("tie_breaking"), seed=parameters.get("seed"), jobs=jobs)
    shaped = {pid: values.as_dict() for pid, values in found.items()}
    return json.loads(json.dumps(shaped, default=_jsonable))


def is_quick(rule: str) -> bool:
    """Whether the rule's measures take milliseconds (the greedy family, computed directly) rather
    than many re-runs of the rule (equal shares, Phragmén: seconds to minutes on a large pool)."""
    from pb_service.rules.measures import GREEDY_RULES

    return rule in GREEDY_RULES


def pool_measures(tenant, pool_result: PoolResult, instance: Instance, *, slow_rules: bool = True) -> PoolMeasures | None:
    """The measures of a counted pool, one computation for all its projects (None: none stored).

    ``slow_rules=False`` leaves out rules whose measures re-run the rule (bulk imports of
    historical files; ``flask pb results measure`` adds them later). The count stands without
    measures: if the engine fails, the failure is logged, nothing is stored, and publication
    tries again from the pool's file.
    """
    if not slow_rules and not is_quick(pool_result.rule):
        return None
    from pb_service.rules.measures import cpu_seconds  # on use, as in measure_instance

    started = cpu_seconds()
    try:
        projects = measure_instance(instance, pool_result.rule, pool_result.parameters, measures_processes(pool_result))
    except Exception:  # noqa: BLE001 - a count must never fail for its explanation
        log.exception("measures of pool %s under %s failed", pool_result.pool_id, pool_result.rule)
        return None
    return PoolMeasures(
        municipality_id=tenant.id, rule=pool_result.rule, projects=projects,
        cpu_milliseconds=round((cpu_seconds() - started) * 1000),
    )


def measures_processes(pool_result: PoolResult) -> int:
    """How many processes share the pool's measures: ``MEASURES_PROCESSES`` for a pool large
    enough to be left to the measures job (``MEASURES_IN_BACKGROUND_FROM`` ballots); one for a
    smaller pool, which takes a fraction of a second and may be counted in a web request, where
    forking the app server's threaded worker is neither needed nor safe."""
    config = current_app.config
    return config["MEASURES_PROCESSES"] if pool_result.voters >= config["MEASURES_IN_BACKGROUND_FROM"] else 1


def measures_from_file(tenant, pool_result: PoolResult, text: str, *, slow_rules: bool = True) -> PoolMeasures | None:
    """The measures of a pool counted without them, from its stored file (the instance it counted)."""
    if not slow_rules and not is_quick(pool_result.rule):
        return None
    return pool_measures(tenant, pool_result, parse_pabulib(text, source=pool_result.pabulib_filename))


def published_measures(pool_result: PoolResult) -> dict:
    """The pool's stored measures as published beside its ballots file: the CLI's ``explain --json`` shape."""
    return {"rule": pool_result.rule, "money_unit": "PLN", "projects": pool_result.measures.projects}


# --- telling (pages) ------------------------------------------------------------------------------


# Rows stored before the engine gave reason codes: the code, by the start of the English text.
_CODES_OF_OLD_TEXTS = (
    ("withdrawn", "withdrawn"),
    (("fewer than", "fewer voters than"), "below_min_votes"),
    ("its score is under the threshold", "below_threshold"),
    ("no money is left", "no_money_left"),
    ("greedy stops before it", "greedy_stopped"),
    ("it costs more than the budget", "over_budget"),
    ("not selected even with", "add_search_limit"),
    ("not selected", "not_selected_at_any_cost"),
)


def plain_reason(reason: str, code: str | None = None) -> str:
    """The engine's reason for a missing value, in the reader's words: by its stable code
    (``reason_codes``), or for rows stored before there were codes, by its English text."""
    if code is None:
        code = next((found for start, found in _CODES_OF_OLD_TEXTS if reason.startswith(start)), None)
    if code == "withdrawn":
        return _("the project was withdrawn")
    if code in ("below_min_votes", "below_threshold"):
        return _("it had fewer votes than the minimum a project needs")
    if code == "no_money_left":
        return _("when its turn came, the projects with more votes had already used the money")
    if code == "greedy_stopped":
        return _("the count stopped at an earlier project that did not fit, before this one's turn")
    if code == "over_budget":
        return _("it costs more than the whole budget of the pool")
    if code == "add_search_limit":
        return _("not even many times more supporters than there were voters would have been enough")
    if code in ("not_selected_at_any_cost", "not_selected_at_costs_tried"):
        return _("even at almost no cost the rule would not have chosen it")
    return _("no such change on its own would have been enough")


@dataclass
class Explanation:
    """One project's measures, told: a sentence, notes, and the figures (money in grosze)."""

    #: The one sentence a resident reads first.
    sentence: str
    notes: list[str] = field(default_factory=list)
    selected: bool = False
    #: The largest cost at which it is selected, in grosze (None: no cost).
    max_winning_cost: int | None = None
    #: How much cheaper it had to be (lost) or how much dearer it could have been (won), in grosze.
    cost_change: int | None = None
    singleton_add: int | None = None
    optimist_add: int | None = None
    pessimist_add: int | None = None
    #: Measure name → why it is missing, in plain words.
    reasons: dict[str, str] = field(default_factory=dict)


def _supporters_note(values: dict) -> str | None:
    """What the current voters of other projects would have had to do, when it says more."""
    optimist, pessimist = values.get("optimist_add"), values.get("pessimist_add")
    if optimist is None or pessimist is None or (optimist == pessimist == values.get("singleton_add")):
        return None
    if optimist == pessimist:
        return ngettext(
            "Of those who voted for other projects, %(num)s more would have had to choose it as well.",
            "Of those who voted for other projects, %(num)s more would have had to choose it as well.",
            optimist,
        )
    return _(
        "Of those who voted for other projects, %(best)s more choosing it as well would have been enough at best, and %(worst)s at worst.",
        best=optimist, worst=pessimist,
    )


def explain(project: ProjectResult, values: dict | None) -> Explanation | None:
    """The project's measures as sentences in the current language (None: nothing to say)."""
    if values is None or project.outcome is Outcome.WITHDRAWN:
        return None
    winning = values.get("max_winning_cost")
    winning_grosze = None if winning is None else int(winning) * GROSZE
    codes = values.get("reason_codes") or {}
    reasons = {
        name: plain_reason(str(reason), codes.get(name))
        for name, reason in (values.get("reasons") or {}).items() if name in SHOWN
    }
    found = Explanation(
        sentence="", selected=bool(values.get("selected")), max_winning_cost=winning_grosze,
        singleton_add=values.get("singleton_add"), optimist_add=values.get("optimist_add"),
        pessimist_add=values.get("pessimist_add"), reasons=reasons,
    )
    if found.selected:
        _explain_win(project, found)
    else:
        _explain_loss(project, found, values)
    return found


def _explain_win(project: ProjectResult, found: Explanation) -> None:
    if found.max_winning_cost is None:
        found.sentence = _("This project was funded.")
        return
    found.cost_change = max(found.max_winning_cost - project.cost, 0)
    if found.cost_change == 0:
        found.sentence = _("This project was funded, but only just: had it cost any more, it would not have been.")
    else:
        found.sentence = _(
            "This project was funded with room to spare: it could have cost %(amount)s more (%(limit)s in all) and still have been funded.",
            amount=format_money(found.cost_change), limit=format_money(found.max_winning_cost),
        )


def _explain_loss(project: ProjectResult, found: Explanation, values: dict) -> None:
    if found.max_winning_cost is not None and found.max_winning_cost < project.cost:
        found.cost_change = project.cost - found.max_winning_cost
    cheaper, more = found.cost_change, found.singleton_add
    if cheaper is not None and more is not None:
        found.sentence = ngettext(
            "This project would have been funded if it had cost %(amount)s less, or had %(num)s more supporter.",
            "This project would have been funded if it had cost %(amount)s less, or had %(num)s more supporters.",
            more, amount=format_money(cheaper),
        )
    elif cheaper is not None:
        found.sentence = _("This project would have been funded if it had cost %(amount)s less.", amount=format_money(cheaper))
    elif more is not None:
        found.sentence = ngettext(
            "This project would have been funded if it had had %(num)s more supporter.",
            "This project would have been funded if it had had %(num)s more supporters.",
            more,
        )
    else:
        found.sentence = _("Neither a lower cost nor more supporters on their own would have made this project funded.")
    if cheaper is None:
        found.notes.append(_("No lower cost would have helped: %(why)s.", why=found.reasons.get("max_winning_cost", plain_reason(""))))
    if more is None:
        found.notes.append(_("No number of extra supporters would have helped: %(why)s.", why=found.reasons.get("singleton_add", plain_reason(""))))
    note = _supporters_note(values)
    if note:
        found.notes.append(note)
    if project.outcome is Outcome.FUNDED_FROM_LEFTOVER:
        # Funded all the same: what follows is how far the rule itself was from choosing it.
        found.notes.insert(0, found.sentence)
        found.sentence = _("This project was funded from the money left over, not by the rule itself.")


def explanations(pool_result: PoolResult) -> dict[int, Explanation]:
    """Proposal id → explanation, for every project of the pool with stored measures."""
    if pool_result.measures is None:
        return {}
    told = {}
    for project in pool_result.projects:
        found = explain(project, project.measures)
        if found is not None:
            told[project.proposal_id] = found
    return told
