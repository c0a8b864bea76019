"""Who voted and what was chosen, kept apart so that neither reveals the other.

:class:`VoterRecord` says who voted (a keyed hash of the identity, never the identity);
:class:`Ballot` says what was chosen. A vote writes the voter record and a :class:`SealedBallot`
(encrypted under a key outside the database) in one transaction; the mixer
(pb_service/voting/mixing.py) later moves sealed ballots into :class:`Ballot` in random order, at
least ``edition.mixing_batch_size`` of one district and channel at a time and all of them at the
close, in transactions of its own. So no column, key, sequence, timestamp, row order or transaction
id (``xmin``) links a voter record to its ballot: docs/voting.md, "Threat model".
"""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKeyConstraint, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb_service.core.enums import LabelledEnum
from pb_service.core.models import UTCDateTime, value_enum
from pb_service.core.tenancy import TenantOwned
from pb_service.extensions import db


def random_id() -> str:
    """128 random bits: unguessable, unordered, shared with no other table."""
    return secrets.token_hex(16)


def _edition_key() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["municipality_id", "edition_id"], ["edition.municipality_id", "edition.id"], ondelete="CASCADE")


class Channel(LabelledEnum):
    ONLINE = "online", _l("Online")
    PAPER = "paper", _l("Paper, at a polling point")


class RejectionReason(LabelledEnum):
    """Why an attempt to vote was refused; counted for the voting protocol, nothing else kept."""

    ALREADY_VOTED = "already_voted", _l("This identity had already voted")
    NOT_ELIGIBLE = "not_eligible", _l("Not in the register of eligible voters")
    INVALID_IDENTITY = "invalid_identity", _l("Identity data not valid")
    INVALID_CHOICES = "invalid_choices", _l("Choices not valid")
    WRONG_CODE = "wrong_code", _l("Wrong or expired one-time code")


class VoterRecord(TenantOwned, db.Model):
    """That someone voted in an edition, and the statistics the protocol and indicators need."""

    __tablename__ = "voter_record"
    __table_args__ = (
        # The database itself refuses a second vote, whatever number of app servers race.
        UniqueConstraint("edition_id", "identity_hash"),
        _edition_key(),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    edition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: HMAC-SHA-256 of the normalised identity under the edition's secret key; erased (empty) by
    #: ``flask pb purge`` once the protest window has closed and the result is published.
    identity_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[Channel] = mapped_column(value_enum(Channel, 10), nullable=False)
    #: Age band on the day of voting (from PESEL where given), e.g. "25-34".
    age_band: Mapped[str | None] = mapped_column(String(8))
    #: "F" or "M" from PESEL where given.
    sex: Mapped[str | None] = mapped_column(String(1))
    #: The district pools the voter chose, for turnout per district.
    district_pool_ids: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    #: The day only: a finer time could be matched with a ballot's.
    cast_on: Mapped[date] = mapped_column(Date, nullable=False)


class Ballot(TenantOwned, db.Model):
    """What one voter chose. Anonymous: nothing here or elsewhere leads to the voter record."""

    __tablename__ = "ballot"
    __table_args__ = (_edition_key(),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    #: {"<pool id>": {"<project id>": points}} (points are 1 for approval and knapsack ballots).
    choices: Mapped[dict] = mapped_column(JSON, nullable=False)
    #: SHA-256 (hex) of the receipt code given to the voter; published for checking.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    channel: Mapped[Channel] = mapped_column(value_enum(Channel, 10), nullable=False)
    #: Invalid paper ballots are counted (with the reason) but not tallied.
    is_valid: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    invalid_reason: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    #: The day the ballot entered the box with its mixing batch, never the day its voter voted.
    cast_on: Mapped[date] = mapped_column(Date, nullable=False)


class SealedBallot(TenantOwned, db.Model):
    """A cast ballot waiting to be mixed into :class:`Ballot`: written in the voter's transaction,
    so nothing readable without ``VOTER_SECRET`` is kept here but the group it is mixed in."""

    __tablename__ = "sealed_ballot"
    __table_args__ = (_edition_key(),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    #: The channel and district pools: ballots are mixed among others of the same group, as the
    #: voter record already says both (e.g. "online:12,15").
    mix_group: Mapped[str] = mapped_column(String(200), nullable=False)
    #: AES-256-GCM of the ballot (choices, validity, receipt hash), padded to whole kilobytes.
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    #: Keyed hash of the receipt code, so a voter can see their ballot is waiting in the box; it
    #: cannot be matched to the mixed ballot's receipt hash without the secret.
    receipt_tag: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)


class RejectedAttempt(TenantOwned, db.Model):
    """A count of refused attempts per edition, reason, channel and day (no personal data)."""

    __tablename__ = "rejected_attempt"
    __table_args__ = (UniqueConstraint("edition_id", "reason", "channel", "day"), _edition_key())

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[RejectionReason] = mapped_column(value_enum(RejectionReason, 20), nullable=False)
    channel: Mapped[Channel] = mapped_column(value_enum(Channel, 10), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class OneTimeCode(TenantOwned, db.Model):
    """A code sent by e-mail or text message before a ballot is accepted."""

    __tablename__ = "one_time_code"
    __table_args__ = (_edition_key(),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    #: Keyed hash of the identity the code was sent for: a code works only for that identity.
    identity_hash: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    #: Keyed hash of the phone number or e-mail address it went to.
    destination_hash: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    #: Keyed hash of the code itself.
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    used: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class RegisteredVoter(TenantOwned, db.Model):
    """An entry of the edition's optional register of eligible voters (its keyed hash only)."""

    __tablename__ = "registered_voter"
    __table_args__ = (UniqueConstraint("edition_id", "identity_hash"), _edition_key())

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    identity_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class PaperEntryStatus(str, enum.Enum):
    #: The first of two blind entries of a sheet, waiting for the second.
    WAITING = "waiting"
    #: The two entries differ; a supervisor decides.
    MISMATCH = "mismatch"
    #: Settled: the ballot is in the count (or the entry was discarded).
    SETTLED = "settled"


class PaperEntry(TenantOwned, db.Model):
    """One clerk's entry of a paper sheet, kept only while double entry is not settled: deleted
    when the sheet's ballot is recorded or a supervisor decides."""

    __tablename__ = "paper_entry"
    __table_args__ = (_edition_key(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    sheet_number: Mapped[str] = mapped_column(String(40), nullable=False)
    clerk_id: Mapped[int | None] = mapped_column(Integer)
    identity_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The validated ballot as the pipeline would store it (districts, choices, demographics),
    #: sealed like a waiting ballot: it sits beside the identity hash.
    entry: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    status: Mapped[PaperEntryStatus] = mapped_column(value_enum(PaperEntryStatus, 10), default=PaperEntryStatus.WAITING, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class PaperEntryTally(TenantOwned, db.Model):
    """How many paper sheets a clerk entered on a day: the audit trail of paper entry, without a
    per-sheet event that could be matched to a voter record or a ballot."""

    __tablename__ = "paper_entry_tally"
    __table_args__ = (UniqueConstraint("edition_id", "clerk_id", "day"), _edition_key())

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    clerk_id: Mapped[int] = mapped_column(Integer, nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    #: Entries made (first and second entries of double entry each count).
    sheets: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
