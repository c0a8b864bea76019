"""Command line: ``python -m pb_service.rules tally FILE.pb [--rule RULE] [--min-score N] [--min-votes N] [--json]``
and ``python -m pb_service.rules explain FILE.pb [--rule RULE] [--project ID] [--json]`` (the
performance measures of :mod:`pb_service.rules.measures`).

The app's ``flask pb tally`` calls :func:`main` with the same arguments.  Exit status 0 on
success, 2 on a bad file, rule or option, with a one-line message on stderr (never a
traceback).  What the reader read anyway (a vote naming a project twice) is reported on
stderr: a count, or with ``--verbose`` each line; ``--timings`` (also in ``--verbose``) gives
the import, parse and rule times.  The start-up is kept small (no Flask, numpy only for equal
shares): a greedy count of a small file takes well under 0.3 s in all.
"""

from __future__ import annotations

from time import perf_counter

_import_started = perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from fractions import Fraction  # noqa: E402

from . import IMPORT_SECONDS  # noqa: E402
from .engine import RULES, compute, load_rule, resolve_rule  # noqa: E402
from .model import Instance, Result, format_decimal  # noqa: E402
from .pabulib import PabulibError, parse_number, read_pabulib  # noqa: E402
from .ties import TIE_BREAKINGS  # noqa: E402

_IMPORT_SECONDS = IMPORT_SECONDS + perf_counter() - _import_started

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
    explain.add_argument(
        "--jobs", type=int, default=0,
        help="processes sharing the projects under equal shares and Phragmén (default 0: the machine's cores)",
    )
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
        "--min-votes", type=int,
        help="under every rule, fund only projects with support and at least this many voters "
        "(default: META min_project_votes_threshold, else the file's own semantics)",
    )
    command.add_argument(
        "--ranking", choices=("score", "votes"), help="greedy ranking (default: score)"
    )
    command.add_argument(
        "--tie-breaking", choices=TIE_BREAKINGS,
        help="tie order (default: META tie_breaking, else cheaper-first)",
    )
    command.add_argument("--seed", type=int, help="seed of the tie lottery (default: META tie_breaking_seed, else 0)")
    command.add_argument("--json", action="store_true", help="print JSON")
    command.add_argument(
        "--timings", action="store_true",
        help="print the import, parse and rule times on stderr",
    )
    command.add_argument(
        "--verbose", "-v", action="store_true",
        help="print the times and every warning of the reader (with its line) on stderr",
    )


def main(argv: Sequence[str] | None = None, prog: str = "python -m pb_service.rules") -> int:
    """Run the command line; return the exit status."""
    times = {"import": _IMPORT_SECONDS}
    try:
        args = build_parser(prog).parse_args(argv)
        started = perf_counter()
        instance = read_pabulib(args.file)
        parsed = perf_counter()
        times["parse"] = parsed - started
        load_rule(resolve_rule(instance, args.rule))
        started = perf_counter()
        times["import"] += started - parsed
        options = dict(
            tie_breaking=args.tie_breaking, seed=args.seed, min_score=args.min_score, min_votes=args.min_votes,
            ranking=args.ranking,
        )
        if args.command == "explain":
            from .measures import measure  # equal shares' measures load numpy: only when asked

            found = measure(instance, args.rule, projects=args.project, jobs=args.jobs, **options)
        else:
            result = compute(instance, args.rule, **options)
        times["rule"] = perf_counter() - started
    except (_UsageError, PabulibError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "explain":
        shaped = {"projects": {pid: values.as_dict() for pid, values in found.items()}}
        print(json.dumps(shaped, ensure_ascii=False) if args.json else render_measures(found))
    else:
        print(json.dumps(result.as_dict(), ensure_ascii=False) if args.json else render(result))
    _report_warnings(instance, args.verbose)
    if args.timings or args.verbose:
        print(
            "times: " + ", ".join(f"{step} {seconds:.3f} s" for step, seconds in times.items())
            + " (import: this engine and the rule's modules)",
            file=sys.stderr,
        )
    return EXIT_OK


def _report_warnings(instance: Instance, verbose: bool) -> None:
    """Every warning of the reader with ``verbose``, else how many there are."""
    if verbose:
        for warning in instance.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    elif instance.warnings:
        print(
            f"warning: {instance.warnings[0]} ({len(instance.warnings)} warning(s) in all; "
            "--verbose lists them)",
            file=sys.stderr,
        )


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


def render_measures(found: dict) -> str:
    """A table of the measures (``ProjectMeasures`` by project); ``-`` where a measure is not
    available (reasons below)."""
    from .measures import MEASURES

    lines = [f"{'project':<16} {'selected':<9}" + "".join(f"{name:>18}" for name in MEASURES)]
    notes = []
    for pid, values in found.items():
        cells = ["-" if getattr(values, name) is None else str(getattr(values, name)) for name in MEASURES]
        lines.append(f"{pid:<16} {'yes' if values.selected else 'no':<9}" + "".join(f"{c:>18}" for c in cells))
        notes += [f"{pid} {name}: {reason}" for name, reason in values.reasons.items()]
    return "\n".join(lines + ([""] + notes if notes else []))
