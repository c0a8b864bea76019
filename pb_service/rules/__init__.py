"""Outcome rules for participatory budgeting and Pabulib ``.pb`` I/O (no Flask, no database).

The app builds an :class:`Instance` (from a ``.pb`` file with :func:`read_pabulib`, or from
its database with :meth:`Instance.from_data`) and calls :func:`compute`::

    from pb_service.rules import Instance, compute
    instance = Instance.from_data(budget=1000, projects={"a": 600, "b": 500},
                                  ballots=[["a"], ["a", "b"]], multiplicities=[3, 2])
    result = compute(instance, "greedy")
    result.selected, result.spent, result.leftover, result.outcomes["b"].status

See ``docs/rules.md`` for how each rule works and how ties are broken, and ``README.md`` beside
this file for using the engine alone (it needs numpy only, and imports neither Flask nor the
web application) and for its pabutools-compatible entry point.
"""

from time import perf_counter as _clock

_import_started = _clock()

from .engine import FILE_RULES, MIN_VOTES_KEY, RULES, UnknownRuleError, compute, resolve_rule  # noqa: E402
from .model import Ballot, Instance, Project, ProjectOutcome, Result, Status, Tie  # noqa: E402
from .pabulib import PabulibError, PabulibWarning, parse_pabulib, read_pabulib, write_pabulib  # noqa: E402
from .ties import TIE_BREAKINGS  # noqa: E402

#: Seconds the import of this package took (the command line's ``--timings`` reports it).
IMPORT_SECONDS = _clock() - _import_started

__all__ = [
    "FILE_RULES",
    "MIN_VOTES_KEY",
    "RULES",
    "TIE_BREAKINGS",
    "Ballot",
    "Instance",
    "PabulibError",
    "PabulibWarning",
    "Project",
    "ProjectOutcome",
    "Result",
    "Status",
    "Tie",
    "UnknownRuleError",
    "compute",
    "parse_pabulib",
    "read_pabulib",
    "resolve_rule",
    "write_pabulib",
]
