"""Time counting an edition: 100,000 ballots over 100 projects, with every outcome rule.

    python benchmarks/count_results.py [--ballots 100000] [--projects 100] [--database-url URL]

Builds a throw-away database (SQLite in a temporary folder unless ``--database-url`` names an
empty PostgreSQL database), one municipality, one edition with one approval pool of
``--projects`` projects, and ``--ballots`` ballots written as the voting pipeline writes them.
Each voter approves 1 to 6 projects chosen by a skewed popularity (as in real editions: a few
favourites, a long tail), so most ballots are distinct, as in Kraków's or Łódź's files.

Then, for each rule: ``count_edition`` (read every valid ballot in one query, group them, build
the instance, compute the rule, write the Pabulib file), and for greedy the whole
``compute_results`` service (the same plus storing the count, the per-project rows and the file).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from pb_service import create_app  # noqa: E402
from pb_service.accounts.models import User  # noqa: E402
from pb_service.core.models import utcnow  # noqa: E402
from pb_service.core.permissions import SYSTEM  # noqa: E402
from pb_service.core.tenancy import allow_cross_tenant, tenant_select  # noqa: E402
from pb_service.editions.models import DATED_PHASES, PHASE_START_COLUMNS, Edition, Level, LevelKind, Pool  # noqa: E402
from pb_service.editions.rule_choices import OUTCOME_RULES, VotingMethod  # noqa: E402
from pb_service.extensions import db  # noqa: E402
from pb_service.municipalities.models import Municipality, MunicipalityKind, Voivodeship  # noqa: E402
from pb_service.proposals.models import Proposal, Status  # noqa: E402
from pb_service.results.counting import count_edition, pabulib_text, read_ballots  # noqa: E402
from pb_service.results.services import compute_results  # noqa: E402
from pb_service.voting.models import Ballot, Channel  # noqa: E402


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def build(ballots: int, projects: int, seed: int = 2027):
    """The municipality and the edition (voting just ended), with its ballots."""
    rng = random.Random(seed)
    town = Municipality(slug="bench", name="Gmina Benchmark", teryt="9999991", voivodeship=Voivodeship.MAZOWIECKIE,
                        kind=MunicipalityKind.CITY_WITH_POWIAT_RIGHTS, population=800_000)
    author = User(email="bench@example.org", display_name="Bench", password_hash="x", confirmed_at=utcnow())
    db.session.add_all([town, author])
    db.session.flush()
    now = utcnow()
    starts = {PHASE_START_COLUMNS[phase]: now + timedelta(days=10 * (i - 5) - 1) for i, phase in enumerate(DATED_PHASES)}
    edition = Edition(municipality_id=town.id, name="BO Benchmark", year=2027, is_published=True, closes_at=now + timedelta(days=100), **starts)
    db.session.add(edition)
    db.session.flush()
    level = Level(municipality_id=town.id, edition_id=edition.id, name="Miasto", kind=LevelKind.CITY, method=VotingMethod.APPROVAL,
                  min_choices=1, max_choices=6)
    db.session.add(level)
    db.session.flush()
    pool = Pool(municipality_id=town.id, edition_id=edition.id, level_id=level.id, name="Ogólnomiejski", budget=30_000_000_00, min_votes=3_000)
    db.session.add(pool)
    db.session.flush()
    costs = [rng.randrange(50_000, 2_500_000) * 100 for _ in range(projects)]
    rows = [dict(municipality_id=town.id, edition_id=edition.id, pool_id=pool.id, author_id=author.id, number=n + 1, title=f"Projekt {n + 1}",
                 estimated_cost=cost, status=Status.ADMITTED) for n, cost in enumerate(costs)]
    db.session.execute(insert(Proposal), rows)
    ids = [p.id for p in db.session.scalars(tenant_select(Proposal, town))]
    popularity = [rng.paretovariate(1.2) for _ in ids]
    batch = []
    for n in range(ballots):
        chosen = set(rng.choices(ids, weights=popularity, k=rng.randint(1, 6)))
        batch.append(dict(municipality_id=town.id, edition_id=edition.id, channel=Channel.ONLINE, cast_on=date.today(),
                          choices={str(pool.id): {str(pid): 1 for pid in sorted(chosen)}},
                          receipt_hash=hashlib.sha256(f"r{n}".encode()).hexdigest()))
        if len(batch) == 10_000:
            db.session.execute(insert(Ballot), batch)
            batch = []
    if batch:
        db.session.execute(insert(Ballot), batch)
    db.session.commit()
    return town, edition


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temporary folder)")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='results-bench-')}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}, "MAIL_BACKEND": "locmem"})
    with app.app_context():
        upgrade()
        # A script acting for the operators, across municipalities: the database wall is lifted, with a reason.
        allow_cross_tenant(db.session, "benchmark set-up and counting")
        (town, edition), seconds = timed(build, args.ballots, args.projects)
        print(f"{db.engine.dialect.name}: {args.ballots:,} ballots over {args.projects} projects written in {seconds:.1f} s")
        (groups, valid), seconds = timed(read_ballots, town, edition)
        distinct = sum(len(counter) for counter in groups.values())
        print(f"read and grouped: {valid:,} ballots, {distinct:,} distinct, {seconds:.2f} s")
        print(f"{'rule':<30} {'count (s)':>9}  funded")
        for rule in OUTCOME_RULES:
            edition.outcome_rule = rule
            counted, seconds = timed(count_edition, town, edition)
            _, file_seconds = timed(pabulib_text, counted.pools[0])
            print(f"{rule:<30} {seconds + file_seconds:>9.2f}  {len(counted.pools[0].selected)}", flush=True)
        edition.outcome_rule = "greedy"
        db.session.commit()
        _, seconds = timed(compute_results, town, SYSTEM, edition)
        print(f"{'compute_results (greedy, stored)':<30} {seconds:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
