"""How close each project came: measures computed at counting and stored, told on the public
pages in Polish, English and Ukrainian, in the API and in the published files.

The edition: one approval pool of 100 000 zł; projects A 60 000 zł, B 50 000 zł, C 30 000 zł and
D 10 000 zł; 9 ballots: {A} ×3, {A, B} ×2, {A, B, C}, {B, C, D}, {C}. Votes: A 6, B 4, C 3, D 1.

Greedy, by hand: A (40 000 left), B does not fit, C (10 000 left), D (0 left): A, C and D funded.
- A comes first: it wins at any cost up to the budget, 100 000 (40 000 more than its cost).
- B comes second, after A: it wins if it costs at most the 40 000 left (10 000 less); or with 2
  more voters (6 votes, tied with A, and the cheaper B goes first under the cheaper-first
  tie-break; with 1 more, A goes first and B no longer fits). 5 voters did not choose B, so 2
  of them are enough whichever they are (greedy counts votes only).
- C comes after B (skipped): 40 000 are left for it (10 000 more than its cost).
- D comes last with 10 000 left: it could not cost any more.
Equal shares (with its completion) funds the same projects; its measures are each checked by
re-running the rule (funded at the value, not one złoty beyond).
"""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from flask_babel import force_locale

from pb_service.core.permissions import SYSTEM
from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from pb_service.editions.models import LevelKind, Phase
from pb_service.editions.rule_choices import VotingMethod
from pb_service.proposals.models import Status
from pb_service.results.explain import Explanation, explain, measures_processes, plain_reason, pool_measures
from pb_service.results.models import Outcome, PoolMeasures, ProjectResult, Protest
from pb_service.results.services import compute_results, pool_file, publish_results
from pb_service.rules import compute, parse_pabulib
from pb_service.rules.cli import main as rules_cli
from pb_service.rules.measures import with_cost, with_singletons
from tests.editions_factories import make_edition, make_level, make_pool, make_proposal
from tests.factories import login, make_municipality, make_official, make_user
from tests.results_factories import cast_ballot

COSTS = {"A": 60_000_00, "B": 50_000_00, "C": 30_000_00, "D": 10_000_00}
BALLOTS = [({"A"}, 3), ({"A", "B"}, 2), ({"A", "B", "C"}, 1), ({"B", "C", "D"}, 1), ({"C"}, 1)]

GREEDY = {
    "A": {"selected": True, "max_winning_cost": 100_000, "singleton_add": 0, "optimist_add": 0, "pessimist_add": 0, "reasons": {}, "reason_codes": {}},
    "B": {"selected": False, "max_winning_cost": 40_000, "singleton_add": 2, "optimist_add": 2, "pessimist_add": 2, "reasons": {}, "reason_codes": {}},
    "C": {"selected": True, "max_winning_cost": 40_000, "singleton_add": 0, "optimist_add": 0, "pessimist_add": 0, "reasons": {}, "reason_codes": {}},
    "D": {"selected": True, "max_winning_cost": 10_000, "singleton_add": 0, "optimist_add": 0, "pessimist_add": 0, "reasons": {}, "reason_codes": {}},
}
#: Under equal shares: (max_winning_cost, singleton_add); B's optimist and pessimist adds are
#: tried over every choice of its 4 non-supporters (a small pool).
EQUAL_SHARES = {"A": (89_250, 0), "B": (40_000, 2), "C": (30_000, 0), "D": (13_250, 0)}


