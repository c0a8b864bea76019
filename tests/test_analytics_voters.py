"""Analytics: a person who voted in several pools of an edition is one voter, across its Pabulib files.

Real files: Gdańsk 2020's city-wide file and two of its district files (Oliwa, Piecki-Migowo) share
one numbering of voters (a voter's id, age and sex are the same in each file she appears in).
"""
from __future__ import annotations

import re

import gzip
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func

from pb_service.analytics.importer import import_pabulib
from pb_service.analytics.indicators import SMALL_COUNT
from pb_service.analytics.models import VOTERS_IDS_PER_FILE, EditionIndicators
from pb_service.analytics.voter_ids import judge_voter_ids
from pb_service.core.tenancy import tenant_select
from pb_service.rules import parse_pabulib, write_pabulib
from pb_service.voting.canonical_identity import age_band
from pb_service.voting.models import Ballot, VoterRecord
from tests.factories import login, make_official

DATA = Path(__file__).parent / "data"
GDANSK_2020 = [DATA / "Poland_Gdansk_2020.pb.gz", DATA / "Poland_Gdansk_2020_Oliwa.pb", DATA / "Poland_Gdansk_2020_Piecki_Migowo.pb.gz"]


def _read(path: Path):
    data = path.read_bytes()
    return parse_pabulib(gzip.decompress(data) if path.suffix == ".gz" else data, source=path.name)


def _indicators(session, edition) -> EditionIndicators:
    return session.scalar(tenant_select(EditionIndicators, edition.municipality, EditionIndicators.edition_id == edition.id))


def _count(session, model, edition) -> int:
    return session.scalar(tenant_select(model, edition.municipality).with_only_columns(func.count()).where(model.edition_id == edition.id))


def test_a_voter_in_the_city_wide_and_a_district_file_is_one_voter(session, client):
    instances = [_read(path) for path in GDANSK_2020]
    # What the files themselves say: distinct voter ids, and each person's age and sex once.
    people: dict[str, dict] = {}
    for instance in instances:
        for ballot in instance.ballots:
            people.setdefault(ballot.voter_id, ballot.fields)
    assert len(people) == 30_334
    assert sum(len(instance.ballots) for instance in instances) == 34_244

    reports = import_pabulib(GDANSK_2020)
    assert [report.status for report in reports] == ["imported"] * 3, [report.message for report in reports]
    assert reports[0].voter_ids.shared is True
    edition = reports[0].record.edition
    assert {report.record.edition_id for report in reports} == {edition.id}

    # One voter record and one ballot per person; her ballot holds her choices in every pool.
    assert _count(session, VoterRecord, edition) == _count(session, Ballot, edition) == 30_334
    indicators = _indicators(session, edition)
    assert indicators.voters == 30_334
    assert indicators.voters_unknown == ""
    assert indicators.turnout == 30_334 / edition.municipality.population

    # Demographics follow the person once.
    sexes = Counter(fields.get("sex") if fields.get("sex") in ("F", "M") else "unknown" for fields in people.values())
    ages = Counter(age_band(int(fields["age"])) if fields.get("age", "").isdigit() else "unknown" for fields in people.values())
    assert indicators.voters_by_sex == {key: (value if value >= SMALL_COUNT else None) for key, value in sorted(sexes.items())}
    assert {key: value for key, value in indicators.voters_by_age.items() if value is not None} == {
        key: value for key, value in ages.items() if value >= SMALL_COUNT
    }

    # Each pool still counts the ballots of its own file.
    counted = {pool["budget"]: pool for pool in indicators.funded_by_pool.values()}
    assert len(counted) == 3
    answer = client.get(f"/api/v1/stats/municipalities/{edition.municipality.slug}").get_json()
    [row] = [row for row in answer["editions"] if row["edition_id"] == edition.id]
    assert row["voters"] == 30_334 and row["voters_known"] is True and row["voters_note"] == ""


def _numbered_per_file(path: Path, tmp_path: Path) -> Path:
    """The same real file with its voters numbered from 1, as some cities publish them."""
    instance = _read(path)
    instance.ballots = [replace(ballot, voter_id=str(number)) for number, ballot in enumerate(instance.ballots, start=1)]
    target = tmp_path / path.name.removesuffix(".gz")
    write_pabulib(instance, target)
    return target


