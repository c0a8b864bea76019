"""The stack's smoke test, from outside, through nginx (run by ``deploy/stack.sh smoke``).

Checks: the public pages answer and both app servers serve them; anonymous public reads reach the
replica (its statistics grow); a resident signs in and the session holds whichever server answers;
a rate limit counts across both servers (Redis); the job worker runs, where there is one.
Prints one line per check; exit status 1 at the first failure.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import psycopg
import redis

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PUBLIC_PAGES = ["/", "/gdansk/", "/krakow/", "/hub/", "/open-data/", "/api/v1/stats/editions", "/api/v1/municipalities"]
DEMO_RESIDENT = ("resident@example.org", "demo-password")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirects())

    def request(self, path: str, form: dict | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def csrf(self, path: str) -> str:
        return CSRF.search(self.request(path)[2]).group(1)


def check(condition: bool, message: str) -> None:
    print(("ok    " if condition else "FAIL  ") + message, flush=True)
    if not condition:
        sys.exit(1)


def log_lines(paths: list[str], fragment: str) -> list[int]:
    """How many requests whose line contains ``fragment`` each app server logged."""
    counts = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as log:
            counts.append(sum(fragment in line for line in log))
    return counts


def replica_transactions(replica_url: str, database: str) -> int:
    with psycopg.connect(replica_url, autocommit=True) as replica:
        return replica.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [database]
        ).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--app-logs", nargs="+", required=True, help="each app server's access log")
    parser.add_argument("--replica", required=True, help="the replica's URL (its `postgres` database)")
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--rate-limit-prefix", required=True)
    parser.add_argument("--worker-pid", type=int)
    arguments = parser.parse_args()
    base = arguments.base_url

    anonymous = Browser(base)
    status, _, body = anonymous.request("/healthz")
    check(status == 200 and '"status":"ok"' in body.replace(" ", ""), f"GET /healthz through nginx: {status} {body.strip()}")

    before_replica = replica_transactions(arguments.replica, arguments.database)
    before_logs = log_lines(arguments.app_logs, '"GET ')
    for path in PUBLIC_PAGES:
        status, location, _ = anonymous.request(path)
        check(status == 200, f"GET {path}: {status} {location}")
    status, _, _ = anonymous.request("/static/favicon.svg")
    by_app = sum(log_lines(arguments.app_logs, "/static/favicon.svg"))
    check(status == 200 and by_app == 0, f"GET /static/favicon.svg: {status}, served by nginx (app servers logged it {by_app} times)")
    after_logs = log_lines(arguments.app_logs, '"GET ')
    served = [after - before for after, before in zip(after_logs, before_logs)]
    check(all(count > 0 for count in served), f"both app servers answered the public pages: {served} requests each")

    # A backend's statistics reach pg_stat_database within a second or at the latest ten seconds of idling.
    deadline = time.monotonic() + 15
    while replica_transactions(arguments.replica, arguments.database) == before_replica and time.monotonic() < deadline:
        time.sleep(0.5)
    after_replica = replica_transactions(arguments.replica, arguments.database)
    check(after_replica > before_replica, f"public reads reached the replica: its transactions on {arguments.database} {before_replica} -> {after_replica}")

    resident = Browser(base)
    email, password = DEMO_RESIDENT
    status, location, _ = resident.request("/account/login", {"csrf_token": resident.csrf("/account/login"), "email": email, "password": password})
    check(status == 302 and "/account/login" not in location, f"sign-in of {email}: {status} -> {location}")
    before_logs = log_lines(arguments.app_logs, "/account/settings")
    pages = [resident.request("/account/settings") for _ in range(6)]
    check(all(status == 200 and email in page for status, _, page in pages), "the session holds on every request (6 of 6 pages of the account)")
    served = [after - before for after, before in zip(log_lines(arguments.app_logs, "/account/settings"), before_logs)]
    check(all(count > 0 for count in served), f"... answered by both app servers: {served}")

    store = redis.Redis.from_url(arguments.redis)
    for key in store.scan_iter(f"*{arguments.rate_limit_prefix}*account/reset*"):
        store.delete(key)
    before_logs = log_lines(arguments.app_logs, "POST /account/reset")
    client = Browser(base)
    token = client.csrf("/account/reset")
    # One after another: nginx hands them to the app servers in turn.
    answers = [client.request("/account/reset", {"csrf_token": token, "email": "nobody@example.org"})[0] for _ in range(6)]
    served = [after - before for after, before in zip(log_lines(arguments.app_logs, "POST /account/reset"), before_logs)]
    check(answers == [200] * 5 + [429] and all(count > 0 for count in served),
          f"the rate limit (5 a minute) counts across the app servers (Redis): answers {answers}, requests per server {served}")

    if arguments.worker_pid:
        try:
            os.kill(arguments.worker_pid, 0)
            alive = True
        except OSError:
            alive = False
        check(alive, f"the job worker runs (pid {arguments.worker_pid})")
    else:
        print("skip  no job worker in this version")
    print("smoke test passed")


if __name__ == "__main__":
    main()
