"""Editions, pools and the helpers they rely on; and that the API returns what the pages show."""
from __future__ import annotations

from decimal import Decimal

import pytest

from pb_service.core.markdown import render_markdown
from pb_service.core.money import MoneyError, parse_money
from pb_service.core.roles import Role
from pb_service.core.uploads import detect_kind
from pb_service.core.validation import ServiceValidationError
from pb_service.editions import services
from pb_service.editions.models import BallotOrder, Identification, LeftoverPolicy, LevelKind, Phase
from pb_service.editions.rule_choices import OFFERED_RULES
from pb_service.proposals.models import Status
from tests.editions_factories import EXE_BYTES, PDF_BYTES, PNG_BYTES, make_category, make_edition, make_level, make_pool, make_proposal
from tests.factories import make_municipality, make_official, make_user


@pytest.mark.parametrize("text, grosze", [("1 234,50", 123450), ("1234.5", 123450), ("1\u00a0000 zł", 100000), ("0,07", 7), ("2.500.000", 250000000)])
def test_parse_money_reads_polish_and_english_amounts(text, grosze):
    assert parse_money(text) == grosze


@pytest.mark.parametrize("text, message", [("-5", "The amount cannot be negative."), ("12,345", "Enter the amount as a number of złoty, e.g. 1 234,50."), ("", "Enter an amount in złoty.")])
def test_parse_money_refuses_what_is_not_money(app, text, message):
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(MoneyError) as error:
        parse_money(text)
    assert str(error.value) == message


def test_markdown_is_rendered_and_sanitised():
    html = str(render_markdown("# Tytuł\n\n**ważne** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://gdansk.pl)"))
    assert html == (
        '<h2>Tytuł</h2>\n<p><strong>ważne</strong> &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) '
        '<a href="https://gdansk.pl" rel="nofollow noopener noreferrer">ok</a></p>\n'
    )


def test_file_types_are_recognised_by_content():
    assert [detect_kind(data) for data in (PDF_BYTES, PNG_BYTES, EXE_BYTES, b"RIFF\x00\x00\x00\x00WEBPVP8 ")] == [
        "pdf", "png", None, "webp",
    ]


def test_district_budgets_follow_the_formula_to_the_grosz(app, session):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city)
    level = make_level(session, edition, kind=LevelKind.DISTRICT)
    pools = [make_pool(session, edition, level, population=p, area_km2=Decimal(a)) for p, a in ((10_000, "5.00"), (20_000, "2.50"), (30_000, "12.50"))]
    with app.test_request_context():
        budgets = services.apply_budget_formula(city, level, 1_000_000_01, 50, 30, 20, actor=admin)
    # 50 % equally, 30 % by residents (1:2:3), 20 % by area (5:2.5:12.5); one grosz left by rounding.
    assert budgets == {pools[0].id: 26_666_667, pools[1].id: 29_166_667, pools[2].id: 44_166_667}
    assert sum(budgets.values()) == 1_000_000_01
    assert level.budget_formula == {"total": 1_000_000_01, "equal": 50, "population": 30, "area": 20}


def test_required_supporters_are_capped_by_the_act(app, session):
    city = make_municipality(session, population=100_000)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city)
    level = make_level(session, edition, kind=LevelKind.DISTRICT)
    data = services.PoolData(name="Oliwa", level_id=level.id, budget=100_000_00, population=19_000, required_supporters=20)
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(ServiceValidationError) as error:
        services.save_pool(city, edition, None, data, actor=admin)
    assert error.value.errors == {"required_supporters": ["By the act, at most 0.1% of the residents may be required: 19 for 19000 residents."]}
    data.required_supporters = 19
    with app.test_request_context():
        assert services.save_pool(city, edition, None, data, actor=admin).required_supporters == 19


def test_copying_an_edition_keeps_pools_and_settings_a_year_later(app, session):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    source = make_edition(session, city, name="BO 2026", year=2026, outcome_rule="equalshares", tie_break="lottery")
    pool = make_pool(session, source, name="Oliwa", budget=123_00)
    make_category(session, source, "Sport")
    with app.test_request_context():
        copy = services.copy_edition(city, source, "BO 2027", 2027, actor=admin)
    assert (copy.name, copy.year, copy.is_published, copy.outcome_rule, copy.tie_break) == ("BO 2027", 2027, False, "equalshares", "lottery")
    assert [(p.name, p.budget, p.level.name) for p in copy.pools] == [("Oliwa", 123_00, pool.level.name)]
    assert [c.name for c in copy.categories] == ["Sport"]
    assert copy.voting_starts_at == source.voting_starts_at.replace(year=source.voting_starts_at.year + 1)
    assert copy.voter_salt != source.voter_salt


