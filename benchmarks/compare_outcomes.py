"""Record every rule's full outcome on a folder of Pabulib files, or compare with a record.

    python benchmarks/compare_outcomes.py record OUT.json [FOLDER] [--only SUBSTRING ...]
                                          [--rules RULE ...] [--tie-breakings TB ...]
                                          [--jobs N] [--code DIR]
    python benchmarks/compare_outcomes.py compare BASELINE.json [FOLDER] [same options]

The safety net for speeding up the rules engine: record the outcomes of the current main
(``--code`` runs another checkout of the engine, e.g. ``git archive main pb_service`` unpacked
in a scratch folder), change the engine, then ``compare``.  An outcome is everything the
engine reports: the selected projects in order, the ties (projects, winners, criterion,
context), every project's status and detail, the spent amount and the rule's details
(share per voter, number of budget steps, comparison counts, ...).  Any difference is printed
and the exit status is 1.

FOLDER defaults to ../shared/pabulib (beside the repository).  Rules default to every
outcome rule but ``greedy-threshold`` (which needs a threshold in META); tie-breakings to
``cheaper-first`` (the service's default) and ``lexicographic`` (pabutools').  CPU seconds
(``time.process_time``) of each ``compute`` call are recorded too, for before/after tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES = ("greedy", "greedy-no-skip", "phragmen", "equalshares",
                 "equalshares/add1", "equalshares/add1-comparison")
DEFAULT_TIE_BREAKINGS = ("cheaper-first", "lexicographic")


def _text(value) -> object:
    """JSON-safe and exact: numbers (ints, Fractions) as their exact string."""
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items()}
    if isinstance(value, (str, bool)) or value is None:
        return value
    return str(value)


def outcome_of(result) -> dict:
    return {
        "selected": list(result.selected),
        "spent": str(result.spent),
        "ties": [[list(t.projects), list(t.winners), t.settled_by, t.context] for t in result.ties],
        "outcomes": {pid: [str(o.score), o.status.value, o.detail] for pid, o in result.outcomes.items()},
        "details": _text(result.details),
        "tie_breaking": result.tie_breaking,
    }


def run_file(job: tuple[str, list[str], list[str], str | None]) -> list[dict]:
    path_text, rules, tie_breakings, code = job
    sys.path.insert(0, code or str(ROOT))
    from pb_service.rules import compute, read_pabulib

    path = Path(path_text)
    instance = read_pabulib(path)
    rows = []
    for tie_breaking in tie_breakings:
        for rule in rules:
            start = time.process_time()
            try:
                outcome = outcome_of(compute(instance, rule, tie_breaking=tie_breaking))
            except ValueError as error:  # e.g. Phragmén on a non-approval file
                outcome = {"error": str(error)}
            seconds = time.process_time() - start
            rows.append({"file": path.name, "rule": rule, "tie_breaking": tie_breaking,
                         "cpu": round(seconds, 3), "outcome": outcome})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("record", "compare"))
    parser.add_argument("record_file", type=Path, help="where to write (record) or read (compare) outcomes")
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--only", nargs="*", default=[], help="file name substrings to keep")
    parser.add_argument("--rules", nargs="*", default=list(DEFAULT_RULES))
    parser.add_argument("--tie-breakings", nargs="*", default=list(DEFAULT_TIE_BREAKINGS))
    parser.add_argument("--jobs", type=int, default=1, help="files counted in parallel")
    parser.add_argument("--code", help="folder holding the pb_service package to run (default: this checkout)")
    args = parser.parse_args(argv)
    files = [p for p in sorted(args.folder.glob("*.pb")) if not args.only or any(s in p.name for s in args.only)]
    jobs = [(str(p), args.rules, args.tie_breakings, args.code) for p in files]
    baseline = {}
    if args.action == "compare":
        for row in json.loads(args.record_file.read_text()):
            baseline[row["file"], row["rule"], row["tie_breaking"]] = row
    rows, differences, compared = [], 0, 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for file_rows in pool.map(run_file, jobs):
            for row in file_rows:
                rows.append(row)
                key = row["file"], row["rule"], row["tie_breaking"]
                before = baseline.get(key)
                line = f"{row['file'][:50]:<50} {row['rule']:<28} {row['tie_breaking']:<15} {row['cpu']:>8.3f}"
                if before is not None:
                    compared += 1
                    same = before["outcome"] == row["outcome"]
                    differences += not same
                    line += f" (before {before['cpu']:>8.3f}) {'same' if same else 'DIFFERENT'}"
                    if not same:
                        for part in row["outcome"]:
                            if before["outcome"][part] != row["outcome"][part]:
                                line += f"\n    {part}: before {before['outcome'][part]!r}\n    {part}: now    {row['outcome'][part]!r}"
                elif args.action == "compare":
                    line += " (not in the record)"
                print(line, flush=True)
            if args.action == "record":  # after each file, so that a long record can be cut short
                args.record_file.write_text(json.dumps(rows, ensure_ascii=False, indent=0))
    if args.action == "record":
        print(f"{len(rows)} outcomes recorded in {args.record_file}")
        return 0
    print(f"{compared} outcomes compared, {differences} different")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
