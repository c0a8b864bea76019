"""Run pabutools 1.2.3 (the reference) on one .pb file; used by the benchmark and verify scripts.

Run as a script so that the caller can time it out and kill it:
``python benchmarks/pabutools_reference.py FILE.pb greedy|equalshares`` prints a JSON line
``{"selected": [...], "seconds": ..., "cpu_seconds": ...}`` (the rule's wall and CPU time,
pabutools' parsing left out).
pabutools breaks ties on the project id as a string.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

# The oracle lives with the tests; this file runs as a script from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def reference_outcome(path: str, rule: str) -> tuple[list[str], float, float]:
    """pabutools' outcome (see ``tests/rules/pabutools_oracle.py``) and the wall and CPU
    seconds its rule took, its parsing of the file left out."""
    from pabutools.election import parse_pabulib

    from tests.rules.pabutools_oracle import reference_selection

    election, profile = parse_pabulib(path)
    start, cpu_start = time.perf_counter(), time.process_time()
    outcome = reference_selection(election, profile.as_multiprofile(), rule)
    return [project.name for project in outcome], time.perf_counter() - start, time.process_time() - cpu_start


def run_reference(path: str | Path, rule: str, timeout: float) -> tuple[list[str] | None, float | None]:
    """Run pabutools in a subprocess (killed after ``timeout`` s): (selected, seconds),
    or (None, None) on a timeout or a crash."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, str(path), rule],
            capture_output=True, text=True, timeout=timeout, check=True,
        )
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        return None, None
    answer = json.loads(done.stdout)
    return answer["selected"], answer["seconds"]


def main(argv: list[str]) -> int:
    path, rule = argv
    selected, seconds, cpu_seconds = reference_outcome(path, rule)
    print(json.dumps({"selected": selected, "seconds": seconds, "cpu_seconds": cpu_seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
