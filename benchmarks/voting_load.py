"""Load on the ballot pipeline: gunicorn with several workers on PostgreSQL, 50 concurrent clients
casting valid ballots through the JSON API and through the HTML form (with its CSRF token, as a
browser does), next to a baseline endpoint of the same app that inserts one row, in one session.

    python benchmarks/voting_load.py [--seconds 60] [--clients 50] [--workers 4] [--threads 4] [--kill-worker] [--ballots both|api|form]
                                     [--generator threads|wrk] [--probe] [--cpus 0,1] [--reuse-port] [--no-preload] [--mixing-batch K]
                                     [--gunicorn=OPTION ...]

Prints ballots/s, p50/p95/p99 latency and errors per kind, the ratio to the baseline, the CPU
each successful request cost the app, PostgreSQL and the clients (where the time goes), and (with
``--kill-worker``) checks that SIGKILL of a worker mid-load lost no acknowledged ballot: voting is
then closed, the ballots still sealed in the box are mixed (as counting does), and every receipt a
client received is in the ballot table, and voter records equal ballots.

``--generator wrk`` drives the baseline and the API ballots with wrk (Debian's ``wrk``: C, epoll,
keep-alive connections, a Lua script per request) instead of this process's threads, which share
the machine's cores with the server and add latency of their own: the figures are then what an
outside HTTP load generator sees. ``--probe`` loads ``gunicorn_probe.py`` into the workers and
prints where the time went inside the app server (per worker: requests, the app's wall and CPU
time per request, garbage-collector pauses) against what the clients waited.
Targets only 127.0.0.1; needs the local PostgreSQL server (``PB_BENCH_DATABASE_URL`` or
postgresql://127.0.0.1/test's server) and, for the rate-limit store the workers share as in a
deployment, Redis (``PB_BENCH_RATELIMIT_STORAGE_URI``, default redis://127.0.0.1:6379/15).
Creates and drops a database of its own.
"""
from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import json
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pb_service.editions.models import DEFAULT_MIXING_BATCH  # noqa: E402  (every k-th ballot of a group runs the mixer)

