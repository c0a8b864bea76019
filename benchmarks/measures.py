"""Time the performance measures (``pb_service.rules.measures``) against re-running the rule.

    python benchmarks/measures.py [FOLDER] [--only SUBSTRING ...] [--rules RULE ...]
                                  [--sample N] [--cpu-time]

FOLDER defaults to ../shared/pabulib.  For each file and rule: the time to compute every
measure of every project (``measure``), and beside it the time of the same answers found by
re-running the rule on changed instances (``by_rerun=True``: bisection, each step one full
``compute``) for the first ``--sample`` projects (``--sample 0``: none), extrapolated to all
projects (marked ``~``); then the ratio, and how many of the sampled projects got the same
values both ways (under a completion that is not monotone in cost both are boundaries of the
rule, but possibly different ones).  At the end, per rule, the worst and the median time per
file.  Parsing is excluded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import rules_vs_pabutools  # noqa: E402  (its clock and timer)
from rules_vs_pabutools import timed  # noqa: E402

from pb_service.rules import read_pabulib  # noqa: E402
from pb_service.rules.measures import measure  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--only", nargs="*", default=[], help="file name substrings to keep")
    parser.add_argument("--rules", nargs="*", default=["greedy", "greedy-no-skip"])
    parser.add_argument("--sample", type=int, default=3, help="projects re-run per file and rule")
    parser.add_argument("--cpu-time", action="store_true", help="CPU seconds (time.process_time)")
    args = parser.parse_args(argv)
    rules_vs_pabutools.CLOCK = time.process_time if args.cpu_time else time.perf_counter
    files = [p for p in sorted(args.folder.glob("*.pb")) if not args.only or any(s in p.name for s in args.only)]
    print(f"{'file':<44} {'rule':<28} {'proj':>4} {'measures s':>11} {'re-runs s':>11} {'ratio':>7} {'same':>6}")
    times: dict[str, list[float]] = {rule: [] for rule in args.rules}
    for path in files:
        instance = read_pabulib(path)
        projects = list(instance.projects)
        sample = projects[: args.sample]
        for rule in args.rules:
            ours, seconds = timed(measure, instance, rule)
            times[rule].append(seconds)
            rerun, same = "", ""
            ratio = ""
            if sample:
                theirs, rerun_seconds = timed(measure, instance, rule, projects=sample, by_rerun=True)
                agree = sum(
                    (theirs[pid].max_winning_cost, theirs[pid].singleton_add)
                    == (ours[pid].max_winning_cost, ours[pid].singleton_add)
                    for pid in sample
                )
                rerun_seconds *= len(projects) / len(sample)
                rerun, same = "~" + format(rerun_seconds, ".1f"), f"{agree}/{len(sample)}"
                ratio = f"{rerun_seconds / seconds:.0f}x" if seconds else ""
            print(f"{path.name[:44]:<44} {rule:<28} {len(projects):>4} {seconds:>11.3f} {rerun:>11} {ratio:>7} {same:>6}",
                  flush=True)
    for rule, spent in times.items():
        if spent:
            print(f"{rule}: {len(spent)} files, worst {max(spent):.2f} s, median {statistics.median(spent):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
