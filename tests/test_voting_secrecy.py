"""Ballot secrecy: nothing joins a voter record to its ballot, and no identity is stored in clear."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import re
from dataclasses import dataclass
from datetime import date

import pytest

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Date, DateTime, Integer, String, inspect, text

from pb_service.editions.models import Identification
from pb_service.voting.models import Ballot, VoterRecord
from pb_service.core.roles import Role
from pb_service.voting.sealing import IDENTITY_KEY_INFO, identity_key
from tests.factories import login, make_official
from tests.voting_factories import api_ballot, ballots_url, end_voting, identity, make_voting_edition, pesel_of

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases


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
    ve = make_voting_edition(session, mixing_batch_size=10)
    for n in range(1, 11):
        assert client.post(ballots_url(ve), json=api_ballot(ve, n)).status_code == 201
    ids = [row[0] for row in session.execute(text("SELECT id FROM ballot"))]
    voter_ids = [row[0] for row in session.execute(text("SELECT id FROM voter_record"))]
    assert len(set(ids)) == 10 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert len(set(voter_ids)) == 10 and not set(ids) & set(voter_ids)


# --- the database reader ------------------------------------------------------------------------
#
# Someone holds the whole database (an administrator, a backup, an injected query) but not the
# app's VOTER_SECRET. After a realistic vote they try every way to pair a voter with a ballot.

K = 10


def _combinations(items) -> list[tuple]:
    return [subset for size in (1, 2, 3) for subset in itertools.combinations(items, size)]


@dataclass
class Vote:
    """One voter of the test: who (PESEL), how, and a ballot no other voter of the test casts."""

    pesel: str
    channel: str
    district_index: int
    city: tuple
    district: tuple


def _votes(ve) -> list[Vote]:
    """14 online (API) voters of district 0, 6 online (HTML form) of district 1, 11 paper of
    district 0; every ballot different, so the test knows whose each is."""
    city = _combinations([p.id for p in ve.city_projects])
    local = [_combinations([p.id for p in ve.district_projects[pool.id]]) for pool in ve.districts]
    votes = [Vote(pesel_of(n), "api", 0, city[n - 1], local[0][0]) for n in range(1, 15)]
    votes += [Vote(pesel_of(20 + n), "form", 1, city[n], local[1][1]) for n in range(6)]
    votes += [Vote(pesel_of(40 + n), "paper", 0, city[n], local[0][1]) for n in range(11)]
    return votes


def _choices_key(choices: dict) -> frozenset:
    return frozenset((int(pool), int(project)) for pool, picks in choices.items() for project in picks)


def _cast(client, ve, clerk, votes: list[Vote]) -> None:
    slug, edition_id = ve.municipality.slug, ve.edition.id
    for number, vote in enumerate(votes):
        district = ve.districts[vote.district_index]
        if vote.channel == "api":
            body = api_ballot(ve, identity=identity(pesel=vote.pesel), districts={str(ve.district_level_id): str(district.id)},
                              choices={str(ve.city_pool.id): list(vote.city), str(district.id): list(vote.district)})
            assert client.post(ballots_url(ve), json=body).status_code == 201
            continue
        form = {
            f"district-{ve.district_level_id}": str(district.id), f"pool-{ve.city_pool.id}": [str(p) for p in vote.city],
            f"pool-{district.id}": [str(p) for p in vote.district], "identity-pesel": vote.pesel,
            "identity-first_name": "Anna", "identity-last_name": "Nowak", "identity-declaration": "y",
        }
        if vote.channel == "form":
            assert client.post(f"/{slug}/editions/{edition_id}/vote", data={**form, "action": "confirm"}).status_code == 200
        else:
            if number == 20:
                login(client, clerk)
            response = client.post(f"/{slug}/office/editions/{edition_id}/paper", data={**form, "sheet_number": f"S-{number}"})
            assert response.status_code == 302


def _by_chance(batches: int) -> int:
    """The fewest correct pairings that chance alone reaches with probability below one in a
    million: a random order of a batch puts ~Poisson(1) pairs right, ``batches`` such orders
    ~Poisson(batches)."""
    total, threshold, term = 0.0, 0, math.exp(-batches)
    while 1 - total >= 1e-6:
        total += term
        threshold += 1
        term *= batches / threshold
    return threshold


def _candidate_keys(session) -> set[bytes]:
    """Every value stored anywhere in the database, as bytes (and hex decoded where it is hex)."""
    keys: set[bytes] = set()
    for table in inspect(session.get_bind()).get_table_names():
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            for value in row:
                if value is None or isinstance(value, bool):
                    continue
                raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                keys.add(raw)
                try:
                    keys.add(bytes.fromhex(raw.decode()))
                except ValueError:
                    pass
    return keys


def test_the_database_reader_pairs_no_voter_with_a_ballot(client, session, backend):
    ve = make_voting_edition(session, mixing_batch_size=K)
    clerk = make_official(session, ve.municipality, Role.CLERK)
    session.commit()
    votes = _votes(ve)
    _cast(client, ve, clerk, votes)
    owner = {_choices_key({ve.city_pool.id: v.city, ve.districts[v.district_index].id: v.district}): v for v in votes}
    assert len(owner) == len(votes) == 31

    # During the vote: what was not yet mixed is sealed, every sealed row of one length.
    ordinal = "ctid" if backend == "postgresql" else "rowid"
    assert session.execute(text("SELECT count(*) FROM sealed_ballot")).scalar_one() == 4 + 6 + 1
    assert session.execute(text("SELECT count(DISTINCT length(sealed)) FROM sealed_ballot")).scalar_one() == 1
    tags = set(session.scalars(text("SELECT receipt_tag FROM sealed_ballot")))
    end_voting(session, ve.edition)
    assert client.get(f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/protocol").status_code == 200  # closes the box
    assert session.execute(text("SELECT count(*) FROM sealed_ballot")).scalar_one() == 0
    assert not tags & set(session.scalars(text("SELECT receipt_hash FROM ballot")))

    voters = session.execute(text(f"SELECT channel, district_pool_ids, cast_on FROM voter_record ORDER BY {ordinal}")).all()
    ballots = session.execute(text(f"SELECT channel, choices, cast_on FROM ballot ORDER BY {ordinal}")).all()
    assert len(voters) == len(ballots) == 31
    # Voter records are in the order people voted (the reader sees that too); the test knows who each is.
    truth_voters = [(vote.channel != "paper", vote) for vote in votes]
    assert [channel for channel, *_ in voters] == ["online" if online else "paper" for online, _ in truth_voters]

    # 1. Dates: every ballot carries the day it was mixed, the same for all; voter records their
    #    day of voting. No time finer than a day anywhere on either.
    assert {str(cast_on) for *_, cast_on in ballots} == {date.today().isoformat()}

    # 2. Row order: the reader pairs the i-th voter of each group (channel and district, which
    #    both sides show) with the i-th ballot of that group. Right no more often than chance.
    def group_of_ballot(channel, choices):
        choices = json.loads(choices) if isinstance(choices, str) else choices
        district = next(pool for pool in (str(p.id) for p in ve.districts) if pool in choices)
        return channel, district
    voter_groups: dict = {}
    for (channel, districts, _), (_, vote) in zip(voters, truth_voters):
        districts = json.loads(districts) if isinstance(districts, str) else districts
        voter_groups.setdefault((channel, str(districts[0])), []).append(vote)
    ballot_groups: dict = {}
    for channel, choices, _ in ballots:
        ballot_groups.setdefault(group_of_ballot(channel, choices), []).append(choices)
    assert voter_groups.keys() == ballot_groups.keys()
    right = 0
    for group, group_votes in voter_groups.items():
        for vote, choices in zip(group_votes, ballot_groups[group]):
            choices = json.loads(choices) if isinstance(choices, str) else choices
            right += owner[_choices_key(choices)] is vote
    # Mixing batches: online district 0 (10, then the close), paper (10, then the close), and the
    # close for online district 1: five (group, batch) pairs.
    assert right < _by_chance(5)

    if backend == "postgresql":
        # 3. Transaction ids: no ballot shares its xmin with a voter record, an audit event, a
        #    paper-entry tally or anything else written in a voter's transaction.
        ballot_xmins = set(session.scalars(text("SELECT xmin::text FROM ballot")))
        for table in ("voter_record", "audit_event", "paper_entry_tally", "one_time_code", "rejected_attempt"):
            assert not ballot_xmins & set(session.scalars(text(f"SELECT xmin::text FROM {table}"))), table
        # Each batch (one mixing transaction) holds at least k ballots.
        sizes = sorted(session.scalars(text("SELECT count(*) FROM ballot GROUP BY xmin::text")))
        assert sizes == [10, 10, 11]

    # 4. Audit events: none names a sheet that was entered.
    details = " ".join(str(row) for row in session.execute(text("SELECT action, details FROM audit_event")))
    assert not re.search(r"S-\d+", details)
    assert session.execute(text("SELECT sum(sheets) FROM paper_entry_tally")).scalar_one() == 11

    # 5. Keys: no value stored anywhere, used as the HMAC key (or as the secret the key derives
    #    from), turns a voter's PESEL into a stored identity hash. The app's real secret does.
    stored = set(session.scalars(text("SELECT identity_hash FROM voter_record")))
    salt = session.execute(text("SELECT voter_salt FROM edition WHERE id = :id"), {"id": ve.edition.id}).scalar_one()
    messages = [f"pesel\x1f{vote.pesel}".encode() for vote in votes]
    for key in _candidate_keys(session):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), info=IDENTITY_KEY_INFO).derive(key)
        for candidate in (key, derived):
            assert not {hmac.new(candidate, message, hashlib.sha256).hexdigest() for message in messages} & stored
    real_key = identity_key(ve.edition)
    assert {hmac.new(real_key, message, hashlib.sha256).hexdigest() for message in messages} == stored
