"""Time our rules engine against pabutools 1.2.3 on the same Pabulib files.

    python benchmarks/rules_vs_pabutools.py [FOLDER] [--only SUBSTRING ...] [--timeout 120]
                                           [--skip-pabutools] [--cpu-time]

FOLDER defaults to ../shared/pabulib (beside the repository).  For each file: our parse
time, then greedy (cost utilities) and equalshares (MES completed by +1 % budget steps, then
greedy) for us and for pabutools, with the ratio.  pabutools runs in a subprocess killed
after ``--timeout`` seconds; its time excludes its parsing and uses ``as_multiprofile()``.
Our rule times exclude parsing too; ours use pabutools' tie-breaking so both compute the
same outcome.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from pabutools_reference import run_reference  # noqa: E402

from pb_service.rules import compute, read_pabulib  # noqa: E402


CLOCK = time.perf_counter


def timed(function, *args, **kwargs):
    start = CLOCK()
    value = function(*args, **kwargs)
    return value, CLOCK() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--only", nargs="*", default=[], help="file name substrings to keep")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--skip-pabutools", "--no-pabutools", dest="no_pabutools", action="store_true",
                        help="time only our engine (pabutools' times are in docs/performance.md)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time our side in CPU seconds (time.process_time), for a busy machine")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.cpu_time else time.perf_counter
    files = [p for p in sorted(args.folder.glob("*.pb")) if not args.only or any(s in p.name for s in args.only)]
    print(f"{'file':<52} {'voters':>7} {'proj':>4} {'parse':>6} | "
          f"{'greedy':>7} {'pabutools':>9} {'ratio':>6} | {'MES':>7} {'pabutools':>9} {'ratio':>6}")
    for path in files:
        instance, parse_seconds = timed(read_pabulib, path)
        row = f"{path.name[:52]:<52} {instance.num_voters:>7} {len(instance.projects):>4} {parse_seconds:>6.2f} |"
        for rule in ("greedy", "equalshares"):
            result, ours = timed(compute, instance, rule, tie_breaking="lexicographic", ranking="votes")
            theirs = None if args.no_pabutools else run_reference(path, rule, args.timeout)[1]
            if theirs is None:
                shown = "-" if args.no_pabutools else f">{args.timeout:.0f}"
                row += f" {ours:>7.3f} {shown:>9} {'':>6} |"
            else:
                row += f" {ours:>7.3f} {theirs:>9.2f} {theirs / ours:>5.0f}x |"
        print(row.rstrip(" |"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