def test_a_copy_of_an_imported_greedy_threshold_edition_counts_with_greedy_and_the_pools_minimum(app, session):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    source = make_edition(session, city, name="BO 2024", year=2024, outcome_rule="greedy-threshold", imported_from_pabulib=True)
    with app.test_request_context():
        copy = services.copy_edition(city, source, "BO 2027", 2027, actor=admin)
    assert (copy.outcome_rule, copy.imported_from_pabulib) == ("greedy", False)


def test_greedy_threshold_is_not_offered_since_every_rule_applies_the_pools_minimum(app, session, client):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city)
    data = services.SettingsData(Identification.NAME_ADDRESS, "greedy-threshold", "cheaper-first", BallotOrder.RANDOM_PER_VOTER, LeftoverPolicy.STAYS)
    with app.test_request_context(), pytest.raises(ServiceValidationError) as refused:
        services.update_settings(city, edition, data, actor=admin)
    assert refused.value.errors == {"outcome_rule": ["Wybierz jedną z podanych reguł."]}
    assert "greedy-threshold" not in OFFERED_RULES and "greedy" in OFFERED_RULES


def test_moving_a_phase_on_is_recorded_with_its_reason(app, session, client):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city, Phase.SUBMISSION)
    with app.test_request_context():
        assert services.advance_phase(city, edition, "Wcześniejsze zakończenie naboru.", actor=admin) is Phase.FORMAL_REVIEW
    assert edition.phase is Phase.FORMAL_REVIEW
    page = client.get(f"/{city.slug}/editions/{edition.id}/").get_data(as_text=True)
    assert "przejście do fazy „Weryfikacja formalna”. Wcześniejsze zakończenie naboru." in page


def test_api_returns_what_the_pages_show(session, client):
    city = make_municipality(session, slug="gmina-api")
    edition = make_edition(session, city, Phase.VOTING, name="BO API", year=2027)
    level = make_level(session, edition, name="Ogólnomiejski", kind=LevelKind.CITY, max_choices=5)
    pool = make_pool(session, edition, level, name="Cała gmina", budget=2_000_000_00, population=50_000)
    category = make_category(session, edition, "Kultura")
    author = make_user(session)
    on_ballot = make_proposal(session, pool, author, Status.ADMITTED, title="Kino plenerowe", category_id=category.id, cost=150_000_00)
    make_proposal(session, pool, author, Status.REJECTED, title="Fontanna odrzucona")
    make_proposal(session, pool, author, Status.DRAFT, title="Szkic niepubliczny")
    make_edition(session, city, name="Niepublikowana", is_published=False)
    session.commit()

    editions = client.get(f"/api/v1/municipalities/{city.slug}/editions").get_json()
    assert [e["name"] for e in editions] == ["BO API"]
    detail = client.get(f"/api/v1/municipalities/{city.slug}/editions/{edition.id}").get_json()
    assert (detail["phase"], detail["outcome_rule"], detail["total_budget"]) == ("voting", "greedy", 2_000_000_00)
    assert [p["phase"] for p in detail["phases"]] == ["submission", "formal_review", "merit_review", "appeals", "voting", "results", "implementation"]
    assert detail["levels"] == [{
        "id": level.id, "name": "Ogólnomiejski", "kind": "city", "method": "approval", "min_choices": 1, "max_choices": 5,
        "points": [], "total_points": None, "must_use_all": False, "budget_formula": None,
    }]
    assert [(p["id"], p["level_id"], p["name"], p["kind"], p["budget"], p["population"]) for p in detail["pools"]] == [
        (pool.id, level.id, "Cała gmina", "city", 2_000_000_00, 50_000)
    ]
    assert detail["categories"] == [{"id": category.id, "name": "Kultura"}]
    assert "voter_salt" not in detail

    projects = client.get(f"/api/v1/municipalities/{city.slug}/editions/{edition.id}/projects").get_json()
    assert [(p["id"], p["title"], p["pool_id"], p["category"], p["cost"], p["status"]) for p in projects] == [
        (on_ballot.id, "Kino plenerowe", pool.id, "Kultura", 150_000_00, "admitted")
    ]
    page = client.get(f"/{city.slug}/editions/{edition.id}/projects").get_data(as_text=True).replace("\xa0", " ")
    assert "Kino plenerowe" in page and "150 000,00" in page
    assert "Fontanna odrzucona" not in page and "Szkic niepubliczny" not in page
    edition_page = client.get(f"/{city.slug}/editions/{edition.id}/").get_data(as_text=True).replace("\xa0", " ")
    assert "Cała gmina" in edition_page and "2 000 000,00" in edition_page
    assert client.get(f"/api/v1/municipalities/{city.slug}/editions/{edition.id + 1}").status_code == 404


