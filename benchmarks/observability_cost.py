"""CPU per request of the observability and job hooks (request id, metrics, the jobs' commit check).

    python benchmarks/observability_cost.py [--requests 2000] [--rounds 5]

One process, one app on a throw-away SQLite file, ``GET /healthz`` (one ``SELECT 1``): rounds
alternate with the hooks in place and with them taken out of the app, and the medians are
compared. The difference is the hooks' cost on any request, ballot requests included.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

HOOKS = {"start_observing", "observe", "commit_decided_jobs"}


def per_request_cpu(client, requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        client.get("/healthz")
    return (time.process_time() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from pb_service import create_app

    folder = tempfile.mkdtemp(prefix="pb-observability-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SECRET_KEY": "bench"})
    client = app.test_client()
    before, after = app.before_request_funcs[None], app.after_request_funcs[None]
    hooks_before = [f for f in before if getattr(f, "__name__", "") in HOOKS]
    hooks_after = [f for f in after if getattr(f, "__name__", "") in HOOKS]
    assert len(hooks_before) + len(hooks_after) == len(HOOKS), "hooks not found"
    per_request_cpu(client, 200)  # warm-up
    with_hooks, without = [], []
    for _ in range(args.rounds):
        with_hooks.append(per_request_cpu(client, args.requests))
        for f in hooks_before:
            before.remove(f)
        for f in hooks_after:
            after.remove(f)
        without.append(per_request_cpu(client, args.requests))
        before[:0] = hooks_before
        after.extend(hooks_after)
    a, b = statistics.median(with_hooks) * 1e6, statistics.median(without) * 1e6
    print(f"{args.rounds} rounds of {args.requests} GET /healthz, CPU of this process, medians:")
    print(f"  with the hooks     {a:8.1f} µs/request")
    print(f"  without the hooks  {b:8.1f} µs/request")
    print(f"  the hooks' cost    {a - b:8.1f} µs/request ({a / b:.3f}×)")


if __name__ == "__main__":
    main()
