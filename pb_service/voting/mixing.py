"""The mixer: sealed ballots enter the ballot table in random order, many at a time.

A vote's own transaction writes the voter record and a :class:`SealedBallot`, so whoever reads the
database (``xmin``, row order, a backup) can pair the two, but the sealed row shows nothing. The
mixer moves sealed ballots into :class:`Ballot` in a transaction of its own: at least
``edition.mixing_batch_size`` ballots of one group (channel and district pools, which the voter
record shows anyway) at a time, shuffled, with the mixing day as their date; at the close of
voting, every ballot still waiting, whatever its group, in one batch. A ballot is then one of at
least k that entered the table together, and nothing in the table orders them by their voters.

Claiming is one atomic statement (``DELETE … RETURNING``, rows locked by another mixer skipped), so
two app servers never mix one ballot twice, and a mixer killed midway rolls back with nothing lost.
"""
from __future__ import annotations

import logging
import secrets
from datetime import date
from functools import cache

from sqlalchemy import bindparam, delete, exists, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from pb_service.core.tenancy import edition_select, of_edition, scoped_to, tenant_connection
from pb_service.editions.models import Edition, Phase
from pb_service.extensions import db
from pb_service.voting.models import Ballot, Channel, SealedBallot, VoterRecord, random_id
from pb_service.voting.sealing import SealBroken, receipt_tag, seal, unseal

log = logging.getLogger(__name__)
#: Purpose label bound into every sealed ballot (a sealed paper entry does not open as a ballot).
SEALED_BALLOT = "ballot"
_shuffle = secrets.SystemRandom().shuffle


def mix_group(channel: Channel, districts: dict) -> str:
    return f"{channel.value}:{','.join(str(pool_id) for pool_id in sorted(districts.values()))}"


_SEALED = SealedBallot.__table__
_VOTERS = VoterRecord.__table__
_BALLOTS = Ballot.__table__


def _row_values(table, prefix: str) -> dict:
    """Every column of ``table`` as a bind parameter named ``prefix`` + its name."""
    return {column.name: bindparam(prefix + column.name, type_=column.type) for column in table.columns}


#: The hot path's statements, built once (Core: no ORM work per vote; see ``tenant_connection``).
_RECORD_VOTER = insert(_VOTERS).values(_row_values(_VOTERS, "voter_"))
_PUT_IN_BOX = insert(_SEALED).values(_row_values(_SEALED, "sealed_"))
_WAITING_IN_GROUP = select(func.count()).select_from(_SEALED).where(
    _SEALED.c.municipality_id == bindparam("sealed_municipality_id"), _SEALED.c.edition_id == bindparam("sealed_edition_id"),
    _SEALED.c.mix_group == bindparam("sealed_mix_group"),
)
# PostgreSQL: the three as one statement (one round trip, one parse). Its SELECT sees the box as it
# was before the statement, so the ballot it puts in is added to the count.
_boxed = _PUT_IN_BOX.returning(_SEALED.c.id).cte("boxed")
_VOTE_IN_ONE_STATEMENT = select(
    _WAITING_IN_GROUP.scalar_subquery() + select(func.count()).select_from(_boxed).scalar_subquery()
).add_cte(_RECORD_VOTER.returning(_VOTERS.c.id).cte("voter"), _boxed)


def put_in_box(tenant, edition: Edition, voter_record: dict, channel: Channel, districts: dict, ballot: dict,
               normalised_receipt: str) -> tuple[str, bool]:
    """Write the voter record and the sealed ballot in the voter's transaction (not committed
    here). Returns the ballot's group, and whether the group now has enough ballots to mix (read
    in the same transaction, so the vote costs no transaction of its own for the question).

    On PostgreSQL one statement does the three; the database's one-vote constraint on the voter
    record refuses it whole (``IntegrityError``)."""
    group = mix_group(channel, districts)
    values = {f"voter_{name}": value for name, value in voter_record.items()}
    values.update(
        sealed_id=random_id(), sealed_municipality_id=tenant.id, sealed_edition_id=edition.id, sealed_mix_group=group,
        sealed_sealed=seal(edition, SEALED_BALLOT, ballot), sealed_receipt_tag=receipt_tag(edition, normalised_receipt),
    )
    connection = tenant_connection(db.session, tenant)
    if connection.dialect.name == "postgresql":
        waiting = connection.scalar(_VOTE_IN_ONE_STATEMENT, values)
    else:
        connection.execute(_RECORD_VOTER, values)
        connection.execute(_PUT_IN_BOX, values)
        waiting = connection.scalar(_WAITING_IN_GROUP, values)
    return group, _starts_a_mix(waiting, edition.mixing_batch_size)


