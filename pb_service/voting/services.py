"""The ballot pipeline: one function casts every ballot, online (HTML or API) or on paper.

Order of checks: phase, identity, register, one-time code, choices. A refused attempt is
counted by reason (nothing else is kept) and reported to the caller with what to fix. An
accepted ballot writes the voter record and the sealed ballot in one transaction; the database's
unique constraint on (edition, identity hash) decides races between app servers. The mixer
(:mod:`pb_service.voting.mixing`) later moves sealed ballots into the ballot table, in batches.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from pb_service.accounts.models import User
from pb_service.core.audit import record_audit
from pb_service.core.database import add_to_count, commit_keeping_loaded
from pb_service.core import metrics
from pb_service.core.mail import send_mail
from pb_service.core.models import utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.tenancy import edition_select, scoped_to
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition, Phase, Verification
from pb_service.extensions import db
from pb_service.voting.ballot import ballot_spec, check_choices
from pb_service.voting.identification import Identity, identify, normalise_destination
from pb_service.voting.canonical_identity import canonical, canonical_digits
from pb_service.voting.mixing import is_waiting, mix_group_now, put_in_box
from pb_service.voting.models import (
    Ballot,
    Channel,
    OneTimeCode,
    PaperEntry,
    PaperEntryStatus,
    PaperEntryTally,
    RegisteredVoter,
    RejectedAttempt,
    RejectionReason,
    VoterRecord,
    random_id,
)
from pb_service.voting.permissions import ENTER_PAPER_BALLOTS, MANAGE_VOTING
from pb_service.voting.sealing import keyed_hash, seal, unseal
from pb_service.voting.sms import send_sms

CODE_LIFETIME = timedelta(minutes=10)
CODE_ATTEMPTS = 5
#: Receipt codes: 16 characters of an alphabet without look-alikes (0/O, 1/I/L).
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class VotingClosed(Exception):
    """The edition is not in its voting phase (or the channel is switched off)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BallotRefused(Exception):
    """The ballot or identity is not valid; ``errors`` names the fields and levels to fix."""

    def __init__(self, reason: RejectionReason, errors: dict[str, list[str]]):
        super().__init__(reason.value)
        self.reason = reason
        self.errors = errors


class AlreadyVoted(BallotRefused):
    def __init__(self):
        super().__init__(RejectionReason.ALREADY_VOTED, {"": [str(ALREADY_VOTED_MESSAGE)]})


ALREADY_VOTED_MESSAGE = _l(
    "A ballot has already been cast with this identity in this edition. Each person votes once; "
    "if you did not vote, contact the municipality."
)


@dataclass
class BallotSubmission:
    """What a voter (or a clerk for them) submits."""

    identity: dict
    #: {level id: pool id} for district levels.
    districts: dict
    #: {pool id: [project ids] or {project id: points}}.
    choices: dict
    #: The one-time code, when the edition sends one.
    code: str = ""
    #: Where to mail the receipt (optional).
    receipt_email: str = ""
    #: The language the voter uses, for the receipt mail.
    locale: str = ""


@dataclass
class Receipt:
    code: str


def receipt_hash(code: str) -> str:
    """SHA-256 (hex) of a receipt code as printed (spaces, dashes and case do not matter)."""
    return hashlib.sha256(normalise_receipt(code).encode()).hexdigest()


def normalise_receipt(code: str) -> str:
    return "".join(c for c in canonical(code).upper() if c.isascii() and c.isalnum())


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def ensure_voting_open(edition: Edition, channel: Channel, api: bool = False) -> None:
    if edition.phase is not Phase.VOTING:
        raise VotingClosed(str(_l("Voting in this edition is not open now. The edition is in the phase: %(phase)s.", phase=edition.phase.label)))
    if api and not edition.api_ballots_enabled:
        raise VotingClosed(str(_l("This edition does not accept ballots through the API.")))


def count_rejection(tenant, edition: Edition, reason: RejectionReason, channel: Channel) -> None:
    """Add one to the day's count for this reason, in a transaction of its own."""
    add_to_count(
        db.session, RejectedAttempt,
        dict(municipality_id=tenant.id, edition_id=edition.id, reason=reason, channel=channel, day=date.today()),
        unique=("edition_id", "reason", "channel", "day"), counter="count",
    )
    db.session.commit()
    metrics.BALLOTS.labels("refused", reason.value, channel.value).inc()


def _refuse(tenant, edition: Edition, channel: Channel, reason: RejectionReason, errors) -> BallotRefused:
    db.session.rollback()
    count_rejection(tenant, edition, reason, channel)
    return BallotRefused(reason, errors)


