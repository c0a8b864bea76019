"""search_materials on both engines: inflected Polish forms, diacritics, visibility, language."""
from __future__ import annotations

import pytest

from pb_service.core.roles import Role
from pb_service.hub.models import Audience, MaterialKind, Topic, Visibility
from pb_service.hub.search import (
    POSTGRESQL_ENGINE,
    SQLITE_ENGINE,
    MaterialFilters,
    highlight,
    query_stems,
    search_materials,
)
from tests.factories import make_municipality, make_official, make_user
from tests.hub_factories import make_material

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases

NO_FILTERS = MaterialFilters()


def _titles(results) -> list[str]:
    return [hit.translation.title for hit in results.page.items]


@pytest.mark.parametrize(("query", "stems"), [
    ("budżetu", ["budzet"]),
    ("Budżetem obywatelskim", ["budzet", "obywatelsk"]),
    ("gminie", ["gmin"]),
    ("głosowania", ["glosowan"]),
    ("rada", ["rada"]),
])
def test_query_stems_cut_polish_endings_and_fold_diacritics(query, stems):
    assert query_stems(query, "pl") == stems


def test_highlight_escapes_everything_it_does_not_mark():
    assert str(highlight("<b>Budżet</b> & budżety", ["budzet"])) == "&lt;b&gt;<mark>Budżet</mark>&lt;/b&gt; &amp; <mark>budżety</mark>"


@pytest.mark.parametrize("query", ["budżet", "budżetu", "budżetem", "budzet", "BUDŻETOWEGO"])
def test_finds_inflected_and_unaccented_forms(session, backend, query):
    make_material(session, translations={"pl": ("Poradnik", "Jak zaplanować budżet obywatelski w małej gminie.")})
    make_material(session, translations={"pl": ("Inny", "Dostępność lokali wyborczych.")})
    results = search_materials(query, "pl", NO_FILTERS, None)
    assert _titles(results) == ["Poradnik"]
    assert results.engine == {"sqlite": SQLITE_ENGINE, "postgresql": POSTGRESQL_ENGINE}[backend]
    assert "<mark>budżet</mark>" in str(results.page.items[0].snippet)


def test_every_term_must_match(session):
    make_material(session, translations={"pl": ("A", "Metoda równych udziałów w Wieliczce.")})
    make_material(session, translations={"pl": ("B", "Metoda zachłanna.")})
    assert _titles(search_materials("metody równych", "pl", NO_FILTERS, None)) == ["A"]


def test_officials_only_materials_are_invisible_to_residents_and_visitors(session):
    municipality = make_municipality(session)
    official = make_official(session, municipality, Role.OBSERVER)
    resident = make_user(session)
    make_material(session, visibility=Visibility.OFFICIALS, translations={"pl": ("Tajne", "Lista kontrolna oceny formalnej.")})
    assert _titles(search_materials("oceny", "pl", NO_FILTERS, None)) == []
    assert _titles(search_materials("oceny", "pl", NO_FILTERS, resident)) == []
    assert _titles(search_materials("oceny", "pl", NO_FILTERS, official)) == ["Tajne"]


def test_drafts_are_not_found(session):
    make_material(session, published=False, translations={"pl": ("Szkic", "Harmonogram edycji.")})
    assert _titles(search_materials("harmonogram", "pl", NO_FILTERS, None)) == []


def test_searches_the_reader_language_or_the_original_with_a_fallback_mark(session):
    make_material(session, translations={"pl": ("Harmonogram", "Terminy edycji."), "en": ("Timetable", "The edition's deadlines.")})
    make_material(session, translations={"pl": ("Tylko po polsku", "Terminy składania wniosków.")})
    results = search_materials("", "en", NO_FILTERS, None)
    assert sorted((hit.translation.title, hit.is_fallback) for hit in results.page.items) == [("Timetable", False), ("Tylko po polsku", True)]
    assert _titles(search_materials("deadlines", "en", NO_FILTERS, None)) == ["Timetable"]
    assert _titles(search_materials("terminy", "en", NO_FILTERS, None)) == ["Tylko po polsku"]


def test_filters_by_kind_topic_and_audience(session):
    make_material(session, kind=MaterialKind.TEMPLATE, topics=[Topic.CLIMATE_CHANGE], audiences=[Audience.RESIDENTS],
                  translations={"pl": ("Wzór", "Wzór uchwały.")})
    make_material(session, kind=MaterialKind.GUIDE, translations={"pl": ("Poradnik", "Wzór dobrej praktyki.")})
    assert _titles(search_materials("wzór", "pl", MaterialFilters(kind=MaterialKind.TEMPLATE), None)) == ["Wzór"]
    assert _titles(search_materials("wzór", "pl", MaterialFilters(topic=Topic.CLIMATE_CHANGE), None)) == ["Wzór"]
    assert _titles(search_materials("", "pl", MaterialFilters(audience=Audience.OFFICIALS), None)) == ["Poradnik"]


def test_search_page_says_which_engine_is_used(client, session, backend):
    make_material(session, translations={"pl": ("Poradnik", "Budżet obywatelski.")})
    session.commit()
    html = client.get("/hub/materials?q=budżetu", headers={"Accept-Language": "en"}).get_data(as_text=True)
    engine = {"sqlite": SQLITE_ENGINE, "postgresql": POSTGRESQL_ENGINE}[backend]
    assert f"Search engine: {engine}." in html
