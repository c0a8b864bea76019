"""Check the rules engine on a whole folder of Pabulib files (the long comparison).

    python benchmarks/verify_pabulib.py FOLDER [--timeout 120] [--no-pabutools]

For every ``.pb`` file:

1. the city's published outcome (``selected=1``) must be reproduced by the file's rule with
   ties to the cheaper project, unless the file is listed with its reason in
   ``pb_service.rules.published.KNOWN_DEVIATIONS``;
2. ``greedy`` (ranked by votes: cost utilities) and ``equalshares`` must select exactly the
   projects pabutools 1.2.3 selects, with pabutools' lexicographic tie-breaking; pabutools
   runs in a subprocess killed after ``--timeout`` seconds, and only the instances it
   finishes are compared.

Exit status 1 if anything disagrees, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from pabutools_reference import run_reference  # noqa: E402

from pb_service.rules import PabulibError, compute, read_pabulib  # noqa: E402
from pb_service.rules.published import check_published  # noqa: E402

COMPARED_RULES = ("greedy", "equalshares")


def verify_file(path: Path, timeout: float, with_pabutools: bool) -> tuple[list[str], bool]:
    """Return the report cells for one file and whether everything agreed."""
    try:
        instance = read_pabulib(path)
    except PabulibError as error:
        return [f"parse error: {error}"], False
    ok = True
    check = check_published(instance, path.name)
    if check is None:
        city = "no selected column"
    elif check.matches:
        city = f"city outcome reproduced ({check.rule})"
        if check.known_deviation:
            city += " [listed as deviation: remove it]"
            ok = False
    elif check.known_deviation:
        city = f"differs as documented: {check.known_deviation}"
    else:
        city = f"CITY MISMATCH ({check.rule}): missing {check.missing}, extra {check.extra}"
        ok = False
    cells = [city]
    for rule in COMPARED_RULES if with_pabutools else ():
        start = time.perf_counter()
        ours = compute(instance, rule, tie_breaking="lexicographic", ranking="votes")
        ours_seconds = time.perf_counter() - start
        reference, seconds = run_reference(path, rule, timeout)
        if reference is None:
            cells.append(f"{rule}: ours {ours_seconds:.2f}s, pabutools timeout (not compared)")
        elif set(reference) == set(ours.selected):
            cells.append(f"{rule}: same as pabutools (ours {ours_seconds:.2f}s, pabutools {seconds:.1f}s)")
        else:
            cells.append(f"{rule}: PABUTOOLS MISMATCH ours-only {sorted(set(ours.selected) - set(reference))} "
                         f"pabutools-only {sorted(set(reference) - set(ours.selected))}")
            ok = False
    return cells, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed to pabutools per run")
    parser.add_argument("--no-pabutools", action="store_true", help="only check the published outcomes")
    args = parser.parse_args(argv)
    files = sorted(args.folder.glob("*.pb"))
    failures = 0
    for path in files:
        cells, ok = verify_file(path, args.timeout, not args.no_pabutools)
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {path.name}", flush=True)
        for cell in cells:
            print(f"       {cell}", flush=True)
    print(f"\n{len(files) - failures} of {len(files)} files verified, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
