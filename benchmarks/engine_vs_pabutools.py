"""Our engine as researchers use it, side by side with pabutools 1.2.3 in the same run.

    python benchmarks/engine_vs_pabutools.py [FOLDER] [--only SUBSTRING ...] [--rules greedy equalshares]
                                            [--timeout 300]

FOLDER defaults to ../shared/pabulib (beside the repository).  For each file and rule, two
comparisons (wall-clock seconds, each side timed right after the other, same outcome checked):

whole process
    ``python -m pb_service.rules tally FILE --rule RULE --json`` (with pabutools' tie-breaking
    and greedy by votes) against a fresh Python that imports pabutools, parses the file with
    it and runs its rule (``benchmarks/pabutools_reference.py``): start-up, imports, parsing
    and the rule, what a researcher waits for.  Our import, parse and rule times come from
    ``--timings``.
door
    :func:`pb_service.rules.pabutools_compat.allocation` on pabutools' own ``Instance`` and
    ``Profile`` (our conversion included) against pabutools' rule on the same file's objects
    made a multiprofile (its faster form; the conversion included), in its own process.

pabutools is killed after ``--timeout`` seconds of wall time; then the seconds it had used are
shown as ``>T`` (its rule's: what it used beyond the start-up and parsing of its greedy run on
the same file), and the ratio is a lower bound.  ``--cpu-time`` reports CPU seconds instead of wall seconds (the child
processes' user + system time, ``time.process_time`` in this one): on a machine shared with
other work, wall time measures the others too.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

REFERENCE = Path(__file__).resolve().parent / "pabutools_reference.py"
CPU_TIME = False


def children_seconds() -> float:
    """Wall seconds, or (``--cpu-time``) the CPU seconds of finished child processes."""
    if not CPU_TIME:
        return time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def our_process(path: Path, rule: str) -> tuple[float, list[str], dict[str, float]]:
    """Wall seconds of the whole ``tally`` process, its selection and its ``--timings``."""
    command = [sys.executable, "-m", "pb_service.rules", "tally", str(path), "--rule", rule, "--json",
               "--tie-breaking", "lexicographic", "--ranking", "votes", "--timings"]
    start = children_seconds()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    seconds = children_seconds() - start
    timings_line = next(line for line in done.stderr.splitlines() if line.startswith("times: "))
    steps = timings_line.removeprefix("times: ").split(" (")[0].split(", ")
    timings = {step.split()[0]: float(step.split()[1]) for step in steps}
    return seconds, json.loads(done.stdout)["selected"], timings


def pabutools_process(path: Path, rule: str, timeout: float) -> tuple[float, float | None, list[str] | None]:
    """Seconds of a whole pabutools process, the seconds of its rule alone and its selection;
    when it is killed, the seconds it had used (a lower bound) and ``None, None``."""
    start = children_seconds()
    try:
        done = subprocess.run([sys.executable, str(REFERENCE), str(path), rule],
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return children_seconds() - start, None, None
    seconds = children_seconds() - start
    answer = json.loads(done.stdout)
    return seconds, answer["cpu_seconds" if CPU_TIME else "seconds"], answer["selected"]


def door(path: Path, rule: str) -> tuple[float, list[str]]:
    """Seconds of :func:`allocation` on pabutools' parse of the file (its parsing left out)."""
    from pabutools.election import parse_pabulib

    from pb_service.rules.pabutools_compat import allocation

    clock = time.process_time if CPU_TIME else time.perf_counter
    instance, profile = parse_pabulib(str(path))
    start = clock()
    outcome = allocation(instance, profile, rule)
    return clock() - start, [project.name for project in outcome]


def ratio(theirs: float | None, ours: float, finished: bool = True) -> str:
    if theirs is None:
        return "-"
    if not finished:
        return f">{theirs:.1f} (>{theirs / ours:.0f}x)"
    return f"{theirs:.2f} ({theirs / ours:.0f}x)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--only", nargs="*", default=[], help="file name substrings to keep")
    parser.add_argument("--rules", nargs="*", default=["greedy", "equalshares"], choices=["greedy", "equalshares"])
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--cpu-time", action="store_true", help="CPU seconds instead of wall seconds")
    args = parser.parse_args(argv)
    global CPU_TIME
    CPU_TIME = args.cpu_time
    files = [p for p in sorted(args.folder.glob("*.pb")) if not args.only or any(s in p.name for s in args.only)]
    print("| file | rule | ours, whole process (its --timings, wall: import / parse / rule) | pabutools, whole process "
          "| door | pabutools' rule | same outcome |")
    print("|---|---|---|---|---|---|---|")
    for path in files:
        their_overhead = None  # pabutools' start-up and parsing: its whole greedy process bounds them
        for rule in args.rules:
            ours, selected, timings = our_process(path, rule)
            theirs, their_rule, their_selected = pabutools_process(path, rule, args.timeout)
            finished = their_selected is not None
            if rule == "greedy" and finished:
                their_overhead = theirs - their_rule
            if not finished:
                # Killed: its rule had used at least what the process used beyond start-up and parsing.
                their_rule = None if their_overhead is None else theirs - their_overhead
            door_seconds, door_selected = door(path, rule)
            if their_selected is None:
                same = "-"
            elif selected == door_selected == their_selected:
                same = "yes"
            else:
                same = "same set" if set(selected) == set(door_selected) == set(their_selected) else "NO"
            print(f"| {path.name} | {rule} | {ours:.2f} ({timings['import']:.2f} / {timings['parse']:.2f} / "
                  f"{timings['rule']:.2f}) | {ratio(theirs, ours, finished)} | {door_seconds:.3f} | "
                  f"{ratio(their_rule, door_seconds, finished)} | {same} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