SERVER_URL = os.environ.get("PB_BENCH_DATABASE_URL", "postgresql://127.0.0.1/test")
PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
#: Threads per gunicorn worker (default): a request spends much of its time waiting for PostgreSQL.
THREADS = 4
CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def pesel(n: int) -> str:
    """The n-th distinct valid PESEL (born in 1960–1999, serial from n)."""
    year, serial = 60 + (n // 10_000) % 40, n % 10_000
    first_ten = f"{year:02d}0515{serial:04d}"
    return first_ten + str((10 - sum(w * int(d) for w, d in zip(PESEL_WEIGHTS, first_ten)) % 10) % 10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def create_database() -> tuple[str, str]:
    name = f"pb_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = SERVER_URL.rpartition("/")[0]
    return name, f"{base}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(SERVER_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_edition(database_url: str, mixing_batch: int = DEFAULT_MIXING_BATCH) -> dict:
    """Migrate and create one edition in its voting phase: approval, PESEL, 2 levels, 4 pools, 40 projects."""
    os.environ["DATABASE_URL"] = database_url
    from flask_migrate import upgrade

    from pb_service import create_app
    from pb_service.accounts.models import User
    from pb_service.core.models import utcnow
    from pb_service.core.tenancy import allow_cross_tenant
    from pb_service.editions.models import DATED_PHASES, PHASE_START_COLUMNS, Edition, Identification, Level, LevelKind, Pool
    from pb_service.editions.rule_choices import VotingMethod
    from pb_service.extensions import db
    from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship
    from pb_service.proposals.models import Proposal, Status

    from datetime import timedelta

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://", 1)})
    with app.app_context():
        upgrade()
        # A script acting for the operators, across municipalities: the database wall is lifted, with a reason.
        allow_cross_tenant(db.session, "benchmark set-up")
        city = Municipality(slug="bench", name="Gmina Benchmark", teryt="2261011", voivodeship=Voivodeship.POMORSKIE,
                            kind=MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, population=500_000)
        author = User(email="author@example.org", display_name="Author", password_hash="x", confirmed_at=utcnow())
        db.session.add_all([city, author])
        db.session.flush()
        now = utcnow()
        offsets = dict(zip(DATED_PHASES, (-100, -80, -60, -40, -1, 30, 60)))
        edition = Edition(
            municipality_id=city.id, name="BO benchmark", year=2027, is_published=True, identification=Identification.PESEL,
            closes_at=now + timedelta(days=400), mixing_batch_size=mixing_batch, **{PHASE_START_COLUMNS[p]: now + timedelta(days=d) for p, d in offsets.items()},
        )
        db.session.add(edition)
        db.session.flush()
        levels = {
            kind: Level(municipality_id=city.id, edition_id=edition.id, name=kind.value, kind=kind, method=VotingMethod.APPROVAL,
                        min_choices=1, max_choices=5, position=i)
            for i, kind in enumerate((LevelKind.CITY, LevelKind.DISTRICT))
        }
        db.session.add_all(levels.values())
        db.session.flush()
        pools = [Pool(municipality_id=city.id, edition_id=edition.id, level_id=levels[LevelKind.CITY].id, name="City", budget=10_000_000_00)]
        pools += [Pool(municipality_id=city.id, edition_id=edition.id, level_id=levels[LevelKind.DISTRICT].id, name=f"District {i}", budget=2_000_000_00) for i in range(3)]
        db.session.add_all(pools)
        db.session.flush()
        projects: dict[int, list[int]] = {}
        numbers = iter(range(1, 1000))
        for pool in pools:
            for n in range(10):
                proposal = Proposal(municipality_id=city.id, edition_id=edition.id, pool_id=pool.id, author_id=author.id,
                                    title=f"Project {pool.name} {n}", estimated_cost=(n + 1) * 50_000_00, status=Status.ADMITTED, number=next(numbers))
                db.session.add(proposal)
                db.session.flush()
                projects.setdefault(pool.id, []).append(proposal.id)
        db.session.commit()
        spec = {
            "slug": city.slug, "edition": edition.id, "city_pool": pools[0].id, "districts": [p.id for p in pools[1:]],
            "district_level": levels[LevelKind.DISTRICT].id, "projects": projects,
        }
        db.session.remove()
        db.engine.dispose()
    return spec


def start_gunicorn(database_url: str, port: int, workers: int, threads: int = THREADS, options: list[str] = (),
                   probe_dir: str | None = None, reuse_port: bool = False, preload: bool = True) -> subprocess.Popen:
    env = {
        **os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "load-benchmark", "MAIL_BACKEND": "console",
        "BALLOT_RATE_LIMIT": "1000000 per minute", "BENCHMARK_ENDPOINTS": "true", "PB_ENV": "development",
        # As deployed with several workers (README): one rate-limit store shared by all of them.
        "RATELIMIT_STORAGE_URI": os.environ.get("PB_BENCH_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15"),
    }
    # A listening socket per worker: the kernel spreads new connections over the workers, where on
    # one shared socket (gunicorn's default) one worker may take most keep-alive connections.
    extra = ["--reuse-port"] if reuse_port else []
    if preload:
        # As deployed (deploy/gunicorn.conf.py): the app loaded once, every worker forked ready. Without
        # it the load began as soon as one worker answered, and a keep-alive generator's connections
        # all went to that one while the others were still loading the app.
        extra.append("--preload")
    if probe_dir:
        env["PB_BENCH_PROBE_DIR"] = probe_dir
        extra += ["--config", str(Path(__file__).with_name("gunicorn_probe.py"))]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *extra, "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--backlog", "512", "--log-level", "warning", *options, "wsgi:app"],
        cwd=ROOT, env=env,
    )
    # Each worker imports the app (about 2 s of CPU): on a shared, loaded machine that takes a while.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def stop_gunicorn(server: subprocess.Popen) -> None:
    """Graceful stop (SIGTERM): the workers finish their requests and run their exit hooks."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.receipts: list[str] = []

    def add(self, kind: str, status, seconds: float, receipt: str | None = None) -> None:
        with self.lock:
            self.statuses[kind][status] += 1
            if status in (200, 201):
                self.latencies[kind].append(seconds)
            if receipt:
                self.receipts.append(receipt)

    def summary(self) -> dict[str, dict]:
        """Per kind: successful requests, their p50/p95/p99 in ms, and the errors by status."""
        summary = {}
        for kind in self.statuses:
            lat = [x * 1000 for x in self.latencies[kind]]
            summary[kind] = {"ok": len(lat), "errors": {k: v for k, v in self.statuses[kind].items() if k not in (200, 201)},
                             **{f"p{q}": percentile(lat, q) for q in (50, 95, 99)}}
        return summary


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else (values[0] if values else 0.0)


class Client(threading.Thread):
    """One voter after another: by API, or by the HTML form (GET the page for the CSRF token, POST)."""

    def __init__(self, base: str, spec: dict, kind: str, numbers, stats: Stats, stop_at: float):
        super().__init__(daemon=True)
        self.base, self.spec, self.kind, self.numbers, self.stats, self.stop_at = base, spec, kind, numbers, stats, stop_at

    def ballot_choices(self, n: int) -> tuple[str, dict]:
        district = self.spec["districts"][n % len(self.spec["districts"])]
        city = self.spec["projects"][self.spec["city_pool"]]
        picks = {str(self.spec["city_pool"]): [city[n % 10], city[(n * 7 + 3) % 10]], str(district): [self.spec["projects"][district][n % 10]]}
        return str(district), picks

    def run(self) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        while time.monotonic() < self.stop_at:
            n = next(self.numbers)
            started = time.perf_counter()
            try:
                status, receipt = self.cast_api(opener, n) if self.kind == "api" else self.cast_form(opener, n) if self.kind == "form" else self.baseline(opener)
            except urllib.error.HTTPError as error:
                status, receipt = error.code, None
            except OSError as error:
                status, receipt = type(error).__name__, None
            self.stats.add(self.kind, status, time.perf_counter() - started, receipt)

    def cast_api(self, opener, n: int):
        district, picks = self.ballot_choices(n)
        body = {
            "identity": {"pesel": pesel(n), "first_name": "Anna", "last_name": "Nowak", "declaration": True},
            "districts": {str(self.spec["district_level"]): district}, "choices": picks,
        }
        request = urllib.request.Request(
            f"{self.base}/api/v1/municipalities/{self.spec['slug']}/editions/{self.spec['edition']}/ballots",
            data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST",
        )
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())["receipt"]

    def cast_form(self, opener, n: int):
        district, picks = self.ballot_choices(n)
        level = self.spec["district_level"]
        url = f"{self.base}/{self.spec['slug']}/editions/{self.spec['edition']}/vote"
        with opener.open(f"{url}?district-{level}={district}", timeout=30) as response:
            token = CSRF_PATTERN.search(response.read().decode()).group(1)
        fields = [("csrf_token", token), ("action", "confirm"), (f"district-{level}", district),
                  ("identity-pesel", pesel(n)), ("identity-first_name", "Jan"), ("identity-last_name", "Kowalski"), ("identity-declaration", "y")]
        fields += [(f"pool-{pool}", str(project)) for pool, projects in picks.items() for project in projects]
        with opener.open(urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST"), timeout=30) as response:
            page = response.read().decode()
        match = re.search(r'class="receipt-code"><strong>([A-Z0-9-]+)<', page)
        return (response.status if match else "no receipt"), match.group(1) if match else None

    def baseline(self, opener):
        request = urllib.request.Request(f"{self.base}/api/v1/benchmark/baseline", data=b"", method="POST")
        with opener.open(request, timeout=30) as response:
            return response.status, None


def run_phase(base: str, spec: dict, kinds: list[str], clients: int, seconds: float, numbers, on_midway=None) -> tuple[Stats, float]:
    stats = Stats()
    stop_at = time.monotonic() + seconds
    threads = [Client(base, spec, kinds[i % len(kinds)], numbers, stats, stop_at) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    if on_midway:
        time.sleep(seconds / 3)
        on_midway()
    for thread in threads:
        thread.join()
    return stats, time.perf_counter() - started


def report(title: str, summary: dict[str, dict], elapsed: float) -> float:
    total_ok = sum(kind["ok"] for kind in summary.values())
    print(f"\n{title}: {total_ok / elapsed:.0f} successful requests/s over {elapsed:.1f} s")
    for kind, figures in sorted(summary.items()):
        if figures["ok"]:
            print(f"  {kind:8} {figures['ok'] / elapsed:7.0f}/s  p50 {figures['p50']:6.1f} ms  p95 {figures['p95']:6.1f} ms  "
                  f"p99 {figures['p99']:6.1f} ms  errors {figures['errors'] or 0}")
        else:
            print(f"  {kind:8} no successful request; errors {figures['errors']}")
    return total_ok / elapsed


#: wrk's script (Lua 5.1): the same ballots as ``Client.cast_api``, the statuses, the receipts.
WRK_SCRIPT = """
local kind, path, out = %(kind)s, %(path)s, %(out)s
local spec = %(spec)s
local weights = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
local threads, next_first = {}, %(first)d