def _use_code(edition: Edition, tenant, identity_hash: str, submission: BallotSubmission) -> bool:
    """Whether the code is right for this identity and destination; if so it is used up.

    Each guess and the use are single atomic statements, so parallel guesses cannot get more than
    ``CODE_ATTEMPTS`` tries, nor can two ballots use one code.
    """
    destination = normalise_destination(edition, submission.identity.get("email") or submission.identity.get("phone") or "")
    statement = edition_select(
        OneTimeCode, edition, OneTimeCode.identity_hash == identity_hash,
        OneTimeCode.destination_hash == keyed_hash(edition, destination), OneTimeCode.used.is_(False),
        OneTimeCode.expires_at >= utcnow(),
    ).order_by(OneTimeCode.expires_at.desc()).limit(1)
    code = db.session.scalar(statement)
    if code is None:
        return False
    this_code = (OneTimeCode.municipality_id == tenant.id, OneTimeCode.id == code.id, OneTimeCode.used.is_(False))
    guessed = db.session.execute(scoped_to(
        update(OneTimeCode).where(*this_code, OneTimeCode.attempts < CODE_ATTEMPTS)
        .values(attempts=OneTimeCode.attempts + 1).execution_options(synchronize_session=False), tenant
    )).rowcount
    if not guessed or not hmac.compare_digest(code.code_hash, keyed_hash(edition, canonical_digits(submission.code))):
        db.session.commit()  # the failed attempt counts
        return False
    return bool(db.session.execute(scoped_to(
        update(OneTimeCode).where(*this_code).values(used=True).execution_options(synchronize_session=False), tenant
    )).rowcount)


def cast_ballot(tenant, edition: Edition, submission: BallotSubmission, channel: Channel = Channel.ONLINE, *, api: bool = False) -> Receipt:
    """Check and record one ballot; raise :class:`VotingClosed`, :class:`BallotRefused` or :class:`AlreadyVoted`."""
    ensure_voting_open(edition, channel, api)
    today = date.today()
    identity, identity_errors = identify(edition, submission.identity if isinstance(submission.identity, dict) else {}, today)
    if identity is None:
        raise _refuse(tenant, edition, channel, RejectionReason.INVALID_IDENTITY, identity_errors)
    if edition.voter_register_required and not _registered(tenant, edition, identity.hash):
        raise _refuse(tenant, edition, channel, RejectionReason.NOT_ELIGIBLE, {"": [str(NOT_ELIGIBLE_MESSAGE)]})
    checked = check_choices(ballot_spec(tenant, edition), submission.districts, submission.choices)
    if checked.errors:
        raise _refuse(tenant, edition, channel, RejectionReason.INVALID_CHOICES, checked.errors)
    if edition.verification is not Verification.NONE and channel is Channel.ONLINE:
        if not _use_code(edition, tenant, identity.hash, submission):
            raise _refuse(tenant, edition, channel, RejectionReason.WRONG_CODE, {"code": [str(WRONG_CODE_MESSAGE)]})
    receipt = _record(tenant, edition, identity, checked.districts, checked.choices, channel, today)
    email = (submission.receipt_email or submission.identity.get("email") or "").strip() if isinstance(submission.identity, dict) else ""
    if email and EMAIL_PATTERN.match(email):
        send_mail(email, "ballot_receipt", submission.locale or None, edition=edition, municipality=tenant, receipt=receipt.code)
    return receipt


NOT_ELIGIBLE_MESSAGE = _l("We could not find you in this edition's register of eligible voters. Contact the municipality.")
WRONG_CODE_MESSAGE = _l("The one-time code is wrong or has expired. Ask for a new code.")


def _registered(tenant, edition: Edition, identity_hash: str) -> bool:
    statement = edition_select(
        RegisteredVoter, edition, RegisteredVoter.identity_hash == identity_hash
    )
    return db.session.scalar(statement) is not None