def _counted(session, rule: str = "greedy"):
    """The edition above, voting over a day ago and its protest window closed, counted."""
    town = make_municipality(session)
    edition = make_edition(session, town, Phase.RESULTS, outcome_rule=rule, tie_break="cheaper-first", protest_days=1)
    for column in ("voting_starts_at", "results_starts_at"):
        setattr(edition, column, getattr(edition, column) - timedelta(days=2))
    level = make_level(session, edition, LevelKind.CITY, VotingMethod.APPROVAL, min_choices=1, max_choices=3)
    pool = make_pool(session, edition, level, budget=100_000_00, max_project_cost=None)
    author = make_user(session)
    projects = {
        name: make_proposal(session, pool, author, Status.ADMITTED, cost=cost, title=f"Projekt {name}")
        for name, cost in COSTS.items()
    }
    for chosen, voters in BALLOTS:
        for _ in range(voters):
            cast_ballot(session, edition, {pool.id: {projects[name].id: 1 for name in chosen}})
    session.flush()
    session.refresh(edition)
    count = compute_results(town, edition, actor=SYSTEM)
    return town, edition, pool, projects, count


def _by_name(projects, stored: dict) -> dict:
    return {name: stored[str(project.id)] for name, project in projects.items()}


def test_measures_are_computed_at_counting_and_stored_per_pool(session, in_request):
    town, edition, pool, projects, count = _counted(session)
    [pool_result] = count.pools
    measures = pool_result.measures
    assert isinstance(measures, PoolMeasures) and measures.rule == "greedy" and measures.municipality_id == town.id
    assert _by_name(projects, measures.projects) == GREEDY
    # One row per pool, replaced with the count.
    stored = tenant_select(PoolMeasures, town)
    assert [row.pool_result_id for row in session.scalars(stored)] == [pool_result.id]
    recount = compute_results(town, edition, actor=SYSTEM)
    assert [row.pool_result_id for row in session.scalars(stored)] == [recount.pools[0].id]
    assert _by_name(projects, recount.pools[0].measures.projects) == GREEDY


def test_equal_shares_measures_are_exact_boundaries_of_the_rule(session, in_request):
    town, edition, pool, projects, count = _counted(session, "equalshares")
    [pool_result] = count.pools
    stored = _by_name(projects, pool_result.measures.projects)
    assert {name: (values["max_winning_cost"], values["singleton_add"]) for name, values in stored.items()} == EQUAL_SHARES
    assert {name for name, values in stored.items() if values["selected"]} == {"A", "C", "D"}
    assert (stored["B"]["optimist_add"], stored["B"]["pessimist_add"], stored["B"]["reasons"]) == (2, 2, {})
    # Re-run the rule on the published file, changed: selected at the value, not one złoty beyond
    # (or one supporter fewer).
    instance = parse_pabulib(pool_file(town, pool_result))
    for name, (winning, added) in EQUAL_SHARES.items():
        pid = str(projects[name].id)
        assert pid in compute(with_cost(instance, pid, winning)).selected
        assert pid not in compute(with_cost(instance, pid, winning + 1)).selected
        if added:
            assert pid in compute(with_singletons(instance, pid, added)).selected
            assert pid not in compute(with_singletons(instance, pid, added - 1)).selected


def test_equal_shares_measures_in_two_processes_are_those_of_one(app, session, in_request):
    """``MEASURES_PROCESSES`` (the tests keep 1) shares the projects of a pool as large as the
    measures job's among forked processes; a smaller pool, which a request may count, keeps one."""
    town, _, _, projects, count = _counted(session, "equalshares")
    [pool_result] = count.pools
    instance = parse_pabulib(pool_file(town, pool_result))
    kept = {name: app.config[name] for name in ("MEASURES_PROCESSES", "MEASURES_IN_BACKGROUND_FROM")}
    app.config["MEASURES_PROCESSES"] = 2
    try:
        assert measures_processes(pool_result) == 1  # 8 ballots, counted in this request
        app.config["MEASURES_IN_BACKGROUND_FROM"] = pool_result.voters
        assert measures_processes(pool_result) == 2
        measured = pool_measures(town, pool_result, instance)
    finally:
        app.config.update(kept)
    assert measured.projects == pool_result.measures.projects
    stored = _by_name(projects, measured.projects)
    assert {name: (values["max_winning_cost"], values["singleton_add"]) for name, values in stored.items()} == EQUAL_SHARES
    assert measured.cpu_milliseconds > 0


