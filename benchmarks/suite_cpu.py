"""CPU time of each test, Chromium's included: a pytest plugin, and a summary of what it wrote.

Wall times of a suite run on a shared machine say more about the neighbours than about the tests;
CPU time does not. ``/usr/bin/time`` misses Chromium's (its processes are not waited for by
pytest), so this plugin reads, before and after each test, the CPU of the pytest process, of its
children it waited for, and of every live descendant (``/proc``: the Playwright driver, Chromium
and its renderers, app servers started by a test). A session fixture's set-up counts in the first
test that uses it; when Chromium closes at the end, the last test of the worker shows a negative
figure (Chromium's CPU leaves with it).

    PYTHONPATH=benchmarks SUITE_CPU_DIR=/tmp/cpu python -m pytest -p suite_cpu -n 2 --dist loadgroup [...]
    python benchmarks/suite_cpu.py /tmp/cpu [--files 30] [--tests 30]

Each process (xdist worker, or ``main``) writes ``DIR/<worker>.tsv``: its total CPU at the end
(the first line; the main process counts its workers too), then one line per test: node id, CPU
seconds, wall seconds.
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from collections import Counter
from pathlib import Path

import pytest

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_rows: list[tuple[str, float, float]] = []


def _live_descendants_cpu(root: int) -> float:
    """User + system CPU of the live descendants of ``root``, with what each has waited for."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = sum(int(ticks) for ticks in fields[11:15]) / CLOCK_TICKS  # utime stime cutime cstime
    total, stack = 0.0, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            total += cpu[child]
            stack.append(child)
    return total


def process_tree_cpu() -> float:
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + waited.ru_utime + waited.ru_stime + _live_descendants_cpu(os.getpid())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cpu, wall = process_tree_cpu(), time.perf_counter()
    yield
    _rows.append((item.nodeid, process_tree_cpu() - cpu, time.perf_counter() - wall))


def pytest_sessionfinish(session):
    folder = Path(os.environ.get("SUITE_CPU_DIR", "suite-cpu"))
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"#total\t{process_tree_cpu():.3f}"] + [f"{nodeid}\t{cpu:.3f}\t{wall:.3f}" for nodeid, cpu, wall in _rows]
    (folder / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.tsv").write_text("\n".join(lines) + "\n")


def summary(folder: Path, files: int, tests: int) -> None:
    by_file, wall_by_file, count, per_test = Counter(), Counter(), Counter(), []
    for path in sorted(folder.glob("*.tsv")):
        total, *rows = path.read_text().splitlines()
        in_tests = 0.0
        for row in rows:
            nodeid, cpu, wall = row.split("\t")
            name = nodeid.split("::")[0]
            by_file[name] += float(cpu)
            wall_by_file[name] += float(wall)
            count[name] += 1
            per_test.append((float(cpu), float(wall), nodeid))
            in_tests += float(cpu)
        print(f"{path.stem}: {float(total.split()[1]):.1f} s CPU in all, {in_tests:.1f} s in its {len(rows)} tests")
    print(f"\n{'CPU s':>7} {'wall s':>7} {'tests':>5}  file")
    for name, cpu in by_file.most_common(files):
        print(f"{cpu:7.1f} {wall_by_file[name]:7.1f} {count[name]:5d}  {name}")
    print(f"\n{'CPU s':>7} {'wall s':>7}  test")
    for cpu, wall, nodeid in sorted(per_test, reverse=True)[:tests]:
        print(f"{cpu:7.1f} {wall:7.1f}  {nodeid}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--tests", type=int, default=30)
    arguments = parser.parse_args()
    summary(arguments.folder, arguments.files, arguments.tests)