def test_home_and_front_page_list_current_editions(session, client):
    city = make_municipality(session, slug="gmina-strona")
    make_edition(session, city, Phase.SUBMISSION, name="BO Bieżący")
    make_edition(session, city, name="BO Szkic", is_published=False)
    session.commit()
    for url in ("/", f"/{city.slug}/"):
        page = client.get(url).get_data(as_text=True)
        assert "BO Bieżący" in page and "BO Szkic" not in page


def test_deadlines_and_voting_settings_are_locked_once_voting_starts(session, in_request):
    from dataclasses import replace

    from pb_service.editions.models import DATED_PHASES

    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    edition = make_edition(session, town, Phase.VOTING)
    data = services.EditionData(
        name=edition.name, year=edition.year, starts={phase: edition.starts_at(phase) for phase in DATED_PHASES},
        closes_at=edition.closes_at, appeal_days=edition.appeal_days, correction_days=edition.correction_days,
        protest_days=edition.protest_days,
    )
    locked = "Voting has started, so the edition's voting settings, levels and pools can no longer change."
    for name in ("protest_days", "appeal_days", "correction_days"):
        with pytest.raises(ServiceValidationError) as refused:
            services.update_edition(town, edition, replace(data, **{name: getattr(edition, name) + 3}), actor=admin)
        assert refused.value.errors == {name: [locked]}
    assert services.update_edition(town, edition, replace(data, name="BO 2027, poprawiona nazwa"), actor=admin).name == "BO 2027, poprawiona nazwa"
    with pytest.raises(ServiceValidationError) as refused:
        services.update_settings(town, edition, services.SettingsData(
            identification=edition.identification, outcome_rule=edition.outcome_rule, tie_break=edition.tie_break,
            ballot_order=edition.ballot_order, leftover_policy=edition.leftover_policy, mixing_batch_size=30,
        ), actor=admin)
    assert refused.value.errors == {"": [locked]}


def test_the_mixing_batch_is_at_least_ten(session, in_request):
    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    edition = make_edition(session, town, Phase.SUBMISSION)
    settings = dict(identification=edition.identification, outcome_rule=edition.outcome_rule, tie_break=edition.tie_break,
                    ballot_order=edition.ballot_order, leftover_policy=edition.leftover_policy)
    with pytest.raises(ServiceValidationError) as refused:
        services.update_settings(town, edition, services.SettingsData(**settings, mixing_batch_size=9), actor=admin)
    assert refused.value.errors == {"mixing_batch_size": ["Mix at least 10 ballots together."]}
    services.update_settings(town, edition, services.SettingsData(**settings, mixing_batch_size=50), actor=admin)
    assert edition.mixing_batch_size == 50


def test_a_category_that_proposals_use_stays_and_an_unused_one_is_removed(session, in_request):
    from pb_service.core.tenancy import edition_select
    from pb_service.editions.models import Category

    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    edition = make_edition(session, town, Phase.SUBMISSION)
    used, unused = make_category(session, edition, "Zieleń"), make_category(session, edition, "Sport")
    make_proposal(session, make_pool(session, edition), make_user(session), category_id=used.id)
    with pytest.raises(ServiceValidationError) as refused:
        services.remove_category(town, used, actor=admin)
    assert refused.value.errors == {"": ["Proposals use this category, so it cannot be removed."]}
    services.remove_category(town, unused, actor=admin)
    assert [category.name for category in session.scalars(edition_select(Category, edition))] == ["Zieleń"]