def _record(tenant, edition: Edition, identity, districts, choices, channel: Channel, today: date,
            *, valid: bool = True, invalid_reason: str = "", counted_for=None) -> Receipt:
    """Write the voter record and the sealed ballot in one transaction, then let the mixer move
    the ballot on when its group is large enough. The database refuses a second vote.

    Plain statements built once, no unit of work (``put_in_box``): this is the hot path under load.
    ``counted_for`` is the clerk whose paper-entry tally counts the sheet, in the same transaction.
    """
    receipt = Receipt(new_receipt_code())
    try:
        voter_record = {
            "id": random_id(), "municipality_id": tenant.id, "edition_id": edition.id, "identity_hash": identity.hash,
            "channel": channel, "age_band": identity.age_band, "sex": identity.sex,
            "district_pool_ids": sorted(districts.values()), "cast_on": today,
        }
        ballot = {
            "channel": channel.value, "is_valid": valid, "invalid_reason": invalid_reason, "receipt_hash": receipt_hash(receipt.code),
            "choices": {str(pool): {str(project): points for project, points in picks.items()} for pool, picks in choices.items()},
        }
        group, ready_to_mix = put_in_box(tenant, edition, voter_record, channel, districts, ballot, normalise_receipt(receipt.code))
        if counted_for is not None:
            _count_sheet(tenant, edition, counted_for, today)
        # The ballot's own transaction ends here, before anyone is told it counts. It changed no
        # loaded object, so they stay loaded for the receipt page (no statements to read them again).
        commit_keeping_loaded(db.session)
    except IntegrityError:
        db.session.rollback()
        count_rejection(tenant, edition, RejectionReason.ALREADY_VOTED, channel)
        raise AlreadyVoted() from None
    metrics.BALLOTS.labels("accepted", "", channel.value).inc()
    if ready_to_mix:
        mix_group_now(tenant, edition, group)
    return receipt


def _count_sheet(tenant, edition: Edition, clerk, today: date) -> None:
    """One more sheet in the clerk's tally of the day, in the caller's transaction."""
    add_to_count(
        db.session, PaperEntryTally, dict(municipality_id=tenant.id, edition_id=edition.id, clerk_id=clerk.id, day=today),
        unique=("edition_id", "clerk_id", "day"), counter="sheets",
    )


# --- one-time codes ----------------------------------------------------------------------------


def request_code(tenant, edition: Edition, identity_data: dict) -> None:
    """Send a one-time code to the e-mail address or phone the voter gave, for their identity."""
    ensure_voting_open(edition, Channel.ONLINE)
    if edition.verification is Verification.NONE:
        raise ServiceValidationError.single("", str(_l("This edition does not use one-time codes.")))
    identity, errors = identify(edition, identity_data, date.today())
    if identity is None:
        raise ServiceValidationError(errors)
    field_name = "email" if edition.verification is Verification.EMAIL_CODE else "phone"
    destination = normalise_destination(edition, identity_data.get(field_name, ""))
    if edition.verification is Verification.EMAIL_CODE and not EMAIL_PATTERN.match(destination):
        raise ServiceValidationError.single(field_name, str(_l("Enter a valid e-mail address.")))
    if edition.verification is Verification.SMS_CODE and not re.fullmatch(r"48[4-8]\d{8}", destination):
        raise ServiceValidationError.single(field_name, str(_l("Enter a Polish mobile phone number (9 digits).")))
    destination_hash = keyed_hash(edition, destination)
    others = edition_select(
        OneTimeCode, edition, OneTimeCode.destination_hash == destination_hash, OneTimeCode.identity_hash != identity.hash,
        columns=[func.count(func.distinct(OneTimeCode.identity_hash))],
    )
    if edition.verification is Verification.SMS_CODE and db.session.scalar(others) >= edition.identities_per_phone:
        raise ServiceValidationError.single(field_name, str(_l(
            "Codes for %(count)d people have already been sent to this phone number, the most this edition allows.",
            count=edition.identities_per_phone,
        )))
    code = f"{secrets.randbelow(1_000_000):06d}"
    db.session.add(OneTimeCode(
        municipality_id=tenant.id, edition_id=edition.id, identity_hash=identity.hash, destination_hash=destination_hash,
        code_hash=keyed_hash(edition, code), expires_at=utcnow() + CODE_LIFETIME,
    ))
    db.session.flush()
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    if edition.verification is Verification.EMAIL_CODE:
        send_mail(destination, "voting_code", None, edition=edition, municipality=tenant, code=code, minutes=minutes)
    else:
        send_sms(destination, str(_l("%(name)s: your voting code is %(code)s (valid %(minutes)d min).", name=tenant.name, code=code, minutes=minutes)))


# --- receipts ----------------------------------------------------------------------------------


class ReceiptState:
    #: In the ballot table: mixed with others, in the count.
    COUNTED = "counted"
    #: In the box, sealed, waiting to be mixed (at the latest when voting closes).
    WAITING = "waiting"
    UNKNOWN = ""


def receipt_state(tenant, edition: Edition, code: str) -> str:
    statement = edition_select(Ballot, edition, Ballot.receipt_hash == receipt_hash(code))
    if db.session.scalar(statement.with_only_columns(Ballot.id)) is not None:
        return ReceiptState.COUNTED
    return ReceiptState.WAITING if is_waiting(tenant, edition, normalise_receipt(code)) else ReceiptState.UNKNOWN


