"""Time the analytics pages and the stats API with many municipalities, on PostgreSQL.

    python benchmarks/analytics_scale.py --database-url postgresql+psycopg://127.0.0.1/EMPTY_DB \\
        [--sizes 3 30 300] [--editions 10] [--requests 40] [--no-real] [--profile]

Builds the data in an empty database (migrated here), in steps: first the real Pabulib files
shipped with the package (``flask pb demo`` imports the same, through the same
``import_pabulib``: every count and indicator computed by the service), then synthetic
municipalities up to each size in ``--sizes``, each with ``--editions`` yearly editions
(2016 onwards). A synthetic edition is written as publication leaves it, with bulk inserts of the
rows the dashboards read: the edition (past its results), a city-wide level and a district
level, a city-wide pool and two to five district pools with their budgets, the edition's
categories, and its :class:`EditionIndicators` row with every column set, the JSON columns
(voters by age band and by sex, already suppressed; funded projects by category and by pool) in
the shape :func:`pb_service.analytics.indicators.compute_indicators` gives them. Ballots and
proposals are not written: no dashboard, open-data page or stats API request reads them.

Then, at each size, ``--requests`` requests of each kind below through the app (Flask's test
client: the whole request, routing, session, template, JSON; no network), a programme staff
member signed in (with the second factor) for the staff pages, and prints the 50th, 95th and
99th percentiles of the wall-clock time in milliseconds, the CPU time of this process (the app
and the test client, not PostgreSQL's), the number of SQL statements of one request and the size
of the answer.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, insert, select  # noqa: E402

from pb_service import create_app  # noqa: E402
from pb_service.accounts.models import User  # noqa: E402
from pb_service.accounts.services import hash_password  # noqa: E402
from pb_service.analytics.demo import DATA as PABULIB_DATA  # noqa: E402
from pb_service.analytics.importer import import_pabulib, pabulib_paths  # noqa: E402
from pb_service.analytics.indicators import alternative_rule, suppress_small_counts  # noqa: E402
from pb_service.analytics.models import EditionCategoryFunding, EditionIndicators  # noqa: E402
from pb_service.core.models import utcnow  # noqa: E402
from pb_service.core.tenancy import allow_cross_tenant, cross_tenant_select  # noqa: E402
from pb_service.editions.models import DATED_PHASES, PHASE_START_COLUMNS, Category, Edition, Level, LevelKind, Pool  # noqa: E402
from pb_service.editions.rule_choices import VotingMethod  # noqa: E402
from pb_service.extensions import db  # noqa: E402
from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship  # noqa: E402

PASSWORD = "benchmark password"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FIRST_YEAR = 2016
AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")
CATEGORIES = ("Zieleń miejska", "Sport i rekreacja", "Edukacja", "Kultura", "Drogi", "Place zabaw", "Pomoc społeczna", "Bezpieczeństwo")
#: Kinds of municipality with a share of them and a population range (a rough Polish mix).
KINDS = (
    (MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, 0.2, 40_000, 900_000),
    (MunicipalityKind.URBAN, 0.3, 8_000, 120_000),
    (MunicipalityKind.URBAN_RURAL, 0.3, 6_000, 60_000),
    (MunicipalityKind.RURAL, 0.2, 2_500, 25_000),
)
#: Fixed past dates: every synthetic edition has published its results.
PHASE_OFFSETS_DAYS = {phase: 40 * i for i, phase in enumerate(DATED_PHASES)}


# --- building the data ---------------------------------------------------------------------------


def _pick_kind(rng: random.Random):
    roll, total = rng.random(), 0.0
    for kind, share, low, high in KINDS:
        total += share
        if roll <= total:
            return kind, rng.randint(low, high)
    kind, _, low, high = KINDS[-1]
    return kind, rng.randint(low, high)


def _indicators(rng: random.Random, municipality_id: int, edition_id: int, year: int, population: int, pools: list[dict], categories: list[str]) -> dict:
    """One edition's indicator row, as compute_indicators leaves it (values drawn, shapes exact)."""
    budget_total = sum(pool["budget"] for pool in pools)
    voters = max(20, int(population * rng.uniform(0.03, 0.22)))
    paper = int(voters * rng.uniform(0.05, 0.3))
    invalid = int(voters * rng.uniform(0, 0.01))
    on_ballot = rng.randint(8, 120)
    submitted = on_ballot + rng.randint(5, 150)
    rejected = submitted - on_ballot
    appealed = rng.randint(0, rejected)
    by_pool, funded_count, funded_cost = {}, 0, 0
    for pool in pools:
        count = rng.randint(1, 12)
        cost = int(pool["budget"] * rng.uniform(0.8, 1.0))
        by_pool[pool["name"]] = {"count": count, "cost": cost, "budget": pool["budget"]}
        funded_count += count
        funded_cost += cost
    by_category: dict[str, dict] = {}
    left = funded_cost
    for n, category in enumerate(rng.sample(categories, k=min(len(categories), rng.randint(2, 6)))):
        cost = left if n == funded_count - 1 else int(left * rng.uniform(0.2, 0.6))
        by_category[category] = {"count": 1 + n % 3, "cost": cost}
        left -= cost
    ages = dict(sorted({band: int(voters * share) for band, share in zip(AGE_BANDS, (0.03, 0.12, 0.2, 0.2, 0.15, 0.13, 0.12, 0.05))}.items()))
    sexes = {"F": int(voters * 0.56), "M": int(voters * 0.4), "unknown": voters - int(voters * 0.56) - int(voters * 0.4)}
    completed = rng.randint(0, funded_count)
    in_progress = rng.randint(0, funded_count - completed)
    abandoned = rng.randint(0, (funded_count - completed - in_progress) // 3)
    reported = year < 2025
    rule = rng.choice(("greedy", "greedy", "greedy", "equalshares"))
    return dict(
        municipality_id=municipality_id, edition_id=edition_id, year=year, computed_at=utcnow(), source="platform",
        partial_coverage=False, population=population, budget_total=budget_total, budget_per_resident=budget_total / 100 / population,
        expenditure=None, budget_share_of_expenditure=None,
        proposals_submitted=submitted, proposals_admitted=on_ballot, proposals_rejected=rejected, proposals_appealed=appealed,
        appeals_upheld=rng.randint(0, appealed), projects_on_ballot=on_ballot,
        voters=voters, turnout=voters / population, voters_online=voters - paper, voters_paper=paper, voters_channel_unknown=0,
        invalid_ballots=invalid, votes_per_voter=rng.uniform(1.2, 4.5),
        voters_by_age=suppress_small_counts(ages), voters_by_sex=suppress_small_counts(sexes),
        funded_count=funded_count, funded_cost=funded_cost, funded_share=funded_cost / budget_total, leftover=budget_total - funded_cost,
        funded_by_category=dict(sorted(by_category.items())), funded_by_pool=by_pool,
        rule=rule, alternative_rule=alternative_rule(rule), fairness=rng.uniform(0.4, 0.9), fairness_alternative=rng.uniform(0.5, 0.95),
        impl_planned=funded_count - completed - in_progress - abandoned if reported else funded_count,
        impl_in_progress=in_progress if reported else 0, impl_completed=completed if reported else 0, impl_abandoned=abandoned if reported else 0,
        completion_rate=completed / funded_count if reported else None,
        median_delay_days=float(rng.randint(-20, 200)) if reported and completed else None,
        cost_ratio=rng.uniform(0.85, 1.3) if reported and completed else None,
    )


def add_municipalities(first: int, last: int, editions: int, seed: int = 2027) -> None:
    """Synthetic municipalities ``first`` .. ``last - 1``, each with ``editions`` published editions."""
    rng = random.Random(seed + first)
    voivodeships = list(Voivodeship)
    for n in range(first, last):
        kind, population = _pick_kind(rng)
        town = Municipality(
            slug=f"bench-{n:04d}", name=f"Gmina Syntetyczna {n:04d}", teryt=f"{(n % 32) * 2 + 2:02d}{n:04d}1"[:7],
            voivodeship=voivodeships[n % len(voivodeships)], kind=kind, population=population,
        )
        db.session.add(town)
        db.session.flush()
        indicator_rows = []
        for i in range(editions):
            year = FIRST_YEAR + i
            start = utcnow().replace(year=year - 1, month=1, day=10)
            dates = {PHASE_START_COLUMNS[phase]: start + timedelta(days=days) for phase, days in PHASE_OFFSETS_DAYS.items()}
            edition = Edition(municipality_id=town.id, name=f"Budżet Obywatelski {year}", year=year, is_published=True,
                              closes_at=start + timedelta(days=700), resolution=f"Uchwała nr {n}/{year}", **dates)
            db.session.add(edition)
            db.session.flush()
            edition_id = edition.id
            city = Level(municipality_id=town.id, edition_id=edition_id, name="Ogólnomiejski", kind=LevelKind.CITY, method=VotingMethod.APPROVAL,
                         min_choices=1, max_choices=5, position=0)
            district = Level(municipality_id=town.id, edition_id=edition_id, name="Osiedlowy", kind=LevelKind.DISTRICT,
                             method=VotingMethod.APPROVAL, min_choices=1, max_choices=3, position=1)
            db.session.add_all([city, district])
            db.session.flush()
            per_resident = rng.uniform(8, 90)
            budget = int(population * per_resident * 100)
            districts = rng.randint(2, 5)
            pools = [dict(name="Ogólnomiejska", level_id=city.id, budget=budget // 2 // 100 * 100, population=population)]
            pools += [
                dict(name=f"Osiedle {d + 1}", level_id=district.id, budget=budget // 2 // districts // 100 * 100, population=population // districts)
                for d in range(districts)
            ]
            db.session.execute(insert(Pool), [dict(municipality_id=town.id, edition_id=edition_id, position=p, **pool) for p, pool in enumerate(pools)])
            db.session.execute(insert(Category), [dict(municipality_id=town.id, edition_id=edition_id, name=name, position=p) for p, name in enumerate(CATEGORIES)])
            indicator_rows.append(_indicators(rng, town.id, edition_id, year, population, pools, list(CATEGORIES)))
        # Bulk inserts bypass the model, which writes the category rows itself: write them here.
        ids = db.session.execute(insert(EditionIndicators).returning(EditionIndicators.id, sort_by_parameter_order=True), indicator_rows).scalars().all()
        db.session.execute(insert(EditionCategoryFunding), [
            dict(municipality_id=town.id, indicators_id=indicators_id, category=category, count=entry["count"], cost=entry["cost"])
            for indicators_id, row in zip(ids, indicator_rows) for category, entry in row["funded_by_category"].items()
        ])
        db.session.commit()


STAFF_EMAIL = "bench.staff@example.org"


def staff_user_id() -> int:
    user = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    if user is None:
        user = User(email=STAFF_EMAIL, display_name="Benchmark Staff", password_hash=hash_password(PASSWORD), is_staff=True,
                    confirmed_at=utcnow(), totp_secret=TOTP_SECRET)
        db.session.add(user)
        db.session.commit()
    return user.id


def sign_in(client, user_id: int) -> None:
    response = client.post("/account/login", data={"email": STAFF_EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    if response.headers["Location"].endswith("/account/login/code"):
        totp = pyotp.TOTP(TOTP_SECRET)
        # A code is good once: wait for a fresh 30-second step if this one was used already.
        with client.application.app_context():
            last = db.session.get(User, user_id).totp_last_step
        while last is not None and totp.timecode(utcnow()) <= last:
            time.sleep(1)
        response = client.post("/account/login/code", data={"code": totp.now()})
        assert response.status_code == 302, response.status_code


# --- measuring -------------------------------------------------------------------------------------


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def requests_to_time(profile_slug: str, city_slug: str) -> list[tuple[str, str, str]]:
    """(label, client, URL): client is "staff" (signed in) or "public"."""
    filters = "year=2023&kind=city_with_powiat_rights&sort=turnout&direction=desc"
    return [
        ("staff dashboard, no filters", "staff", "/staff/analytics/"),
        ("staff dashboard, filtered, sorted", "staff", f"/staff/analytics/?{filters}"),
        ("staff dashboard, sorted by budget/resident", "staff", "/staff/analytics/?sort=budget_per_resident&direction=desc"),
        ("staff municipality profile", "staff", f"/staff/analytics/municipalities/{profile_slug}"),
        ("open data, no filters", "public", "/open-data/"),
        ("open data, filtered, sorted", "public", f"/open-data/?{filters}"),
        ("open data, municipality", "public", f"/open-data/municipalities/{city_slug}"),
        ("API editions, no filters", "public", "/api/v1/stats/editions"),
        ("API editions, filtered, sorted", "public", f"/api/v1/stats/editions?{filters}"),
        ("API editions, sorted by turnout", "public", "/api/v1/stats/editions?sort=turnout&direction=asc"),
        ("API municipality", "public", f"/api/v1/stats/municipalities/{city_slug}"),
        ("CSV export, no filters", "staff", "/staff/analytics/?format=csv"),
    ]


def measure(app, clients: dict, requests: int, counter: StatementCounter) -> list[tuple]:
    with app.app_context():
        profile_slug = db.session.scalar(select(Municipality.slug).where(Municipality.slug.like("bench-%")).order_by(Municipality.slug))
        city_slug = db.session.scalar(
            select(Municipality.slug).where(Municipality.kind == MunicipalityKind.CITY_WITH_POWIAT_RIGHTS).order_by(Municipality.population.desc())
        )
    results = []
    for label, who, url in requests_to_time(profile_slug, city_slug):
        client = clients[who]
        response = client.get(url)  # warm-up: templates compiled, caches filled
        assert response.status_code == 200, (url, response.status_code)
        before = counter.count
        client.get(url)
        statements = counter.count - before
        times, cpu = [], []
        for _ in range(requests):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
        results.append((label, statistics.median(times), percentile(times, 0.95), percentile(times, 0.99), statements, len(response.data), who, url,
                        statistics.median(cpu), percentile(cpu, 0.95)))
    return results


BUILD_REASON = "benchmark: synthetic municipalities and editions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database (postgresql+psycopg://...)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 30, 300], help="numbers of synthetic municipalities")
    parser.add_argument("--editions", type=int, default=10, help="editions per synthetic municipality")
    parser.add_argument("--requests", type=int, default=40, help="timed requests of each kind at each size")
    parser.add_argument("--no-real", action="store_true", help="skip importing the real Pabulib files shipped with the package")
    parser.add_argument("--no-gc-freeze", action="store_true", help="do not gc.freeze() after create_app() (wsgi.py does)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the slowest request kind at the largest size")
    args = parser.parse_args()

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}, "WTF_CSRF_ENABLED": False, "MAIL_BACKEND": "console"})
    if not args.no_gc_freeze:
        gc.freeze()  # as wsgi.py does after create_app()
    with app.app_context():
        upgrade()
        # Building data for many municipalities is an operation across them (on PostgreSQL the
        # database wall would refuse it otherwise); the timed requests run as the app runs them.
        allow_cross_tenant(db.session, BUILD_REASON)
        if not args.no_real:
            start = time.perf_counter()
            reports = import_pabulib(pabulib_paths([PABULIB_DATA]))
            print(f"real Pabulib files: {sum(r.status == 'imported' for r in reports)} imported, "
                  f"{sum(r.status == 'skipped' for r in reports)} skipped, {sum(r.status == 'failed' for r in reports)} failed "
                  f"in {time.perf_counter() - start:.1f} s", flush=True)
        staff = staff_user_id()
        # Synthetic municipalities left by an earlier run are kept (the run resumes from them).
        built = db.session.scalar(select(func.count(Municipality.id)).where(Municipality.slug.like("bench-%")))
        counter = StatementCounter(db.engine)
    staff_client, public_client = app.test_client(), app.test_client()
    sign_in(staff_client, staff)
    clients = {"staff": staff_client, "public": public_client}

    table = []
    for size in args.sizes:
        with app.app_context():
            allow_cross_tenant(db.session, BUILD_REASON)
            start = time.perf_counter()
            if size > built:
                add_municipalities(built, size, args.editions)
                built = size
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
            editions = db.session.scalar(cross_tenant_select(func.count(EditionIndicators.id), reason="benchmark: size of the data"))
            print(f"\n{size} synthetic municipalities, {editions} editions with indicators (built in {time.perf_counter() - start:.1f} s)", flush=True)
        results = measure(app, clients, args.requests, counter)
        print(f"{'request':44} {'p50':>8} {'p95':>8} {'p99':>8} {'CPU p50':>8} {'CPU p95':>8} {'SQL':>4} {'bytes':>9}")
        for label, p50, p95, p99, statements, size_bytes, _who, _url, cpu50, cpu95 in results:
            print(f"{label:44} {p50:8.1f} {p95:8.1f} {p99:8.1f} {cpu50:8.1f} {cpu95:8.1f} {statements:4d} {size_bytes:9d}", flush=True)
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        table.append((size, editions, results))

    print("\nwall-clock p95 / p50 in ms, (CPU p50 of the app process), by size (editions with indicators):")
    print("| request | " + " | ".join(f"{size} × {args.editions} ({editions})" for size, editions, _ in table) + " |")
    print("|---|" + "---|" * len(table))
    for i, (label, *_rest) in enumerate(table[0][2]):
        print(f"| {label} | " + " | ".join(f"{results[i][2]:.0f} / {results[i][1]:.0f} ({results[i][8]:.0f})" for _, _, results in table) + " |")

    if args.profile:
        import cProfile
        import pstats

        label, _, p95, _, _, _, who, url, _, _ = max(table[-1][2], key=lambda row: row[2])
        print(f"\nprofile of {label} ({url})")
        profiler = cProfile.Profile()
        profiler.enable()
        clients[who].get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
