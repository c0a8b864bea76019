"""Time `flask pb import-pabulib` on many real Pabulib files, and `flask pb demo`, from outside.

    python benchmarks/import_pabulib.py [--source DIR] [--files 200] [--database-url URL] [--demo]

Each command runs as a new process on an empty database (a new SQLite file, or the PostgreSQL
database given, which is emptied first: give a throw-away one), the way an operator runs it.
Printed per command: wall-clock seconds, CPU seconds (user + system of the command's process),
peak resident memory (MB), and the ratio of its CPU time to the baseline's, measured in the
same run: reading the same files with the Pabulib reader alone (what no import can avoid).

The files: the Polish files (``Poland_*``) of ``--source`` (default: the files shipped with the
package), then, until ``--files`` are reached, copies of its district files (META ``district``)
with META ``instance`` moved by 100 years per round, so that each copy is a new file (its own
SHA-256) of a new edition, as the many district files of the real collection are. The machine's
load is printed too: other processes on it slow the wall-clock times, not the CPU times.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pb_service.analytics.importer import read_file, read_meta  # noqa: E402

DEFAULT_SOURCE = ROOT / "pb_service" / "data" / "pabulib"
BASELINE = "from pathlib import Path; import sys; from pb_service.rules import read_pabulib\nfor p in sorted(Path(sys.argv[1]).iterdir()): read_pabulib(p)"
#: Runs a command and prints, as its last line on stderr, the command's own CPU time and peak
#: memory (each command measured alone, not the largest of all children so far).
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)"
)


def build_files(source: Path, count: int, target: Path) -> tuple[int, int]:
    """Write the benchmark's files into ``target``; returns (files, ballots)."""
    polish = sorted(p for p in source.iterdir() if p.name.startswith("Poland_") and p.name.endswith((".pb", ".pb.gz")))
    texts = {path.name.removesuffix(".gz"): read_file(path).decode("utf-8-sig") for path in polish}
    districts = [name for name, text in texts.items() if read_meta(text.encode(), name).get("district")]
    files = dict(texts)
    round_ = 0
    while len(files) < count and districts:
        round_ += 1
        for name in districts:
            if len(files) >= count:
                break
            text = texts[name]
            year = int(read_meta(text.encode(), name)["instance"][:4])
            files[f"copy{round_}_{name}"] = re.sub(r"(?m)^instance;\d{4}", f"instance;{year + 100 * round_}", text, count=1)
    ballots = 0
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
        ballots += text.count("\n") - text[: text.find("\nVOTES")].count("\n") - 2
    return len(files), ballots


def run(command: list[str], env: dict) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak MB, output) of one command, run in a process of its own."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    cpu, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return wall, float(cpu), int(peak_kb) / 1024, result.stdout


def empty_database(url: str | None, folder: Path, name: str) -> str:
    if url is None:
        return f"sqlite:///{folder / name}.sqlite3"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder of Pabulib files (default: the package's)")
    parser.add_argument("--files", type=int, default=200, help="files to import (copies of district files fill up)")
    parser.add_argument("--database-url", help="a throw-away PostgreSQL database (emptied!); default: a new SQLite file")
    parser.add_argument("--demo", action="store_true", help="also time `flask pb demo` on an empty database")
    args = parser.parse_args()

    flask = str(Path(sys.executable).parent / "flask")
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        data = folder / "files"
        data.mkdir()
        files, ballots = build_files(args.source, args.files, data)
        print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"files: {files}, ballot rows: {ballots:,}, database: {'PostgreSQL' if args.database_url else 'SQLite'}")
        env = {**os.environ, "FLASK_APP": "wsgi"}

        wall, base_cpu, peak, _ = run([sys.executable, "-c", BASELINE, str(data)], env)
        print(f"{'baseline: reading the files':40} {wall:8.1f} s wall {base_cpu:8.1f} s CPU {peak:7.0f} MB peak   1.0x")

        env["DATABASE_URL"] = empty_database(args.database_url, folder, "import")
        run([flask, "db", "upgrade"], env)
        wall, cpu, peak, output = run([flask, "pb", "import-pabulib", str(data)], env)
        print(f"{'flask pb import-pabulib':40} {wall:8.1f} s wall {cpu:8.1f} s CPU {peak:7.0f} MB peak {cpu / base_cpu:5.1f}x")
        print("  " + output.strip().splitlines()[-1])

        if args.demo:
            env["DATABASE_URL"] = empty_database(args.database_url, folder, "demo")
            run([flask, "db", "upgrade"], env)
            wall, cpu, peak, _ = run([flask, "pb", "demo"], env)
            print(f"{'flask pb demo (after db upgrade)':40} {wall:8.1f} s wall {cpu:8.1f} s CPU {peak:7.0f} MB peak {cpu / base_cpu:5.1f}x")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
