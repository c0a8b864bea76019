"""Ballot secrecy: nothing joins a voter record to its ballot, and no identity is stored in clear."""
from __future__ import annotations

import json

from sqlalchemy import Date, DateTime, Integer, String, inspect, text

from pb_service.editions.models import Identification
from pb_service.extensions import db
from pb_service.voting.models import Ballot, VoterRecord
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition, pesel_of


def test_no_column_key_or_sequence_joins_voters_to_ballots(session):
    voter, ballot = VoterRecord.__table__, Ballot.__table__
    # No foreign key in either direction, and none to a shared table but the edition and municipality.
    for table in (voter, ballot):
        assert {fk.column.table.name for fk in table.foreign_keys} == {"edition", "municipality"}
    # Random text ids: no sequence or autoincrement that orders the two tables alike.
    for table in (voter, ballot):
        [primary_key] = table.primary_key.columns
        assert isinstance(primary_key.type, String) and primary_key.autoincrement is not True
        assert not isinstance(primary_key.type, Integer)
    # No time finer than a day on either.
    for table in (voter, ballot):
        assert [c.name for c in table.columns if isinstance(c.type, DateTime)] == []
        assert [c.name for c in table.columns if isinstance(c.type, Date)] == ["cast_on"]
    # The only columns with the same name are the tenant, the edition, the channel and the day.
    shared = {c.name for c in voter.columns} & {c.name for c in ballot.columns}
    assert shared == {"id", "municipality_id", "edition_id", "channel", "cast_on"}
    # The database has no sequence behind either id (PostgreSQL) and no column default in common.
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        defaults = session.execute(text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name IN ('voter_record', 'ballot') AND column_default LIKE 'nextval%'"
        )).all()
        assert defaults == []


def test_no_identity_is_stored_in_clear_anywhere(client, session):
    with_pesel = make_voting_edition(session, identification=Identification.PESEL)
    with_address = make_voting_edition(session, identification=Identification.PESEL_LAST4)
    names = {"first_name": "Bożydar", "last_name": "Wścibski-Tajny", "declaration": True}
    person = {**names, "pesel": pesel_of(7)}
    assert client.post(ballots_url(with_pesel), json=api_ballot(with_pesel, identity=person)).status_code == 201
    person = {**names, "pesel_last4": pesel_of(7)[-4:], "address": "ul. Tajemnicza 77/13"}
    assert client.post(ballots_url(with_address), json=api_ballot(with_address, identity=person)).status_code == 201
    secrets = [pesel_of(7), "Bożydar", "Bozydar", "bozydar", "Wścibski", "wscibski", "Tajemnicza", "tajemnicza"]
    found = []
    for table_name in inspect(session.get_bind()).get_table_names():
        rows = session.execute(text(f'SELECT * FROM "{table_name}"')).all()
        dump = json.dumps([[str(value) for value in row] for row in rows], ensure_ascii=False)
        found += [(table_name, secret) for secret in secrets if secret in dump]
    assert found == []


def test_ids_are_random_and_unrelated(client, session):
    ve = make_voting_edition(session)
    for n in range(1, 9):
        assert client.post(ballots_url(ve), json=api_ballot(ve, n)).status_code == 201
    ids = [row[0] for row in session.execute(text("SELECT id FROM ballot"))]
    voter_ids = [row[0] for row in session.execute(text("SELECT id FROM voter_record"))]
    assert len(set(ids)) == 8 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert len(set(voter_ids)) == 8 and not set(ids) & set(voter_ids)
