"""The demo's past editions show published results, counted from synthetic ballots by the services."""
from __future__ import annotations

from pb_service.core.tenancy import tenant_select
from pb_service.editions.models import Edition, LeftoverPolicy, Phase
from pb_service.results.models import ProtestStatus
from pb_service.results.services import pool_file, protests_of, published_count, receipt_hashes
from pb_service.rules import compute, parse_pabulib


def test_past_demo_editions_have_published_recountable_results(app, session, client):
    from pb_service.demo import load_demo
    from pb_service.municipalities.services import municipality_by_slug

    with app.test_request_context():
        load_demo()
        for slug, voters, policy in (("gdansk", 3_000, LeftoverPolicy.NEXT_PROJECTS), ("krakow", 2_600, LeftoverPolicy.MOVES_TO_POOL)):
            city = municipality_by_slug(slug)
            past = next(e for e in session.scalars(tenant_select(Edition, city)) if e.phase is Phase.IMPLEMENTATION)
            count = published_count(city, past)
            assert past.leftover_policy is policy and past.outcome_rule == "greedy-threshold"
            # A few paper ballots are invalid: counted in the protocol, not here.
            assert voters * 0.98 < count.ballots < voters and len(receipt_hashes(city, past)) == count.ballots
            assert [p.status for p in protests_of(city, past)] == [ProtestStatus.DISMISSED]
            for pool_result in count.pools:
                instance = parse_pabulib(pool_file(city, pool_result))
                rule_selected = [str(p.proposal_id) for p in pool_result.projects if p.selected and p.outcome.value == "funded"]
                assert sorted(compute(instance).selected) == sorted(rule_selected)
            assert 0 < sum(len(pool.funded) for pool in count.pools) < sum(len(pool.projects) for pool in count.pools)
            page = client.get(f"/{slug}/editions/{past.id}/results/pools/{count.pools[0].pool_id}")
            assert page.status_code == 200 and "chart__bar" in page.get_data(as_text=True)


def test_demo_good_practices_link_to_the_real_imported_editions(app, session):
    from sqlalchemy import select

    from pb_service.analytics.services import edition_indicators
    from pb_service.demo import load_demo
    from pb_service.hub.models import GoodPractice
    from pb_service.hub.services import practice_edition

    with app.test_request_context():
        load_demo()
        linked = {}
        for practice in session.scalars(select(GoodPractice).order_by(GoodPractice.id)):
            found = practice_edition(practice)
            linked[practice.municipality.slug] = (found.edition.year, found.indicators.source)
            assert found.indicators.id == edition_indicators(practice.municipality, found.edition.id).id
    # Gdańsk 2020 (Oliwa and Piecki-Migowo), Kraków 2025 (Dębniki), from the bundled Pabulib files.
    assert linked == {"gdansk": (2020, "pabulib"), "krakow": (2025, "pabulib")}