def test_an_edition_whose_files_number_voters_each_on_their_own_says_its_voters_are_not_knowable(session, client, tmp_path):
    files = [_numbered_per_file(DATA / "Poland_Gdansk_2020_Oliwa.pb", tmp_path), _numbered_per_file(DATA / "Poland_Gdansk_2020_Piecki_Migowo.pb.gz", tmp_path)]
    verdict = judge_voter_ids([_read(path) for path in files])
    assert verdict.shared is False and "different age or sex" in verdict.reason

    reports = import_pabulib(files)
    assert [report.status for report in reports] == ["imported", "imported"]
    edition = reports[0].record.edition
    indicators = _indicators(session, edition)
    # Never the files' voters added up (873 + 3,134): no count of people at all.
    assert indicators.voters_unknown == VOTERS_IDS_PER_FILE
    assert (indicators.voters, indicators.turnout, indicators.voters_by_age, indicators.voters_by_sex) == (None, None, {}, {})

    slug = edition.municipality.slug
    [row] = client.get(f"/api/v1/stats/municipalities/{slug}", headers={"Accept-Language": "en"}).get_json()["editions"]
    assert (row["voters"], row["turnout"], row["voters_known"]) == (None, None, False)
    assert row["voters_note"].startswith("Voters not knowable: this edition's Pabulib files number their voters each on their own")
    [polish] = client.get(f"/api/v1/stats/municipalities/{slug}", headers={"Accept-Language": "pl"}).get_json()["editions"]
    assert polish["voters_note"].startswith("Liczba głosujących nie do ustalenia")

    page = client.get(f"/open-data/municipalities/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "not knowable" in page and "number their voters each on their own" in page
    listing = client.get("/open-data/?format=csv", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "number their voters each on their own" in listing
    # The edition's results page gives each pool's voters, and no total of people.
    results = client.get(f"/{slug}/editions/{edition.id}/results/").get_data(as_text=True)
    assert "nie do ustalenia" in results and "numerują głosujących każdy osobno" in results
    # The total as a number in any style ("4007", "4,007", "4 007" with any space), not as part of
    # a digest's hex digits, which may hold these digits by chance.
    assert re.search(r"(?<!\w)4[\s\u00a0\u202f,.]?007(?!\w)", results) is None
    # Nor does the officials' own protocol: it says why, as the results page does.
    login(client, make_official(session, edition.municipality))
    protocol = client.get(f"/{slug}/office/editions/{edition.id}/protocol").get_data(as_text=True)
    assert "nie do ustalenia" in protocol and "numerują głosujących każdy osobno" in protocol
    assert re.search(r"(?<!\w)4[\s\u00a0\u202f,.]?007(?!\w)", protocol) is None


@pytest.mark.parametrize("renumber", [False, True])
def test_districts_that_share_no_voter_are_added_and_a_restarted_numbering_is_caught(tmp_path, renumber):
    paths = [DATA / "Poland_Katowice_2024_Zarzecze.pb", DATA / "Poland_Katowice_2024_Welnowiec_-_Jozefowiec.pb"]
    instances = [_read(path) for path in paths]
    if renumber:
        for instance in instances:
            instance.ballots = [replace(ballot, voter_id=str(n), fields={}) for n, ballot in enumerate(instance.ballots, start=1)]
    verdict = judge_voter_ids(instances)
    assert verdict.shared is not renumber


def _district_files(count: int, tenant_slug: str):
    """An edition of district pools only, one file per district (what the coverage reads)."""
    from types import SimpleNamespace

    from pb_service.editions.models import LevelKind

    edition = SimpleNamespace(pools=[SimpleNamespace(kind=LevelKind.DISTRICT) for _ in range(2 * count)])
    # A "small" and a "large" file in each district, as Gdynia publishes them.
    imports = [SimpleNamespace(district=f"Dzielnica {number // 2}") for number in range(2 * count)]
    return SimpleNamespace(slug=tenant_slug), edition, imports


def test_coverage_is_judged_by_the_districts_an_edition_has():
    from pb_service.analytics.indicators import partial_coverage

    # Gdynia 2023: no city-wide pool, a file for each of its 21 districts: complete.
    assert partial_coverage(*_district_files(21, "gdynia")) is False
    assert partial_coverage(*_district_files(20, "gdynia")) is True
    # A municipality whose districts we do not know: district files alone may miss some.
    assert partial_coverage(*_district_files(21, "katowice")) is True


def test_files_imported_again_replace_their_edition_and_must_come_together(session):
    files = [DATA / "Poland_Katowice_2024_Zarzecze.pb", DATA / "Poland_Katowice_2024_Welnowiec_-_Jozefowiec.pb"]
    first = import_pabulib(files)
    old = first[0].record.edition
    municipality, old_id = old.municipality, old.id

    [alone] = import_pabulib(files[:1], again=True)
    assert alone.status == "failed"
    assert alone.message == f"edition {old_id} was imported from 2 files; give all of them to import it again"

    again = import_pabulib(files, again=True)
    assert [report.status for report in again] == ["imported", "imported"]
    new = again[0].record.edition
    from pb_service.analytics.models import PabulibImport
    from pb_service.editions.models import Edition

    # The old edition is gone with its rows: one edition, two files, its ballots once.
    assert [e.id for e in session.scalars(tenant_select(Edition, municipality))] == [new.id]
    assert len(list(session.scalars(tenant_select(PabulibImport, municipality)))) == 2
    assert _count(session, Ballot, new) == 504 + 1685
    assert _indicators(session, new).voters == 504 + 1685


def test_recompute_prints_a_line_per_edition(app, session):
    [report] = import_pabulib([DATA / "Poland_Lodz_2024_Nad_Nerem.pb"])
    edition = report.record.edition
    result = app.test_cli_runner().invoke(args=["pb", "analytics", "recompute", "--edition", str(edition.id)])
    assert result.exit_code == 0, result.output
    assert result.output == f"[1/1] {edition.municipality.name}, {edition.name}: 298 voters\nIndicators computed for 1 edition(s).\n"
