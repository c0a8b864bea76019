"""The voting protocol: per pool and channel, ballots cast, valid and invalid (by reason), and the
refused attempts by reason. Counts only: nothing about any person or any single ballot.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func

from pb_service.core.tenancy import edition_select
from pb_service.extensions import db
from pb_service.voting.mixing import close_ballot_box, voting_has_ended, waiting_ballots
from pb_service.voting.models import Ballot, Channel, RejectedAttempt, VoterRecord


@dataclass
class PoolCount:
    cast: int = 0
    valid: int = 0
    #: Invalid paper ballots by the reason the clerk recorded.
    invalid: Counter = field(default_factory=Counter)


@dataclass
class Protocol:
    #: (pool id, channel) → counts. A ballot counts in every pool it chose in.
    pools: dict[tuple[int, Channel], PoolCount]
    #: Ballots (one per voter) by channel, valid or not.
    ballots_by_channel: Counter
    #: Invalid ballots without any pool chosen (e.g. an empty or torn paper sheet), by reason.
    invalid_without_pool: Counter
    #: Voters by channel (equals the ballots once none waits: both are written together).
    voters_by_channel: Counter
    #: Refused attempts by (reason, channel).
    rejected: Counter
    #: Ballots cast but still sealed in the box, not yet mixed (none once voting has ended).
    waiting: int = 0

    def pool_rows(self, pool_id: int) -> list[tuple[Channel, PoolCount]]:
        return [(channel, self.pools[(pool_id, channel)]) for channel in Channel if (pool_id, channel) in self.pools]


def voting_protocol(tenant, edition) -> Protocol:
    """Count the edition's ballots; reads choices in bulk (one row per ballot, no ORM objects).

    Once voting has ended, the ballots still waiting in the box are mixed first, so every ballot
    is counted; during the vote, the waiting ones are reported as such.
    """
    close_ballot_box(tenant, edition)
    pools: dict[tuple[int, Channel], PoolCount] = defaultdict(PoolCount)
    by_channel: Counter = Counter()
    invalid_without_pool: Counter = Counter()
    statement = edition_select(Ballot, edition, columns=[Ballot.channel, Ballot.is_valid, Ballot.invalid_reason, Ballot.choices])
    for channel, is_valid, reason, choices in db.session.execute(statement):
        channel = Channel(channel)
        by_channel[channel] += 1
        if not is_valid and not choices:
            invalid_without_pool[reason] += 1
        for pool_id in choices or {}:
            count = pools[(int(pool_id), channel)]
            count.cast += 1
            if is_valid:
                count.valid += 1
            else:
                count.invalid[reason] += 1
    voters = edition_select(VoterRecord, edition, columns=[VoterRecord.channel, func.count()]).group_by(VoterRecord.channel)
    rejected = edition_select(RejectedAttempt, edition)
    return Protocol(
        pools=dict(pools),
        ballots_by_channel=by_channel,
        invalid_without_pool=invalid_without_pool,
        voters_by_channel=Counter({Channel(channel): count for channel, count in db.session.execute(voters)}),
        rejected=_sum_rejections(db.session.scalars(rejected)),
        waiting=0 if voting_has_ended(edition) else waiting_ballots(tenant, edition),
    )


def _sum_rejections(rows) -> Counter:
    totals: Counter = Counter()
    for row in rows:
        totals[(row.reason, row.channel)] += row.count
    return totals