def test_publication_computes_the_measures_of_a_count_made_before_them(session, in_request):
    town, edition, pool, projects, count = _counted(session)
    session.delete(count.pools[0].measures)
    session.flush()
    session.expire_all()
    published = publish_results(town, edition, actor=SYSTEM, notify=False)
    assert _by_name(projects, published.pools[0].measures.projects) == GREEDY


def test_the_measure_command_adds_what_a_published_count_lacks(app, session):
    """A bulk import stores measures only where they are quick; the command adds the rest,
    to a published count too (which no other change may touch)."""
    town, edition, pool, projects, count = _counted(session, "equalshares")
    session.delete(count.pools[0].measures)
    session.flush()
    session.expire_all()
    publish_results(town, edition, actor=SYSTEM, notify=False, slow_measures=False)
    assert count.pools[0].measures is None
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pb", "results", "measure", str(edition.id)])
    assert result.exit_code == 0, result.output
    assert "pools with new measures: 1." in result.output
    stored = _by_name(projects, count.pools[0].measures.projects)
    assert {name: (values["max_winning_cost"], values["singleton_add"]) for name, values in stored.items()} == EQUAL_SHARES


SENTENCES = {
    "pl": {
        "B": "Ten projekt zostałby wybrany, gdyby kosztował o 10\xa0000,00\xa0zł mniej albo miał 2 głosujących więcej.",
        "A": "Ten projekt został wybrany z zapasem: mógłby kosztować o 40\xa0000,00\xa0zł więcej (łącznie 100\xa0000,00\xa0zł) i nadal zostałby wybrany.",
        "D": "Ten projekt został wybrany, ale o włos: gdyby kosztował choć trochę więcej, nie zostałby wybrany.",
        "how": "Jak to czytać",
    },
    "en": {
        "B": "This project would have been funded if it had cost PLN\xa010,000.00 less, or had 2 more supporters.",
        "A": "This project was funded with room to spare: it could have cost PLN\xa040,000.00 more (PLN\xa0100,000.00 in all) and still have been funded.",
        "D": "This project was funded, but only just: had it cost any more, it would not have been.",
        "how": "How to read this",
    },
    "uk": {
        "B": "Цей проєкт було б обрано, якби він коштував на 10\xa0000,00\xa0PLN менше або мав ще 2 прихильники.",
        "A": "Цей проєкт обрано із запасом: він міг би коштувати на 40\xa0000,00\xa0PLN більше (загалом 100\xa0000,00\xa0PLN) і все одно був би обраний.",
        "D": "Цей проєкт обрано, але ледь-ледь: якби він коштував хоч трохи більше, його не обрали б.",
        "how": "Як це читати",
    },
}


def _published(session):
    town, edition, pool, projects, count = _counted(session)
    publish_results(town, edition, actor=SYSTEM, notify=False)
    return town, edition, pool, projects


@pytest.mark.parametrize("language", ["pl", "en", "uk"])
def test_project_pages_and_the_pool_page_tell_how_close_each_project_came(session, client, language):
    town, edition, pool, projects = _published(session)
    headers = {}
    client.get(f"/lang/{language}")
    expected = SENTENCES[language]
    for name in ("A", "B", "D"):
        page = client.get(f"/{town.slug}/proposals/{projects[name].id}", headers=headers).get_data(as_text=True)
        assert f'<html lang="{language}">' in page
        assert expected[name] in page, (name, page[page.find("how-close"):][:1500])
        assert expected["how"] in page and f'href="/{town.slug}/results/how-close"' in page
    pool_page = client.get(f"/{town.slug}/editions/{edition.id}/results/pools/{pool.id}", headers=headers).get_data(as_text=True)
    for name in ("A", "B", "D"):
        assert expected[name] in pool_page
    assert f"/pools/{pool.id}/measures.json" in pool_page
    method = client.get(f"/{town.slug}/results/how-close", headers=headers)
    assert method.status_code == 200 and "arXiv:2312.14723" in method.get_data(as_text=True)


