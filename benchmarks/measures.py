"""Time the performance measures (``pb_service.rules.measures``) against re-running the rule.

    python benchmarks/measures.py [FOLDER] [--only SUBSTRING ...] [--rules RULE ...]
                                  [--sample N] [--cpu-time] [--limit SECONDS] [--jobs N]

FOLDER defaults to ../shared/pabulib.  For each file and rule: the time of one run of the
rule (``rule s``), the time to compute every measure of every project (``measures s``), and
beside it the time of the same answers found by re-running the rule on changed instances
(``by_rerun=True``: bisection, each step one full ``compute``) for the first ``--sample``
projects (``--sample 0``: none), extrapolated to all projects (marked ``~``); then the
ratio, and how many of the sampled projects got the same values both ways (under a
completion that is not monotone in cost both are boundaries of the rule, but possibly
different ones).  With ``--limit`` each file runs in a child process stopped after that many
CPU seconds (reported as ``>limit``), so that one slow file cannot hold up the table.  At
the end, per rule, the fastest, the median and the slowest file (a stopped file counts as
its limit: the median and the slowest are then lower bounds) and the slowest files by
name.  Parsing is excluded.  ``--jobs N``: the measures in N processes (``measure(jobs=N)``);
the CPU time then includes the processes', and a last column gives the wall time (with
``--limit`` each process has that many CPU seconds).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import rules_vs_pabutools  # noqa: E402  (its clock and timer)
from rules_vs_pabutools import timed  # noqa: E402

from pb_service.rules import read_pabulib  # noqa: E402
from pb_service.rules.measures import ConfiguredRule, cpu_seconds, measure  # noqa: E402

HEADER = (f"{'file':<44} {'rule':<28} {'proj':>4} {'rule s':>7} {'measures s':>11} {'re-runs s':>11} "
          f"{'ratio':>7} {'same':>6} {'wall s':>8}")
# The measures' figure is the fifth column of a row (``>limit`` when the child was stopped).
MEASURES_COLUMN = 4


def row_of(instance, name: str, rule: str, sample_size: int, jobs: int = 1) -> str:
    """One row: the rule once, every measure, and the sampled projects by re-running."""
    projects = list(instance.projects)
    sample = projects[:sample_size]
    _, rule_seconds = timed(ConfiguredRule.of(instance, rule).outcome, instance)
    started = time.perf_counter()
    ours, seconds = timed(measure, instance, rule, jobs=jobs)
    wall = time.perf_counter() - started
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
    return (f"{name[:44]:<44} {rule:<28} {len(projects):>4} {rule_seconds:>7.2f} {seconds:>11.3f} "
            f"{rerun:>11} {ratio:>7} {same:>6} {wall:>8.3f}")


def in_child(path: Path, rule: str, args: argparse.Namespace) -> str:
    """One file and rule in a child process stopped after ``--limit`` CPU seconds."""
    command = [sys.executable, __file__, str(path.parent), "--only", path.name, "--rules", rule,
               "--sample", str(args.sample), "--jobs", str(args.jobs), "--rows"] + (["--cpu-time"] if args.cpu_time else [])

    def limit_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (args.limit, args.limit + 5))

    done = subprocess.run(command, capture_output=True, text=True, preexec_fn=limit_cpu)
    rows = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode == 0 and rows:
        return rows[-1]
    return f"{path.name[:44]:<44} {rule:<28} {'':>4} {'':>7} {'>' + str(args.limit):>11} (stopped)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--only", nargs="*", default=[], help="file name substrings to keep")
    parser.add_argument("--rules", nargs="*", default=["greedy", "greedy-no-skip"])
    parser.add_argument("--sample", type=int, default=3, help="projects re-run per file and rule")
    parser.add_argument("--cpu-time", action="store_true", help="CPU seconds (this process and its finished processes)")
    parser.add_argument("--limit", type=int, help="stop a file after this many CPU seconds")
    parser.add_argument("--jobs", type=int, default=1, help="processes sharing the projects (measure(jobs=N))")
    parser.add_argument("--rows", action="store_true", help=argparse.SUPPRESS)  # a child: rows only
    args = parser.parse_args(argv)
    rules_vs_pabutools.CLOCK = cpu_seconds if args.cpu_time else time.perf_counter
    files = [p for p in sorted(args.folder.glob("*.pb")) if not args.only or any(s in p.name for s in args.only)]
    if not args.rows:
        print(HEADER)
    times: dict[str, list[tuple[float, str]]] = {rule: [] for rule in args.rules}
    for path in files:
        instance = None if args.limit else read_pabulib(path)
        for rule in args.rules:
            row = in_child(path, rule, args) if args.limit else row_of(instance, path.name, rule, args.sample, args.jobs)
            print(row, flush=True)
            figure = row.split()[MEASURES_COLUMN] if ">" not in row else ">"
            times[rule].append((float(args.limit) if figure == ">" else float(figure), path.name))
    if args.rows:
        return 0
    for rule, spent in times.items():
        if spent:
            seconds = sorted(spent)
            slowest = ", ".join(f"{name} {value:.1f}" for value, name in seconds[-3:][::-1])
            print(f"{rule}: {len(spent)} files, fastest {seconds[0][0]:.2f} s, median "
                  f"{statistics.median(value for value, _ in seconds):.2f} s, slowest {seconds[-1][0]:.2f} s "
                  f"({slowest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
