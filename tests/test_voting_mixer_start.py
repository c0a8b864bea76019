"""When a vote starts the mixer (``pb_service.voting.mixing``), and what a failed mix leaves."""
from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.exc import OperationalError

from pb_service.core.tenancy import cross_tenant_select
from pb_service.voting import mixing
from pb_service.voting.models import Ballot, SealedBallot
from tests.voting_factories import api_ballot, ballots_url, make_voting_edition

K = 10


def _stored(session) -> tuple[int, int]:
    """(ballots mixed, ballots waiting sealed)."""
    count = lambda model: session.scalar(cross_tenant_select(func.count(model.id), reason="test: the box"))
    return count(Ballot), count(SealedBallot)


def test_a_vote_starts_the_mixer_at_each_multiple_of_k_and_at_every_vote_past_2k():
    starts = [waiting for waiting in range(1, 3 * K + 1) if mixing._starts_a_mix(waiting, K)]
    assert starts == [10, *range(20, 31)]


def test_a_failed_mix_leaves_the_vote_counted_and_its_group_sealed(client, session, monkeypatch):
    """The vote is committed before the mixer starts: whatever the mixer meets (here the database
    gone), the voter gets the receipt and the ballots wait, sealed, for the next mixer or the close."""
    ve = make_voting_edition(session, mixing_batch_size=K)

    def database_gone(*args, **kwargs):
        raise OperationalError("DELETE FROM sealed_ballot …", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(mixing, "_mix", database_gone)
    for n in range(1, K + 1):
        assert client.post(ballots_url(ve), json=api_ballot(ve, n)).status_code == 201
    assert _stored(session) == (0, K)
    monkeypatch.undo()
    for n in range(K + 1, 2 * K + 1):
        assert client.post(ballots_url(ve), json=api_ballot(ve, n)).status_code == 201
    assert _stored(session) == (2 * K, 0)  # the 2k-th vote mixed the whole group
