"""What the public's requests keep per process (municipality and edition rows, the ballot, the
ballot page's parts): the same page as a full rendering, and every change seen."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import event, update

from pb_service.core import cache
from pb_service.extensions import db
from pb_service.proposals.models import Proposal
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition

pytestmark = pytest.mark.both_databases


def vote_url(ve) -> str:
    return f"/{ve.municipality.slug}/editions/{ve.edition.id}/vote"


def ballot_of(client, ve, **query) -> str:
    response = client.get(vote_url(ve), query_string={f"district-{ve.district_level_id}": ve.districts[0].id, **query})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def main_part(page: str) -> str:
    """The page's <main>, tokens blanked and white space folded (the frame keeps the template's lines)."""
    main = page[page.index("<main"):page.index("</main>")]
    main = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', main)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", main))


def test_assembled_ballot_page_is_the_full_rendering(client, session):
    ve = make_voting_edition(session)
    first, second = ballot_of(client, ve), ballot_of(client, ve)  # the second is put together from kept parts
    seed = re.search(r'name="seed" value="([0-9a-f]+)"', second).group(1)
    assert seed != re.search(r'name="seed" value="([0-9a-f]+)"', first).group(1)  # each voter their own order
    # A seed in the address is not a plain visit: the whole template is rendered, with that order.
    rendered = ballot_of(client, ve, seed=seed)
    assert main_part(second) == main_part(rendered)
    assert second.count('class="choice"') == 4 + 3
    tokens = re.findall(r'name="csrf_token" value="([^"]+)"', second)
    assert len(tokens) == 1 and tokens[0]


def test_ballot_page_follows_changes_of_projects_edition_and_levels(client, session):
    ve = make_voting_edition(session)
    page = ballot_of(client, ve)
    assert ve.city_projects[0].title in page and "Wybierz najwyżej 3 projekty." in page

    ve.city_projects[0].title = "Ławki nad Motławą"
    ve.edition.name = "Budżet obywatelski 2027 (poprawiony)"
    ve.edition.levels[0].max_choices = 2
    session.commit()
    page = ballot_of(client, ve)
    assert "Ławki nad Motławą" in page
    assert "Budżet obywatelski 2027 (poprawiony)" in page
    assert "Wybierz najwyżej 2 projekty." in page

    session.delete(ve.city_projects[1])
    session.commit()
    page = ballot_of(client, ve)
    assert ve.city_projects[0].id and page.count('class="choice"') == 3 + 3


def test_another_workers_change_is_seen_when_the_parts_expire(client, session, monkeypatch):
    """A change made behind this process's back (another gunicorn worker) shows after the lifetime."""
    ve = make_voting_edition(session)
    project = ve.city_projects[0]
    old_title = project.title
    assert old_title in ballot_of(client, ve)
    # Written on the connection, as another process would: no flush here tells the caches.
    session.connection().execute(update(Proposal.__table__).where(Proposal.__table__.c.id == project.id).values(title="Nowy skwer"))
    assert old_title in ballot_of(client, ve)
    later = time.monotonic() + cache.ROW_LIFETIME_SECONDS * 2 + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    page = ballot_of(client, ve)
    assert "Nowy skwer" in page and old_title not in page


def test_a_signed_in_official_reads_the_database_not_the_cache(client, session):
    from tests.factories import login, make_official
    from pb_service.core.roles import Role

    ve = make_voting_edition(session)
    edition_url = f"/{ve.municipality.slug}/editions/{ve.edition.id}/"
    assert ve.edition.name in client.get(edition_url).get_data(as_text=True)
    session.connection().execute(update(type(ve.edition).__table__).where(type(ve.edition).__table__.c.id == ve.edition.id).values(name="Nazwa zmieniona gdzie indziej"))
    assert "Nazwa zmieniona gdzie indziej" not in client.get(edition_url).get_data(as_text=True)  # the public: up to 5 s old
    official = make_official(session, ve.municipality, Role.ADMIN)
    session.commit()
    login(client, official)
    assert "Nazwa zmieniona gdzie indziej" in client.get(edition_url).get_data(as_text=True)


def test_a_ballot_reads_no_row_again_and_writes_the_wall_once(client, session, backend):
    """Kept rows: a ballot's statements are its own (and the wall, written with the first of them);
    on PostgreSQL, one statement besides the wall."""
    ve = make_voting_edition(session)
    client.post(ballots_url(ve), json=api_ballot(ve, 1))  # the rows are now kept
    statements: list[str] = []

    def note(_connection, _cursor, sql, *_args):
        statements.append(sql)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.post(ballots_url(ve), json=api_ballot(ve, 2)).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # (At most: the test's connection keeps a wall already written by an earlier request.)
    assert len([sql for sql in statements if "set_config" in sql]) <= (1 if backend == "postgresql" else 0)
    writes = [sql for sql in statements if "INSERT INTO" in sql]
    if backend == "postgresql":
        # One statement writes both rows and counts the box (data-modifying CTEs).
        assert len(writes) == 1 and writes[0].startswith("WITH voter AS")
        assert "INSERT INTO voter_record" in writes[0] and "INSERT INTO sealed_ballot" in writes[0]
    else:
        assert [sql.split()[2] for sql in writes] == ["voter_record", "sealed_ballot"]
    assert not any(sql.lstrip().startswith("SELECT municipality") or "FROM edition" in sql for sql in statements)