def test_nothing_is_told_before_publication(session, client):
    town, edition, pool, projects, count = _counted(session)
    page = client.get(f"/{town.slug}/proposals/{projects['B'].id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How close was it?" not in page and "would have been funded" not in page
    assert client.get(f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/pools/{pool.id}/measures.json").status_code == 404


def _told(language: str, project: ProjectResult, values: dict) -> Explanation:
    with force_locale(language):
        return explain(project, values)


@pytest.mark.parametrize(("language", "supporters", "expected"), [
    ("pl", 1, "Ten projekt zostałby wybrany, gdyby kosztował o 5,00\xa0zł mniej albo miał 1 głosującego więcej."),
    ("pl", 3, "Ten projekt zostałby wybrany, gdyby kosztował o 5,00\xa0zł mniej albo miał 3 głosujących więcej."),
    ("pl", 312, "Ten projekt zostałby wybrany, gdyby kosztował o 5,00\xa0zł mniej albo miał 312 głosujących więcej."),
    ("en", 1, "This project would have been funded if it had cost PLN\xa05.00 less, or had 1 more supporter."),
    ("en", 312, "This project would have been funded if it had cost PLN\xa05.00 less, or had 312 more supporters."),
    ("uk", 1, "Цей проєкт було б обрано, якби він коштував на 5,00\xa0PLN менше або мав ще 1 прихильника."),
    ("uk", 3, "Цей проєкт було б обрано, якби він коштував на 5,00\xa0PLN менше або мав ще 3 прихильники."),
    ("uk", 312, "Цей проєкт було б обрано, якби він коштував на 5,00\xa0PLN менше або мав ще 312 прихильників."),
])
def test_plural_forms_of_the_sentence(app, language, supporters, expected):
    project = ProjectResult(proposal_id=1, cost=15_00, outcome=Outcome.DID_NOT_FIT, selected=False)
    values = {"selected": False, "max_winning_cost": 10, "singleton_add": supporters, "optimist_add": None, "pessimist_add": None, "reasons": {}}
    with app.test_request_context():
        assert _told(language, project, values).sentence == expected


def test_missing_values_are_explained_in_plain_words(app):
    project = ProjectResult(proposal_id=1, cost=15_00, outcome=Outcome.UNDER_THRESHOLD, selected=False)
    values = {
        "selected": False, "max_winning_cost": None, "singleton_add": 4, "optimist_add": None, "pessimist_add": None,
        "reasons": {"max_winning_cost": "fewer than 5 votes, the minimum", "optimist_add": "not computed under equalshares yet"},
    }
    with app.test_request_context():
        told = _told("en", project, values)
        assert told.sentence == "This project would have been funded if it had had 4 more supporters."
        assert told.notes == ["No lower cost would have helped: it had fewer votes than the minimum a project needs."]
        hopeless = _told("en", project, {**values, "singleton_add": None, "reasons": {
            "max_winning_cost": "no money is left when greedy reaches it", "singleton_add": "it costs more than the budget"}})
        assert hopeless.sentence == "Neither a lower cost nor more supporters on their own would have made this project funded."
        assert hopeless.notes == [
            "No lower cost would have helped: when its turn came, the projects with more votes had already used the money.",
            "No number of extra supporters would have helped: it costs more than the whole budget of the pool.",
        ]
        with force_locale("pl"):
            assert plain_reason("it costs more than the budget") == "kosztuje więcej niż cały budżet tej puli"
            # The engine's stable code decides, whatever its English text says (rows stored
            # before there were codes are read by the text, as above).
            assert plain_reason("anything at all", "over_budget") == "kosztuje więcej niż cały budżet tej puli"
        coded = _told("en", project, {**values, "reasons": {"max_winning_cost": "no money is left when greedy reaches it"},
                                      "reason_codes": {"max_winning_cost": "below_min_votes"}})
        assert coded.notes == ["No lower cost would have helped: it had fewer votes than the minimum a project needs."]
        leftover = ProjectResult(proposal_id=1, cost=15_00, outcome=Outcome.FUNDED_FROM_LEFTOVER, selected=True)
        told = _told("en", leftover, {**values, "max_winning_cost": 10})
        assert told.sentence == "This project was funded from the money left over, not by the rule itself."
        assert told.notes[0] == "This project would have been funded if it had cost PLN\xa05.00 less, or had 4 more supporters."
        assert explain(ProjectResult(proposal_id=1, cost=1, outcome=Outcome.WITHDRAWN, selected=False), values) is None


def test_the_api_and_the_published_files_carry_the_measures(session, client, tmp_path, capsys):
    town, edition, pool, projects = _published(session)
    api = f"/api/v1/municipalities/{town.slug}/editions/{edition.id}"
    results = client.get(f"{api}/results").get_json()
    by_id = {project["id"]: project["measures"] for project in results["pools"][0]["projects"]}
    # The API speaks grosze, as everywhere.
    assert by_id[projects["B"].id] == {**GREEDY["B"], "max_winning_cost": 40_000_00}
    assert by_id[projects["A"].id]["max_winning_cost"] == 100_000_00
    # The published file: the CLI's explain on the pool's ballots file prints the same projects.
    published = client.get(f"{api}/pools/{pool.id}/measures.json")
    assert published.status_code == 200 and "attachment" in published.headers["Content-Disposition"]
    shaped = published.get_json()
    assert shaped["rule"] == "greedy" and shaped["money_unit"] == "PLN"
    assert _by_name(projects, shaped["projects"]) == GREEDY
    ballots = tmp_path / "pool.pb"
    ballots.write_bytes(client.get(f"{api}/pools/{pool.id}/ballots.pb").data)
    capsys.readouterr()
    assert rules_cli(["explain", str(ballots), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["projects"] == shaped["projects"]
    # The results CSV has a column per measure.
    rows = list(csv.DictReader(io.StringIO(client.get(f"/{town.slug}/editions/{edition.id}/results.csv").get_data(as_text=True))))
    row = next(row for row in rows if row["project_id"] == str(projects["B"].id))
    assert (row["max_winning_cost_pln"], row["singleton_add"], row["optimist_add"], row["pessimist_add"]) == ("40000", "2", "2", "2")
    # The OpenAPI document describes them.
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "max_winning_cost" in json.dumps(spec["components"]["schemas"])


def test_officials_see_the_measures_beside_the_what_if_and_the_protests(session, client):
    town, edition, pool, projects, count = _counted(session)
    admin = make_official(session, town, Role.ADMIN)
    admin.locale = "en"
    session.flush()
    login(client, admin)
    headers = {"Accept-Language": "en"}
    office = client.get(f"/{town.slug}/office/editions/{edition.id}/results/", headers=headers).get_data(as_text=True)
    assert "How close each project came" in office and SENTENCES["en"]["B"] in office
    what_if = client.get(f"/{town.slug}/office/editions/{edition.id}/results/what-if", headers=headers).get_data(as_text=True)
    assert SENTENCES["en"]["B"] in what_if and "Largest cost at which it is funded" in what_if
    # A protest about the pool shows its measures beside the panel's decision form.
    session.add(Protest(municipality_id=town.id, edition_id=edition.id, number=1, author_id=make_user(session).id,
                        pool_id=pool.id, grounds="Projekt B przegrał, a kosztował niewiele więcej niż zostało."))
    session.flush()
    office = client.get(f"/{town.slug}/office/editions/{edition.id}/results/", headers=headers).get_data(as_text=True)
    protests = office[office.index('id="protests"'):]
    assert f"How close each project of {pool.name} came" in protests and SENTENCES["en"]["B"] in protests
