"""Command line: ``python -m pb_service.rules tally FILE.pb [--rule RULE] [--min-score N] [--json]``
and ``python -m pb_service.rules explain FILE.pb [--rule RULE] [--project ID] [--json]`` (the
performance measures of :mod:`pb_service.rules.measures`).

The app's ``flask pb tally`` calls :func:`main` with the same arguments.  Exit status 0 on
success, 2 on a bad file, rule or option, with a one-line message on stderr (never a
traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from fractions import Fraction

from .engine import RULES, compute
from .measures import MEASURES, ProjectMeasures, measure
from .model import Result, format_decimal
from .pabulib import PabulibError, parse_number, read_pabulib
from .ties import TIE_BREAKINGS

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _number(text: str) -> int | Fraction:
    try:
        return parse_number(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser(prog: str = "python -m pb_service.rules") -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog=prog, description="Participatory-budgeting outcome rules.")
    commands = parser.add_subparsers(dest="command", required=True)
    tally = commands.add_parser("tally", help="compute the outcome of a Pabulib .pb file")
    _rule_options(tally)
    explain = commands.add_parser(
        "explain", help="how far each project was from the other outcome (performance measures)"
    )
    _rule_options(explain)
    explain.add_argument("--project", action="append", help="only this project id (repeatable)")
    return parser


def _rule_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("file", help="the .pb file")
    command.add_argument(
        "--rule",
        default="file",
        help=f"'file' (the rule in META, default) or one of: {', '.join(RULES)}",
    )
    command.add_argument("--min-score", type=_number, help="threshold for greedy-threshold")
    command.add_argument(
        "--ranking", choices=("score", "votes"), help="greedy ranking (default: score)"
    )
    command.add_argument(
        "--tie-breaking", choices=TIE_BREAKINGS,
        help="tie order (default: META tie_breaking, else cheaper-first)",
    )
    command.add_argument("--seed", type=int, help="seed of the tie lottery (default: META tie_breaking_seed, else 0)")
    command.add_argument("--json", action="store_true", help="print JSON")


def main(argv: Sequence[str] | None = None, prog: str = "python -m pb_service.rules") -> int:
    """Run the command line; return the exit status."""
    try:
        args = build_parser(prog).parse_args(argv)
        instance = read_pabulib(args.file)
        options = dict(tie_breaking=args.tie_breaking, seed=args.seed, min_score=args.min_score, ranking=args.ranking)
        if args.command == "explain":
            found = measure(instance, args.rule, projects=args.project, **options)
        else:
            result = compute(instance, args.rule, **options)
    except (_UsageError, PabulibError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "explain":
        shaped = {"projects": {pid: values.as_dict() for pid, values in found.items()}}
        print(json.dumps(shaped, ensure_ascii=False) if args.json else render_measures(found))
    else:
        print(json.dumps(result.as_dict(), ensure_ascii=False) if args.json else render(result))
    return EXIT_OK


def render(result: Result) -> str:
    """A human-readable table of the outcome."""
    lines = [
        f"rule: {result.rule}",
        f"budget: {format_decimal(result.budget)}  spent: {format_decimal(result.spent)}  "
        f"leftover: {format_decimal(result.leftover)}",
        f"selected ({len(result.selected)}): {', '.join(result.selected)}",
        "",
        f"{'project':<24} {'score':>12}  outcome",
    ]
    for pid, outcome in result.outcomes.items():
        detail = f" ({outcome.detail})" if outcome.detail else ""
        lines.append(f"{pid:<24} {format_decimal(outcome.score):>12}  {outcome.status.value}{detail}")
    for tie in result.ties:
        lines.append(
            f"tie: {', '.join(tie.projects)} -> {', '.join(tie.winners) or 'none'} "
            f"(settled by {tie.settled_by}; {tie.context})"
        )
    lines.append(f"tie-breaking: {result.tie_breaking}")
    return "\n".join(lines)


def render_measures(found: dict[str, ProjectMeasures]) -> str:
    """A table of the measures; ``-`` where a measure is not available (reasons below)."""
    lines = [f"{'project':<16} {'selected':<9}" + "".join(f"{name:>18}" for name in MEASURES)]
    notes = []
    for pid, values in found.items():
        cells = ["-" if getattr(values, name) is None else str(getattr(values, name)) for name in MEASURES]
        lines.append(f"{pid:<16} {'yes' if values.selected else 'no':<9}" + "".join(f"{c:>18}" for c in cells))
        notes += [f"{pid} {name}: {reason}" for name, reason in values.reasons.items()]
    return "\n".join(lines + ([""] + notes if notes else []))