function setup(thread)
  thread:set("n", next_first)
  next_first = next_first + 100000
  table.insert(threads, thread)
end

function init(args)
  statuses, receipts = {}, {}
  wrk.method, wrk.path, wrk.headers["Content-Type"] = "POST", path, "application/json"
end

local function pesel(n)
  local year, serial = 60 + math.floor(n / 10000) %% 40, n %% 10000
  local first_ten = string.format("%%02d0515%%04d", year, serial)
  local sum = 0
  for i = 1, 10 do sum = sum + weights[i] * tonumber(first_ten:sub(i, i)) end
  return first_ten .. tostring((10 - sum %% 10) %% 10)
end

function request()
  if kind ~= "api" then return wrk.format(nil, nil, nil, "") end
  n = n + 1
  local district = spec.districts[n %% #spec.districts + 1]
  local city, own = spec.projects[spec.city_pool], spec.projects[district]
  local body = string.format(
    '{"identity": {"pesel": "%%s", "first_name": "Anna", "last_name": "Nowak", "declaration": true}, ' ..
    '"districts": {"%%d": "%%d"}, "choices": {"%%d": [%%d, %%d], "%%d": [%%d]}}',
    pesel(n), spec.district_level, district, spec.city_pool, city[n %% 10 + 1], city[(n * 7 + 3) %% 10 + 1], district, own[n %% 10 + 1])
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 and kind == "api" then
    receipts[#receipts + 1] = body:match('"receipt"%%s*:%%s*"([^"]+)"')
  end
end

function done(summary, latency, requests)
  local file = io.open(out, "w")
  file:write(string.format("latency %%d %%d %%d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  for name, count in pairs(summary.errors) do file:write(string.format("socket %%s %%d\\n", name, count)) end
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do file:write(string.format("status %%d %%d\\n", status, count)) end
    for _, receipt in ipairs(thread:get("receipts")) do file:write("receipt " .. receipt .. "\\n") end
  end
  file:close()
end
"""


def lua(value) -> str:
    """A Python value (numbers, strings, lists, dicts) as a Lua literal."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k if not isinstance(k, str) or not k.isdigit() else int(k))}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    return json.dumps(value)


def run_wrk_phase(base: str, spec: dict, kind: str, clients: int, seconds: float, first: int, on_midway=None) -> tuple[Stats, dict, float]:
    """One phase driven by wrk (2 threads, ``clients`` keep-alive connections): successful
    requests, latency percentiles (of every completed request), errors, receipts."""
    path = ("/api/v1/benchmark/baseline" if kind == "baseline"
            else f"/api/v1/municipalities/{spec['slug']}/editions/{spec['edition']}/ballots")
    with tempfile.TemporaryDirectory(prefix="pb-wrk-") as directory:
        script, out = Path(directory, "ballots.lua"), Path(directory, "out.txt")
        script.write_text(WRK_SCRIPT % {"kind": lua(kind), "path": lua(path), "out": lua(str(out)), "first": first, "spec": lua(spec)})
        started = time.perf_counter()
        process = subprocess.Popen(["wrk", "--threads", "2", "--connections", str(clients), "--duration", f"{seconds:.0f}s",
                                    "--timeout", "30s", "--script", str(script), base], stdout=subprocess.DEVNULL)
        if on_midway:
            time.sleep(seconds / 3)
            on_midway()
        process.wait()
        elapsed = time.perf_counter() - started
        lines = [line.split(" ", 1) for line in out.read_text().splitlines()]
    stats = Stats()
    errors: Counter = Counter()
    p50 = p95 = p99 = 0.0
    ok = 0
    for word, rest in lines:
        if word == "latency":
            p50, p95, p99 = (int(us) / 1000 for us in rest.split())
        elif word == "receipt":
            stats.receipts.append(rest)
        else:
            name, count = rest.split()
            if word == "socket" and name == "status":
                continue  # non-2xx responses: counted by status below
            if word == "status" and int(name) in (200, 201):
                ok += int(count)
            elif int(count):
                errors[name if word == "socket" else int(name)] += int(count)
    return stats, {kind: {"ok": ok, "errors": dict(errors), "p50": p50, "p95": p95, "p99": p99}}, elapsed


def close_voting(database_url: str, spec: dict) -> int:
    """End the vote and mix what still waits in the box, as counting would; returns how many waited."""
    from pb_service import create_app
    from pb_service.core.models import utcnow
    from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select
    from pb_service.editions.models import Edition
    from pb_service.extensions import db
    from pb_service.voting.mixing import close_ballot_box

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://", 1)})
    with app.app_context():
        allow_cross_tenant(db.session, "benchmark: close the vote")
        edition = db.session.scalar(cross_tenant_select(Edition, reason="benchmark: close the vote").where(Edition.id == spec["edition"]))
        edition.results_starts_at = utcnow()
        db.session.commit()
        waited = close_ballot_box(edition.municipality, edition)
        db.session.commit()  # the service flushes; the caller (here the benchmark) commits
        db.session.remove()
        db.engine.dispose()
    return waited


def verify_database(database_url: str, receipts: list[str], waited: int) -> None:
    with psycopg.connect(database_url) as connection:
        voters = connection.execute("SELECT count(*) FROM voter_record").fetchone()[0]
        ballots = connection.execute("SELECT count(*) FROM ballot").fetchone()[0]
        stored = {row[0] for row in connection.execute("SELECT receipt_hash FROM ballot")}
    missing = [r for r in receipts if hashlib.sha256("".join(c for c in r if c.isalnum()).encode()).hexdigest() not in stored]
    print(f"\nDatabase: {voters} voter records, {ballots} ballots ({waited} of them still sealed at the close); "
          f"receipts acknowledged to clients: {len(receipts)}, "
          f"missing from the database: {len(missing)}")
    if voters != ballots or missing:
        raise SystemExit("FAILED: an acknowledged ballot is missing, or voter records and ballots differ")


def _cpu_seconds(pid: int, with_reaped_children: bool = False) -> float:
    """User and system CPU of a process so far (and of its children it has reaped), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if with_reaped_children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used during a phase by the app (gunicorn's master and workers, a killed worker's share
    included once reaped), by PostgreSQL's backends serving the benchmark's database, and by the
    clients (this process): where the machine's time goes."""

    def __init__(self, master: int, database_url: str):
        self.master, self.database_url = master, database_url

    def backend_pids(self) -> list[int]:
        name = self.database_url.rsplit("/", 1)[1]
        with psycopg.connect(SERVER_URL, autocommit=True) as connection:
            return [row[0] for row in connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]

    def _backends(self) -> dict[int, float]:
        return {pid: _cpu_seconds(pid) for pid in self.backend_pids()}

    def _app(self) -> float:
        return _cpu_seconds(self.master, with_reaped_children=True) + sum(_cpu_seconds(pid) for pid in worker_pids(self.master))

    @staticmethod
    def _clients() -> float:
        """This process's CPU and its reaped children's (wrk, when it drives the load)."""
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def start(self) -> None:
        self.app, self.database, self.clients = self._app(), self._backends(), self._clients()

    def report(self, requests: int, elapsed: float) -> None:
        app = self._app() - self.app
        database = sum(cpu - self.database.get(pid, 0.0) for pid, cpu in self._backends().items())
        clients = self._clients() - self.clients
        per = 1000 / max(requests, 1)
        print(f"  CPU per successful request: app {app * per:.2f} ms, PostgreSQL {database * per:.2f} ms, clients {clients * per:.2f} ms; "
              f"these three used {(app + database + clients) / elapsed:.2f} of the machine's {os.cpu_count()} cores "
              f"(load average {os.getloadavg()[0]:.1f})")


def worker_pids(master: int) -> list[int]:
    output = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in output.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per gunicorn worker")
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL one gunicorn worker a third of the way in")
    parser.add_argument("--ballots", choices=("both", "api", "form"), default="both",
                        help="how the clients vote: half by API and half by the HTML form (default), or all one way")
    parser.add_argument("--generator", choices=("threads", "wrk"), default="threads",
                        help="the clients: threads of this process (default), or wrk (API ballots only)")
    parser.add_argument("--probe", action="store_true", help="report per worker where the time went in the app server")
    parser.add_argument("--cpus", help="run everything on these cores only (e.g. 0 or 0,1): this process, gunicorn, wrk, "
                        "and PostgreSQL's backends serving the benchmark's database; to measure what each core gives")
    parser.add_argument("--no-preload", action="store_true",
                        help="each worker loads the app itself (the load may begin before every worker is ready)")
    parser.add_argument("--reuse-port", action="store_true",
                        help="a listening socket per gunicorn worker (SO_REUSEPORT) instead of one shared by all")
    parser.add_argument("--mixing-batch", type=int, default=DEFAULT_MIXING_BATCH,
                        help="the edition's k: every k-th ballot of a group runs the mixer (a large k: none does)")
    parser.add_argument("--gunicorn", action="append", default=[], metavar="OPTION",
                        help="one more gunicorn option, e.g. --gunicorn=--reuse-port (repeatable)")
    args = parser.parse_args()
    if args.generator == "wrk" and args.ballots != "api":
        parser.error("--generator wrk casts ballots through the API only: add --ballots api")

    cpus = {int(cpu) for cpu in args.cpus.split(",")} if args.cpus else None
    if cpus:
        os.sched_setaffinity(0, cpus)  # gunicorn and wrk inherit it
    name, database_url = create_database()
    server = None
    probe_dir = tempfile.mkdtemp(prefix="pb-probe-") if args.probe else None
    try:
        spec = prepare_edition(database_url, args.mixing_batch)
        port = free_port()
        options = [option for given in args.gunicorn for option in shlex.split(given)]
        server = start_gunicorn(database_url, port, args.workers, args.threads, options, probe_dir, args.reuse_port, not args.no_preload)
        base = f"http://127.0.0.1:{port}"
        numbers = iter(range(1, 10_000_000))
        socket_kind = ("a listening socket per worker" if args.reuse_port else "one shared listening socket") + (
            "" if args.no_preload else ", the app preloaded")
        print(f"gunicorn --workers {args.workers} --threads {args.threads} {' '.join(options)} ({socket_kind}) on PostgreSQL; {args.clients} clients "
              f"({args.generator}); {args.seconds:.0f} s per phase; machine: {os.cpu_count()} cores, "
              f"{len(os.sched_getaffinity(0))} allowed (load average {os.getloadavg()[0]:.1f})")
        meter = CpuMeter(server.pid, database_url)

        def pin_backends() -> None:
            """PostgreSQL's backends of the benchmark's database onto ``cpus`` (the pool opens them as load comes)."""
            for pid in meter.backend_pids():
                try:
                    os.sched_setaffinity(pid, cpus)
                except OSError:
                    pass

        def phase(kinds: list[str], seconds: float, on_midway=None) -> tuple[Stats, dict, float]:
            if cpus:
                pins = [threading.Timer(delay, pin_backends) for delay in (0.5, 2, 5)]
                for pin in pins:
                    pin.start()
            if args.generator == "wrk":
                return run_wrk_phase(base, spec, kinds[0], args.clients, seconds, next(numbers) + 100_000, on_midway)
            stats, elapsed = run_phase(base, spec, kinds, args.clients, seconds, numbers, on_midway)
            return stats, stats.summary(), elapsed

        meter.start()
        phases = [time.perf_counter()]
        _stats, summary, base_elapsed = phase(["baseline"], args.seconds / 2)
        baseline_rate = report("Baseline (one row inserted per request)", summary, base_elapsed)
        meter.report(round(baseline_rate * base_elapsed), base_elapsed)

        def kill_one():
            victims = worker_pids(server.pid)
            if victims:
                os.kill(victims[0], signal.SIGKILL)
                print(f"  (SIGKILL sent to gunicorn worker {victims[0]})", flush=True)

        kinds = ["api", "form"] if args.ballots == "both" else [args.ballots]
        meter.start()
        phases.append(time.perf_counter())
        stats, summary, elapsed = phase(kinds, args.seconds, kill_one if args.kill_worker else None)
        rate = report(f"Ballots ({' and '.join(kinds)}{', half each' if len(kinds) > 1 else ''})", summary, elapsed)
        meter.report(round(rate * elapsed), elapsed)
        print(f"\nBallots per second: {rate:.0f}; ratio to the baseline: {rate / baseline_rate:.2f}")
        stop_gunicorn(server)
        server = None
        if probe_dir:
            report_probe(probe_dir, phases)
        verify_database(database_url, stats.receipts, close_voting(database_url, spec))
    finally:
        if server is not None:
            stop_gunicorn(server)
        if probe_dir:
            shutil.rmtree(probe_dir, ignore_errors=True)
        drop_database(name)


def report_probe(directory: str, phases: list[float]) -> None:
    """What ``gunicorn_probe.py`` saw in each worker that exited gracefully, per phase."""
    workers = [json.loads(path.read_text()) for path in sorted(Path(directory).glob("*.json"))]
    names = ("baseline", "ballots")
    print(f"\nInside the app server ({len(workers)} workers that exited gracefully; a SIGKILLed one reports nothing):")
    for index, title in enumerate(names):
        start, end = phases[index], phases[index + 1] if index + 1 < len(phases) else float("inf")
        per_worker = [[r for r in worker["requests"] if start <= r[1] < end and r[0] != "/healthz"] for worker in workers]
        requests = [r for rows in per_worker for r in rows]
        if not requests:
            continue
        wall = [r[2] * 1000 for r in requests]
        cpu = [r[3] * 1000 for r in requests]
        print(f"  {title}: requests per worker {[len(rows) for rows in per_worker]}; in the app per request: "
              f"wall p50 {percentile(wall, 50):.1f} / p95 {percentile(wall, 95):.1f} / p99 {percentile(wall, 99):.1f} ms, "
              f"thread CPU mean {statistics.fmean(cpu):.2f} / p95 {percentile(cpu, 95):.2f} / p99 {percentile(cpu, 99):.2f} ms")
        pauses = [pause for worker in workers for pause in worker["collections"] if start <= pause[1] < end]
        for generation in (0, 1, 2):
            times = [(seconds * 1000, cpu * 1000) for gen, _at, seconds, cpu, _freed in pauses if gen == generation]
            if times:
                wall, cpu = zip(*times)
                print(f"    garbage collector, generation {generation}: {len(times)} pauses, wall mean {statistics.fmean(wall):.2f} / "
                      f"max {max(wall):.1f} ms, its thread's CPU mean {statistics.fmean(cpu):.2f} / max {max(cpu):.1f} ms")
    for worker in workers:
        print(f"  objects: {worker['frozen']} frozen (gc.freeze), {worker['tracked']} under the collector at exit")
    runs = sum(worker["mixer"]["runs"] for worker in workers)
    if runs:
        print(f"  mixer (both phases): {runs} runs started by a ballot, {sum(w['mixer']['mixed_nothing'] for w in workers)} of them "
              f"claimed nothing; {sum(w['mixer']['cpu'] for w in workers) / runs * 1000:.2f} ms of CPU per run")


if __name__ == "__main__":
    main()
