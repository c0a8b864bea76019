"""CPU time and database statements per request on the ballot pipeline, in one process.

    python benchmarks/voting_cost.py [--requests 300] [--profile KIND] [--statements KIND]

Kinds: baseline, api, page, post (the ballot), front, edition, catalogue, project, results (the
other hot pages; a pool's results after the benchmark closes voting and publishes the count).
Each kind runs interleaved with the baseline, round by round, and its ratio to the baseline is
printed, and what the mixer (run by every k-th ballot of a group) cost of the ballots' CPU. ``--profile`` prints where one kind spends its time (pyinstrument when installed,
else cProfile on CPU time), ``--statements`` the SQL of one request of that kind.

The load benchmark (``voting_load.py``) measures rates on a machine shared by the server, the
database and the clients; this one says what each request costs, so the rates can be explained:
on two cores, a request that needs C ms of CPU in the app cannot go faster than 2000 / C per
second even before the database and the clients take their share. Same edition as the load
benchmark (approval, PESEL, two levels, four pools, 40 projects), on its own PostgreSQL database.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import voting_load  # noqa: E402  (the edition, identities and ballots of the load benchmark)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=BALLOT_KINDS + PAGE_KINDS, help="print where one kind of request spends its CPU")
    parser.add_argument("--statements", choices=BALLOT_KINDS + PAGE_KINDS, help="print the SQL statements of one request of this kind")
    args = parser.parse_args()
    name, database_url = voting_load.create_database()
    try:
        spec = voting_load.prepare_edition(database_url)
        os.environ.update(
            DATABASE_URL=database_url, SECRET_KEY="cost-benchmark", MAIL_BACKEND="console", BALLOT_RATE_LIMIT="1000000 per minute",
            BENCHMARK_ENDPOINTS="true", PB_ENV="development",
            RATELIMIT_STORAGE_URI=os.environ.get("PB_BENCH_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15"),
        )
        from pb_service import create_app
        from pb_service.extensions import db

        app = create_app()
        statements: list = [0]

        def count(_connection, _cursor, sql, *_args) -> None:
            statements[0] += 1
            statements.append(sql)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        measure_requests(app.test_client(), spec, args.requests, statements, args.profile, args.statements,
                         after_voting=lambda: publish_results(app, spec))
    finally:
        voting_load.drop_database(name)


BALLOT_KINDS = ("baseline", "api", "page", "post")
PAGE_KINDS = ("front", "edition", "catalogue", "project", "results")
LABELS = {
    "baseline": "baseline (one row)", "api": "API ballot", "page": "form: GET ballot page", "post": "form: POST ballot",
    "front": "front page", "edition": "an edition's page", "catalogue": "edition's catalogue", "project": "a project's page",
    "results": "a pool's results",
}


def measure_requests(client, spec: dict, count: int, statements: list, profile: str | None = None, show: str | None = None,
                     *, after_voting=None) -> None:
    """Each kind of request ``count`` times, interleaved round by round with the baseline, so that
    the other work on a shared machine weighs on every kind alike and the ratios hold."""
    ballots = voting_load.Client("", spec, "api", None, None, 0)
    level = spec["district_level"]
    prefix = f"/{spec['slug']}/editions/{spec['edition']}"
    vote_url = f"{prefix}/vote"
    api_url = f"/api/v1/municipalities/{spec['slug']}/editions/{spec['edition']}/ballots"
    project = spec["projects"][spec["city_pool"]][0]
    tokens: dict[int, str] = {}

    def get(url: str):
        def request(_n: int) -> None:
            assert client.get(url).status_code == 200, url
        return request

    def baseline(_n: int) -> None:
        assert client.post("/api/v1/benchmark/baseline").status_code == 201

    def api_ballot(n: int) -> None:
        district, picks = ballots.ballot_choices(n)
        body = {"identity": {"pesel": voting_load.pesel(n), "first_name": "Anna", "last_name": "Nowak", "declaration": True},
                "districts": {str(level): district}, "choices": picks}
        assert client.post(api_url, json=body).status_code == 201

    def form_page(n: int) -> None:
        district, _picks = ballots.ballot_choices(n)
        page = client.get(f"{vote_url}?district-{level}={district}").get_data(as_text=True)
        tokens[n] = voting_load.CSRF_PATTERN.search(page).group(1)

    def form_ballot(n: int) -> None:
        district, picks = ballots.ballot_choices(n)
        fields = [("csrf_token", tokens.pop(n)), ("action", "confirm"), (f"district-{level}", district),
                  ("identity-pesel", voting_load.pesel(n)), ("identity-first_name", "Jan"), ("identity-last_name", "Kowalski"),
                  ("identity-declaration", "y")]
        fields += [(f"pool-{pool}", str(project)) for pool, projects in picks.items() for project in projects]
        assert b"receipt-code" in client.post(vote_url, data=MultiDict(fields)).data

    requests = {
        "baseline": (baseline, 0), "api": (api_ballot, 1), "page": (form_page, 1_000_000), "post": (form_ballot, 1_000_000),
        "front": (get("/"), 0), "edition": (get(f"{prefix}/"), 0), "catalogue": (get(f"{prefix}/projects"), 0),
        "project": (get(f"/{spec['slug']}/proposals/{project}"), 0),
        "results": (get(f"{prefix}/results/pools/{spec['city_pool']}"), 0),
    }
    print(f"{count} requests of each kind after 5 warm-up requests, interleaved with the baseline; "
          "CPU of this process (app and test client)")
    print(f"  {'request':24} {'CPU':>9} {'× baseline':>11} {'wall':>10} {'statements':>11}")
    with mixer_meter() as mixer:
        run_kinds(requests, BALLOT_KINDS, count, statements, profile, show)
    print(f"  (of the ballots' CPU: the mixer ran {mixer['runs']} times, {mixer['cpu'] / max(mixer['runs'], 1) * 1000:.2f} ms each, "
          f"{mixer['cpu'] / (2 * (count + 5)) * 1000:.2f} ms per ballot cast by API or form)")
    if after_voting is not None:
        run_kinds(requests, ("baseline", "front", "edition", "catalogue", "project"), count, statements, profile, show)
        after_voting()
        print("  (voting closed; results counted and published)")
        run_kinds(requests, ("baseline", "results"), count, statements, profile, show)


@contextmanager
def mixer_meter():
    """CPU of the mixer runs that ballots trigger (every k-th of a group), counted while in the block."""
    from pb_service.voting import services

    seen = {"runs": 0, "cpu": 0.0}
    mix_group_now = services.mix_group_now

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return mix_group_now(*args, **kwargs)
        finally:
            seen["runs"] += 1
            seen["cpu"] += time.process_time() - started

    services.mix_group_now = timed
    try:
        yield seen
    finally:
        services.mix_group_now = mix_group_now


def run_kinds(requests: dict, kinds: tuple[str, ...], count: int, statements: list, profile: str | None, show: str | None) -> None:
    cpu = dict.fromkeys(kinds, 0.0)
    wall = dict.fromkeys(kinds, 0.0)
    executed = dict.fromkeys(kinds, 0)
    profiler = new_profiler() if profile in kinds else None
    for round_number in range(-5, count):
        for kind in kinds:
            request, first = requests[kind]
            n = first + round_number + 5  # a form's POST uses the token of its page, fetched just before
            if profiler and kind == profile and round_number >= 0:
                profiler.start()
            statements[0] = 0
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            request(n)
            if round_number >= 0:
                cpu[kind] += time.process_time() - started_cpu
                wall[kind] += time.perf_counter() - started_wall
                executed[kind] += statements[0]
            if profiler and kind == profile and round_number >= 0:
                profiler.stop()
            del statements[1:]
    for kind in kinds:
        ratio = cpu[kind] / cpu["baseline"]
        print(f"  {LABELS[kind]:24} {cpu[kind] / count * 1000:6.2f} ms {ratio:10.2f}× {wall[kind] / count * 1000:7.2f} ms "
              f"{executed[kind] / count:11.1f}")
    if profiler:
        profiler.report()
    if show in kinds:
        request, first = requests[show]
        n = first + count + 10
        if show == "post":
            requests["page"][0](n)
        del statements[1:]
        request(n)
        print("\n".join(f"    {n}. {sql}" for n, sql in enumerate(statements[1:], start=1)))
        del statements[1:]


def publish_results(app, spec: dict) -> None:
    """Move the edition past voting (and its protest window), count the votes and publish them."""
    from datetime import timedelta

    from pb_service.accounts.models import User
    from pb_service.core.models import utcnow
    from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select
    from pb_service.editions.models import Edition
    from pb_service.extensions import db
    from pb_service.results.services import compute_results, publish_results as publish

    with app.test_request_context():
        allow_cross_tenant(db.session, "benchmark: count and publish")
        edition = db.session.scalar(cross_tenant_select(Edition, reason="benchmark").where(Edition.id == spec["edition"]))
        now = utcnow()
        edition.voting_starts_at, edition.results_starts_at = now - timedelta(days=30), now - timedelta(days=20)
        staff = User(email="staff@example.org", display_name="Staff", password_hash="x", confirmed_at=now, is_staff=True)
        db.session.add(staff)
        db.session.commit()
        compute_results(edition.municipality, edition, actor=staff)
        publish(edition.municipality, edition, actor=staff, notify=False)
        db.session.commit()  # the services flush; the caller (here the benchmark) commits
        db.session.remove()


class new_profiler:
    """pyinstrument (sampling: the figures above stay near the truth) when installed, else cProfile
    counting CPU time (which slows the profiled requests several times)."""

    def __init__(self):
        try:
            from pyinstrument import Profiler
        except ImportError:
            self.sampling, self.profiler = None, cProfile.Profile(time.process_time)
        else:
            self.sampling = self.profiler = Profiler(interval=0.0002)

    def start(self) -> None:
        (self.profiler.start if self.sampling else self.profiler.enable)()

    def stop(self) -> None:
        (self.profiler.stop if self.sampling else self.profiler.disable)()

    def report(self) -> None:
        if self.sampling:
            print(self.profiler.output_text(unicode=True, show_all=False))
        else:
            pstats.Stats(self.profiler).sort_stats(os.environ.get("PB_PROFILE_SORT", "cumulative")).print_stats(60)


if __name__ == "__main__":
    main()
