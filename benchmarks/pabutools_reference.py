"""Run pabutools 1.2.3 (the reference) on one .pb file; used by the benchmark and verify scripts.

Run as a script so that the caller can time it out and kill it:
``python benchmarks/pabutools_reference.py FILE.pb greedy|equalshares`` prints a JSON line
``{"selected": [...], "seconds": ...}``.  pabutools breaks ties on the project id as a string.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def reference_outcome(path: str, rule: str) -> list[str]:
    """pabutools' outcome: cost-utility greedy, or MES completed as the issue specifies."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance, profile = parse_pabulib(path)
    profile = profile.as_multiprofile()
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "equalshares":
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}},
                {"sat_class": Cost_Sat},
            ],
        )
    else:
        raise SystemExit(f"unknown rule {rule!r}")
    return [project.name for project in outcome]


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
    start = time.perf_counter()
    selected = reference_outcome(path, rule)
    print(json.dumps({"selected": selected, "seconds": time.perf_counter() - start}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