# --- paper ballots -----------------------------------------------------------------------------


@dataclass
class PaperBallot:
    sheet_number: str
    submission: BallotSubmission
    #: Set for a sheet that cannot be counted (e.g. "two projects marked with 3 points").
    invalid_reason: str = ""


def _paper_identity(tenant, edition: Edition, paper: PaperBallot):
    identity, errors = identify(edition, paper.submission.identity, date.today())
    if identity is None:
        raise _refuse(tenant, edition, Channel.PAPER, RejectionReason.INVALID_IDENTITY, errors)
    if edition.voter_register_required and not _registered(tenant, edition, identity.hash):
        raise _refuse(tenant, edition, Channel.PAPER, RejectionReason.NOT_ELIGIBLE, {"": [str(NOT_ELIGIBLE_MESSAGE)]})
    return identity


def _paper_choices(tenant, edition: Edition, paper: PaperBallot):
    """A valid sheet's checked choices. An invalid sheet keeps no choices, only the pools it
    covers (every pool on that voter's ballot), so the protocol counts it per pool."""
    spec = ballot_spec(tenant, edition)
    if paper.invalid_reason.strip():
        districts = check_choices(spec, paper.submission.districts, {}).districts
        return districts, {pool.id: {} for _level, pool in spec.voter_pools(districts)}
    checked = check_choices(spec, paper.submission.districts, paper.submission.choices)
    if checked.errors:
        raise _refuse(tenant, edition, Channel.PAPER, RejectionReason.INVALID_CHOICES, checked.errors)
    return checked.districts, checked.choices


def enter_paper_ballot(tenant, edition: Edition, paper: PaperBallot, *, actor) -> str:
    """A clerk enters a paper sheet through the same checks; with double entry, the second blind
    entry of the same sheet by another clerk settles it, and a mismatch goes to a supervisor.

    Returns "counted", "waiting" (first of two entries) or "mismatch".
    """
    ensure_permission(actor, ENTER_PAPER_BALLOTS, tenant)
    ensure_voting_open(edition, Channel.PAPER)
    if not paper.sheet_number.strip():
        raise ServiceValidationError.single("sheet_number", str(_l("Enter the sheet number.")))
    identity = _paper_identity(tenant, edition, paper)
    districts, choices = _paper_choices(tenant, edition, paper)
    if not edition.paper_double_entry:
        _record_paper(tenant, edition, paper, identity, districts, choices, actor=actor)
        return "counted"
    sheet = paper.sheet_number.strip()
    entry = {
        "identity": [identity.hash, identity.age_band, identity.sex], "districts": {str(k): v for k, v in districts.items()},
        "choices": {str(p): {str(k): v for k, v in c.items()} for p, c in choices.items()}, "invalid_reason": paper.invalid_reason.strip(),
    }
    first = db.session.scalar(edition_select(
        PaperEntry, edition, PaperEntry.sheet_number == sheet,
        PaperEntry.status == PaperEntryStatus.WAITING,
    ))
    if first is None:
        _keep_entry(tenant, edition, sheet, identity, entry, PaperEntryStatus.WAITING, actor=actor)
        _count_sheet(tenant, edition, actor, date.today())
        db.session.flush()
        return "waiting"
    if first.clerk_id == actor.id:
        raise ServiceValidationError.single("sheet_number", str(_l("The second entry of a sheet must be made by another clerk.")))
    if opened_entry(edition, first) != entry:
        first.status = PaperEntryStatus.MISMATCH
        _keep_entry(tenant, edition, sheet, identity, entry, PaperEntryStatus.MISMATCH, actor=actor)
        _count_sheet(tenant, edition, actor, date.today())
        record_audit(actor, tenant, "paper.mismatch", edition, sheet=sheet)
        db.session.flush()
        return "mismatch"
    db.session.delete(first)
    _record_paper(tenant, edition, paper, identity, districts, choices, actor=actor)
    return "counted"


#: Purpose label bound into a sealed paper entry.
SEALED_PAPER_ENTRY = "paper entry"


def _keep_entry(tenant, edition: Edition, sheet: str, identity, entry: dict, status: PaperEntryStatus, *, actor) -> None:
    db.session.add(PaperEntry(
        municipality_id=tenant.id, edition_id=edition.id, sheet_number=sheet, clerk_id=actor.id,
        identity_hash=identity.hash, entry=seal(edition, SEALED_PAPER_ENTRY, entry), status=status, created_at=utcnow(),
    ))


