"""CPU time and database statements per request on the ballot pipeline, in one process.

    python benchmarks/voting_cost.py [--requests 300] [--profile api|page|post|baseline]

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
from pathlib import Path

from sqlalchemy import event
from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import voting_load  # noqa: E402  (the edition, identities and ballots of the load benchmark)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=("baseline", "api", "page", "post"), help="print where one kind of request spends its CPU (cProfile)")
    parser.add_argument("--statements", choices=("baseline", "api", "page", "post"), help="print the SQL statements of one request of this kind")
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
        measure_requests(app.test_client(), spec, args.requests, statements, args.profile, args.statements)
    finally:
        voting_load.drop_database(name)


def measure_requests(client, spec: dict, count: int, statements: list, profile: str | None = None, show: str | None = None) -> None:
    ballots = voting_load.Client("", spec, "api", None, None, 0)
    level = spec["district_level"]
    vote_url = f"/{spec['slug']}/editions/{spec['edition']}/vote"
    api_url = f"/api/v1/municipalities/{spec['slug']}/editions/{spec['edition']}/ballots"
    tokens: dict[int, str] = {}

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
        fields = [("csrf_token", tokens[n]), ("action", "confirm"), (f"district-{level}", district),
                  ("identity-pesel", voting_load.pesel(n)), ("identity-first_name", "Jan"), ("identity-last_name", "Kowalski"),
                  ("identity-declaration", "y")]
        fields += [(f"pool-{pool}", str(project)) for pool, projects in picks.items() for project in projects]
        assert b"receipt-code" in client.post(vote_url, data=MultiDict(fields)).data

    print(f"{count} requests of each kind after 5 warm-up requests; CPU of this process (app and test client)")
    for kind, label, request, first in (("baseline", "baseline (one row)", baseline, 0), ("api", "API ballot", api_ballot, 1),
                                        ("page", "form: GET ballot page", form_page, 1_000_000), ("post", "form: POST ballot", form_ballot, 1_000_000)):
        numbers = range(first, first + count + 5)
        for n in numbers[:5]:
            request(n)
        statements[0] = 0
        profiler = new_profiler() if kind == profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.start()
        for n in numbers[5:]:
            request(n)
        if profiler:
            profiler.stop()
        cpu, wall = (time.process_time() - cpu) / count * 1000, (time.perf_counter() - wall) / count * 1000
        print(f"  {label:24} CPU {cpu:6.2f} ms   wall {wall:6.2f} ms   SQL statements {statements[0] / count:4.1f}")
        if profiler:
            profiler.report()
        if kind == show:
            if kind == "post":
                form_page(numbers[-1] + 1)
            del statements[1:]
            request(numbers[-1] + 1)
            print("\n".join(f"    {n}. {sql}" for n, sql in enumerate(statements[1:], start=1)))
        del statements[1:]


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
            pstats.Stats(self.profiler).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