def _starts_a_mix(waiting: int, k: int) -> bool:
    """Whether the ballot that made ``waiting`` ballots of its group wait starts the mixer: at each
    multiple of k, and at every ballot once 2k wait. While one mixer holds a group's rows, each
    ballot committed meanwhile still counts them; when every one of them past k tried too, most
    mixer runs under load claimed nothing (997 of 1,346) and rolled back. A multiple missed by
    two racing ballots (each counts the committed rows and its own) leaves at most 2k waiting."""
    return waiting >= k and (waiting % k == 0 or waiting >= 2 * k)


def mix_group_now(tenant, edition: Edition, group: str) -> int:
    """After a vote was committed, when its group has k ballots waiting: mix them. A failure is
    logged, not raised: the vote is recorded and its receipt must reach the voter; the ballots
    wait, sealed, for the next mixer or the close."""
    try:
        mixed = _mix(tenant, edition, group, at_least=edition.mixing_batch_size)
        # The ballot box's own transaction, after the vote's: the voter's request has nothing else.
        db.session.commit()
        return mixed
    except SealBroken:
        db.session.rollback()
        log.exception("sealed ballots of edition %s do not open: is VOTER_SECRET the one voting started with?", edition.id)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("mixing group %s of edition %s failed; its ballots wait sealed", group, edition.id)
    return 0


def voting_has_ended(edition: Edition) -> bool:
    return edition.phase in (Phase.RESULTS, Phase.IMPLEMENTATION, Phase.CLOSED)


def close_ballot_box(tenant, edition: Edition) -> int:
    """Once voting has ended, mix every ballot still waiting into one batch; before anything
    counts, lists or purges the edition's ballots. Does nothing while voting is open."""
    if not voting_has_ended(edition) or not waiting_ballots(tenant, edition):
        return 0
    # Waits for a mixer already at work instead of skipping its rows: whoever asked (a count, a
    # protocol) then reads every ballot, not the ones the other mixer has not committed yet.
    return _mix(tenant, edition, None, at_least=1, wait_for_others=True)


def waiting_ballots(tenant, edition: Edition, group: str | None = None) -> int:
    """Ballots cast but not yet mixed into the ballot table (of one mix group, if given)."""
    in_group = () if group is None else (SealedBallot.mix_group == group,)
    return db.session.scalar(edition_select(SealedBallot, edition, *in_group, columns=[func.count()]))


def is_waiting(tenant, edition: Edition, normalised_receipt: str) -> bool:
    """Whether the ballot with this receipt is in the box, not yet mixed."""
    return db.session.scalar(scoped_to(select(exists().where(
        *of_edition(SealedBallot, edition), SealedBallot.receipt_tag == receipt_tag(edition, normalised_receipt)
    )), tenant))


@cache
def _claim(in_group: bool, wait_for_others: bool):
    """``DELETE … RETURNING`` of an edition's waiting sealed ballots (of one group), rows that
    another mixer holds skipped or waited for; built once per kind (Core: no ORM work per batch)."""
    waiting = select(_SEALED.c.id).where(
        _SEALED.c.municipality_id == bindparam("municipality_id"), _SEALED.c.edition_id == bindparam("edition_id"),
        *((_SEALED.c.mix_group == bindparam("mix_group"),) if in_group else ()),
    ).with_for_update(skip_locked=not wait_for_others)
    return delete(_SEALED).where(_SEALED.c.id.in_(waiting)).returning(_SEALED.c.sealed)


#: A batch's rows go by ``executemany`` (psycopg pipelines them: one round trip). Not as one
#: multi-row INSERT: its text differs with the batch's size and is too long for psycopg's cache
#: of parsed queries, and parsing it costs more than the pipeline.
_ENTER_BALLOTS = insert(_BALLOTS)


def _mix(tenant, edition: Edition, group: str | None, *, at_least: int, wait_for_others: bool = False) -> int:
    """Claim the waiting ballots (of ``group``, or all), shuffle them, write them as ballots; in a
    savepoint of the caller's transaction, so that claiming too few undoes the claim and nothing else."""
    with db.session.begin_nested() as claim:
        connection = tenant_connection(db.session, tenant)
        claimed = connection.scalars(_claim(group is not None, wait_for_others),
                                     {"municipality_id": tenant.id, "edition_id": edition.id, "mix_group": group}).all()
        if len(claimed) < at_least:  # another server took some of them first
            claim.rollback()
            return 0
        ballots = [unseal(edition, SEALED_BALLOT, sealed) for sealed in claimed]
        _shuffle(ballots)
        today = date.today()
        connection.execute(_ENTER_BALLOTS, [
            {**ballot, "id": random_id(), "municipality_id": tenant.id, "edition_id": edition.id, "cast_on": today}
            for ballot in ballots
        ])
    return len(ballots)
