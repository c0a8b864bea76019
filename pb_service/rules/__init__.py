"""Outcome rules for participatory budgeting and Pabulib ``.pb`` I/O (no Flask, no database).

The app builds an :class:`Instance` (from a ``.pb`` file with :func:`read_pabulib`, or from
its database with :meth:`Instance.from_data`) and calls :func:`compute`::

    from pb_service.rules import Instance, compute
    instance = Instance.from_data(budget=1000, projects={"a": 600, "b": 500},
                                  ballots=[["a"], ["a", "b"]], multiplicities=[3, 2])
    result = compute(instance, "greedy")
    result.selected, result.spent, result.leftover, result.outcomes["b"].status

See ``docs/rules.md`` for how each rule works and how ties are broken.
"""

from .engine import FILE_RULES, MIN_VOTES_KEY, RULES, UnknownRuleError, compute, resolve_rule
from .model import Ballot, Instance, Project, ProjectOutcome, Result, Status, Tie
from .pabulib import PabulibError, parse_pabulib, read_pabulib, write_pabulib
from .ties import TIE_BREAKINGS

__all__ = [
    "FILE_RULES",
    "MIN_VOTES_KEY",
    "RULES",
    "TIE_BREAKINGS",
    "Ballot",
    "Instance",
    "PabulibError",
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
