"""One mixer per group and process (``pb_service.voting.mixing.mix_group_now``): a ballot whose group
this process is mixing leaves it to that mixer, which counts the group again once it lets go."""
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


def test_a_ballot_leaves_its_group_to_the_mixer_at_work_in_its_process(client, session):
    ve = make_voting_edition(session, mixing_batch_size=K)
    district = ve.districts[0]
    group = mixing.mix_group(mixing.Channel.ONLINE, {district.level_id: district.id})  # api_ballot's group
    key = (ve.edition.id, group)
    assert mixing._take(key)  # another thread of this process is mixing the group
    try:
        for n in range(1, K + 1):
            assert client.post(ballots_url(ve), json=api_ballot(ve, n)).status_code == 201
        assert _stored(session) == (0, K)  # the k-th ballot tried no mix of its own
    finally:
        mixing._let_go(key)
    assert client.post(ballots_url(ve), json=api_ballot(ve, K + 1)).status_code == 201
    assert _stored(session) == (K + 1, 0)


def test_the_mixer_counts_again_after_it_lets_go(client, session, monkeypatch):
    """k voters commit while the mixer works on the first k: each finds the group taken, and the
    mixer, counting again once it has let go, mixes them too; nobody waits for a later vote."""
    ve = make_voting_edition(session, mixing_batch_size=K)
    mix = mixing._mix
    meanwhile = []

    def mix_while_others_vote(*args, **kwargs):
        mixed = mix(*args, **kwargs)
        if not meanwhile:
            meanwhile.extend(client.post(ballots_url(ve), json=api_ballot(ve, n)).status_code for n in range(K + 1, 2 * K + 1))
        return mixed

    monkeypatch.setattr(mixing, "_mix", mix_while_others_vote)
    for n in range(1, K + 1):
        assert client.post(ballots_url(ve), json=api_ballot(ve, n)).status_code == 201
    assert meanwhile == [201] * K
    assert _stored(session) == (2 * K, 0)


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
    assert client.post(ballots_url(ve), json=api_ballot(ve, K + 1)).status_code == 201
    assert _stored(session) == (K + 1, 0)