def opened_entry(edition: Edition, paper_entry: PaperEntry) -> dict:
    """A clerk's sealed entry, opened for comparison or for the supervisor."""
    return unseal(edition, SEALED_PAPER_ENTRY, paper_entry.entry)


def _record_paper(tenant, edition, paper: PaperBallot, identity, districts, choices, *, actor) -> None:
    """The sheet's ballot, counted in the clerk's tally; no per-sheet event is kept (it would name
    the sheet beside the voter record's transaction)."""
    _record(
        tenant, edition, identity, districts, choices, Channel.PAPER, date.today(),
        valid=not paper.invalid_reason.strip(), invalid_reason=paper.invalid_reason.strip()[:200], counted_for=actor,
    )


def paper_mismatches(tenant, edition: Edition) -> dict[str, list[tuple[PaperEntry, dict]]]:
    """Sheets whose two entries differ: each entry with its opened content, for the supervisor."""
    statement = edition_select(
        PaperEntry, edition, PaperEntry.status == PaperEntryStatus.MISMATCH
    ).order_by(PaperEntry.sheet_number, PaperEntry.id)
    sheets: dict[str, list[tuple[PaperEntry, dict]]] = {}
    for entry in db.session.scalars(statement):
        sheets.setdefault(entry.sheet_number, []).append((entry, opened_entry(edition, entry)))
    return sheets


def paper_tallies(tenant, edition: Edition) -> list[tuple[PaperEntryTally, str | None]]:
    """Sheets entered per clerk and day, with the clerk's name (None for a deleted account)."""
    statement = (
        edition_select(PaperEntryTally, edition)
        .add_columns(User.display_name).outerjoin(User, User.id == PaperEntryTally.clerk_id)
        .order_by(PaperEntryTally.day, User.display_name)
    )
    return [tuple(row) for row in db.session.execute(statement)]


def settle_mismatch(tenant, edition: Edition, sheet_number: str, accepted_entry_id: int | None, *, actor) -> None:
    """A supervisor accepts one of the differing entries (after looking at the sheet) or neither."""
    ensure_permission(actor, MANAGE_VOTING, tenant)
    entries = paper_mismatches(tenant, edition).get(sheet_number, [])
    if not entries:
        raise ServiceValidationError.single("", str(_l("There is no open mismatch for this sheet.")))
    accepted = next((content for entry, content in entries if entry.id == accepted_entry_id), None)
    for entry, _content in entries:
        db.session.delete(entry)
    record_audit(actor, tenant, "paper.settle", edition, sheet=sheet_number, accepted=accepted is not None)
    if accepted is None:
        db.session.flush()
        return
    data = accepted
    identity = Identity(*data["identity"])
    districts = {int(k): v for k, v in data["districts"].items()}
    choices = {int(p): {int(k): v for k, v in c.items()} for p, c in data["choices"].items()}
    _record(
        tenant, edition, identity, districts, choices, Channel.PAPER, date.today(),
        valid=not data["invalid_reason"], invalid_reason=data["invalid_reason"],
    )


# --- register of eligible voters ---------------------------------------------------------------


def import_register(tenant, edition: Edition, csv_text: str, *, actor) -> int:
    """Import eligible voters from CSV (a header row naming the identity fields); only keyed
    hashes are stored. Returns how many new entries were added; a bad row stops the import.
    """
    ensure_permission(actor, MANAGE_VOTING, tenant)
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")), delimiter=";" if ";" in csv_text.split("\n", 1)[0] else ",")
    hashes: set[str] = set()
    for number, row in enumerate(reader, start=2):
        row = {key.strip().lower(): (value or "") for key, value in row.items() if key}
        row.setdefault("declaration", "yes")
        identity, errors = identify(edition, row, date.today())
        if identity is None:
            problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
            raise ServiceValidationError.single("file", str(_l("Row %(number)s: %(problems)s", number=number, problems=problems)))
        hashes.add(identity.hash)
    existing = set(db.session.scalars(edition_select(RegisteredVoter, edition, columns=[RegisteredVoter.identity_hash])))
    new = hashes - existing
    db.session.add_all(RegisteredVoter(municipality_id=tenant.id, edition_id=edition.id, identity_hash=h) for h in new)
    record_audit(actor, tenant, "voting.register_import", edition, added=len(new), rows=len(hashes))
    db.session.flush()
    return len(new)


def voters_count(tenant, edition: Edition) -> int:
    return db.session.scalar(edition_select(VoterRecord, edition, columns=[func.count(VoterRecord.id)]))
