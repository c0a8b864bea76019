"""Fuzz the API of a running pb-service for a fixed time and report (``make fuzz``).

Loads the OpenAPI document from the server, then generates requests for every operation in
turn with schemathesis until the time is up, and reports how many requests each operation got
and every response of 500 or more. Only ever talks to the given loopback address.

Usage: python benchmarks/fuzz_api.py [--base-url http://127.0.0.1:5104] [--seconds 60]
Exit status 1 if any request got a server error.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import schemathesis
from hypothesis import HealthCheck, given, settings

#: Requests per operation per round; rounds repeat until the time is up.
BATCH = 25


def fuzz(base_url: str, seconds: float) -> int:
    if urlsplit(base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("fuzz_api.py only fuzzes a server on this machine (127.0.0.1)")
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    requests, statuses, errors = Counter(), Counter(), []
    deadline = time.monotonic() + seconds

    def one_round(operation) -> None:
        @given(case=operation.as_strategy())
        @settings(max_examples=BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            if time.monotonic() > deadline:
                return
            response = case.call(base_url=base_url, timeout=10)
            requests[operation.label] += 1
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                errors.append(f"{response.status_code} {case.method} {case.formatted_path} {case.query or ''}")

        run()

    while time.monotonic() < deadline:
        for operation in operations:
            if time.monotonic() > deadline:
                break
            one_round(operation)

    print(f"Fuzzed {base_url} for {seconds:.0f} s: {sum(requests.values())} requests, {len(operations)} operations")
    for label, count in sorted(requests.items()):
        print(f"  {count:6d}  {label}")
    print("Statuses: " + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())))
    print(f"Server errors (5xx): {len(errors)}")
    for error in errors[:50]:
        print("  " + error)
    return 1 if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:5104")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    sys.exit(fuzz(args.base_url.rstrip("/"), args.seconds))


if __name__ == "__main__":
    main()
