"""Whether a voter's choices in one pool are valid under the level's voting method.

Pure functions over plain values (no database), shared by the HTML ballot, the API and the
clerks' paper-ballot entry, so that every channel accepts exactly the same ballots.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext


@dataclass(frozen=True)
class MethodSpec:
    """The voting method of a level, as the edition's settings define it."""

    #: "approval", "points", "cumulative" or "knapsack".
    method: str
    min_choices: int = 0
    max_choices: int | None = None
    #: Points by rank for "points", e.g. (3, 2, 1).
    points: tuple[int, ...] = ()
    #: Points to spread for "cumulative", e.g. 5.
    total_points: int | None = None
    must_use_all: bool = False


@dataclass
class PoolChoices:
    """Valid choices: project id → points (1 for approval and knapsack), or the reasons why not."""

    points: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _whole_number(value) -> int:
    """An int from an int or a string of digits; floats, booleans and the rest are refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError(value)


def parse_choices(raw, method: str) -> tuple[dict[int, int] | None, str | None]:
    """Accept ``[id, ...]`` (approval, knapsack) or ``{id: points}`` (points, cumulative)."""
    selection: dict[int, int] = {}
    try:
        if isinstance(raw, dict):
            for key, value in raw.items():
                points = _whole_number(value)
                if points:
                    selection[_whole_number(key)] = points
        elif isinstance(raw, (list, tuple)):
            ids = [_whole_number(item) for item in raw]
            if len(set(ids)) != len(ids):
                return None, str(_l("A project is chosen more than once."))
            selection = {project_id: 1 for project_id in ids}
        elif raw is None:
            selection = {}
        else:
            return None, str(_l("The choices are not in a form we understand."))
    except (TypeError, ValueError):
        return None, str(_l("The choices are not in a form we understand."))
    if method in ("approval", "knapsack") and any(points != 1 for points in selection.values()):
        return None, str(_l("In this vote you choose projects; points are not used."))
    if any(points < 0 for points in selection.values()):
        return None, str(_l("Points cannot be negative."))
    return selection, None


def validate_pool_choices(spec: MethodSpec, project_costs: dict[int, int], budget: int, raw) -> PoolChoices:
    """Check one pool's choices; ``project_costs`` holds the projects on this pool's ballot."""
    selection, problem = parse_choices(raw, spec.method)
    if problem:
        return PoolChoices(errors=[problem])
    errors: list[str] = []
    unknown = sorted(set(selection) - set(project_costs))
    if unknown:
        errors.append(str(_l("Some chosen projects are not on this ballot.")))
        return PoolChoices(errors=errors)
    count = len(selection)
    if spec.method in ("approval", "knapsack"):
        if count < spec.min_choices:
            errors.append(ngettext("Choose at least %(num)d project.", "Choose at least %(num)d projects.", spec.min_choices))
        if spec.max_choices is not None and count > spec.max_choices:
            errors.append(ngettext("Choose at most %(num)d project.", "Choose at most %(num)d projects.", spec.max_choices))
        if spec.method == "knapsack" and sum(project_costs[p] for p in selection) > budget:
            errors.append(str(_l("The chosen projects cost more than the pool's budget.")))
    elif spec.method == "points":
        available = Counter(spec.points)
        used = Counter(selection.values())
        if any(used[value] > available[value] for value in used):
            allowed = ", ".join(str(p) for p in spec.points)
            errors.append(str(_l("Give each of the points %(points)s to one project at most.", points=allowed)))
        elif spec.must_use_all and used != available:
            errors.append(str(_l("Give out all the points: %(points)s.", points=", ".join(str(p) for p in spec.points))))
    elif spec.method == "cumulative":
        total = sum(selection.values())
        if spec.total_points is not None and total > spec.total_points:
            errors.append(ngettext("You can give at most %(num)d point in total.", "You can give at most %(num)d points in total.", spec.total_points))
        elif spec.must_use_all and total != spec.total_points:
            errors.append(ngettext("Give out exactly %(num)d point.", "Give out exactly %(num)d points.", spec.total_points))
        if count < spec.min_choices:
            errors.append(ngettext("Choose at least %(num)d project.", "Choose at least %(num)d projects.", spec.min_choices))
    else:
        errors.append(str(_l("This voting method is not supported.")))
    return PoolChoices(points={} if errors else selection, errors=errors)
