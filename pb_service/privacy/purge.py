"""The retention policy, carried out: ``flask pb purge`` (daily; idempotent; audited).

Two kinds of personal data have an end date:

- **Voter identity hashes.** A voter record's keyed identity hash exists to refuse a second vote and
  to settle protests. Once the edition's protest window has closed *and* its result is published
  (final: a published count never changes), the hashes are erased: the records' identity hash is
  emptied, and the edition's one-time codes, register of eligible voters and paper double-entry
  rows (each holds identity hashes) are deleted. Ballots stay, so the result recomputes to the same
  digest; the voter records stay for the protocol's statistics (channel, age band, district).
- **Proposal authors and supporters.** Kept for the municipality's ``retention_months`` after the
  edition's protest window closed; then each proposal of the edition is attributed to the
  *former resident* (one emptied account, as account deletion leaves), its co-authors are removed,
  its online supports are unlinked from the people (their number stays in ``erased_supporters``,
  so documented counts do not change) and scanned paper supporters lists are deleted; the
  edition's protests are attributed to the former resident too. (Project followers are not: they
  asked for news of the implementation, which may outlast the period, and can stop it themselves.)
- **Officials' questions to the experts** (the hub). Kept for the municipality's
  ``retention_months`` after the answer (or after the asking, for one never answered); then the
  question no longer names the official who asked: it stays as the municipality's correspondence,
  and a published answer stays published (it never named the asker).

Running it again changes nothing: every step selects only what is still there to erase.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from pb_service.accounts.models import User
from pb_service.core.audit import record_audit
from pb_service.core.models import as_utc, utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.tenancy import edition_select, of_edition, scoped_to, tenant_select
from pb_service.core.uploads import delete_upload
from pb_service.editions.models import Edition
from pb_service.extensions import db
from pb_service.hub.models import ExpertQuestion
from pb_service.municipalities.models import Municipality
from pb_service.core.jobs.services import erase_sent_mail
from pb_service.privacy.permissions import PURGE_PERSONAL_DATA
from pb_service.proposals.models import PRIVATE_ATTACHMENTS, AttachmentKind, Proposal
from pb_service.results.models import Protest, ResultCount
from pb_service.voting.models import OneTimeCode, PaperEntry, RegisteredVoter, VoterRecord

log = logging.getLogger(__name__)

#: The one emptied account that anonymised proposals are attributed to ("Former resident").
FORMER_RESIDENT_EMAIL = "former-resident@invalid"


@dataclass
class PurgeCounts:
    """What one run erased in one municipality (all zero: nothing was due)."""

    identity_hashes: int = 0
    one_time_codes: int = 0
    registered_voters: int = 0
    paper_entries: int = 0
    proposals_anonymised: int = 0
    coauthors: int = 0
    supporters: int = 0
    supporters_lists: int = 0
    appeal_documents: int = 0
    protests_anonymised: int = 0
    questions_anonymised: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def add(self, other: "PurgeCounts") -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def identity_hashes_due(tenant: Municipality, edition: Edition, now: datetime) -> bool:
    """The protest window has closed and the result is published (final)."""
    if now < edition.protests_close_at:
        return False
    statement = edition_select(ResultCount, edition, ResultCount.published_at.is_not(None), columns=[ResultCount.id])
    return db.session.scalar(statement) is not None


def personal_data_due(tenant: Municipality, edition: Edition, now: datetime) -> bool:
    """The municipality's retention period after the edition's protest window has passed."""
    return now >= add_months(edition.protests_close_at, tenant.retention_months)


def former_resident() -> User:
    """The emptied account that anonymised proposals name as their author."""
    user = db.session.scalar(select(User).where(User.email == FORMER_RESIDENT_EMAIL))
    if user is None:
        user = User(
            email=FORMER_RESIDENT_EMAIL, display_name="", password_hash="!", active=False, deleted_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _count(statement, tenant) -> int:
    return db.session.scalar(scoped_to(statement, tenant)) or 0


def _erase_identity_hashes(tenant: Municipality, edition: Edition, counts: PurgeCounts) -> None:
    where = of_edition(VoterRecord, edition)
    counts.identity_hashes += _count(select(func.count()).select_from(VoterRecord).where(*where, VoterRecord.identity_hash.is_not(None)), tenant)
    if counts.identity_hashes:
        db.session.execute(
            scoped_to(update(VoterRecord).where(*where, VoterRecord.identity_hash.is_not(None)).values(identity_hash=None), tenant)
        )
    for model, field in ((OneTimeCode, "one_time_codes"), (RegisteredVoter, "registered_voters"), (PaperEntry, "paper_entries")):
        rows = _count(edition_select(model, edition, columns=[func.count()]), tenant)
        if rows:
            db.session.execute(scoped_to(delete(model).where(*of_edition(model, edition)), tenant))
        setattr(counts, field, getattr(counts, field) + rows)


def _anonymise_proposals(tenant: Municipality, edition: Edition, counts: PurgeCounts) -> None:
    proposals = db.session.scalars(edition_select(Proposal, edition).order_by(Proposal.id)).all()
    anonymous = None
    # Protests are published without their author's name; after the period the name goes from the record too.
    for protest in db.session.scalars(edition_select(Protest, edition).order_by(Protest.id)):
        if protest.author.email != FORMER_RESIDENT_EMAIL:
            anonymous = anonymous or former_resident()
            protest.author_id = anonymous.id
            counts.protests_anonymised += 1
    for proposal in proposals:
        if proposal.author.email != FORMER_RESIDENT_EMAIL:
            anonymous = anonymous or former_resident()
            proposal.author_id = anonymous.id
            counts.proposals_anonymised += 1
        for coauthor in list(proposal.coauthors):
            proposal.coauthors.remove(coauthor)
            counts.coauthors += 1
        if proposal.supporters:
            proposal.erased_supporters += len(proposal.supporters)
            counts.supporters += len(proposal.supporters)
            proposal.supporters.clear()
        # The supporters' lists and the documents given with appeals carry other people's personal data.
        for attachment in [a for a in proposal.attachments if a.kind in PRIVATE_ATTACHMENTS]:
            proposal.attachments.remove(attachment)
            delete_upload(attachment.stored_name, owner=tenant.id)
            if attachment.kind is AttachmentKind.APPEAL:
                counts.appeal_documents += 1
            else:
                counts.supporters_lists += 1


def _anonymise_questions(tenant: Municipality, now: datetime, counts: PurgeCounts) -> None:
    asked = tenant_select(ExpertQuestion, tenant, ExpertQuestion.asked_by_id.is_not(None)).order_by(ExpertQuestion.id)
    for question in db.session.scalars(asked):
        if now >= add_months(as_utc(question.answered_at or question.created_at), tenant.retention_months):
            question.asked_by_id = None
            counts.questions_anonymised += 1


def purge_municipality(tenant: Municipality, now: datetime | None = None, *, actor) -> PurgeCounts:
    """Erase what ``tenant``'s retention policy says is due at ``now``; audit when anything was (the command commits)."""
    ensure_permission(actor, PURGE_PERSONAL_DATA, tenant)
    now = now or utcnow()
    counts = PurgeCounts()
    editions = db.session.scalars(tenant_select(Edition, tenant).order_by(Edition.id)).all()
    for edition in editions:
        if identity_hashes_due(tenant, edition, now):
            _erase_identity_hashes(tenant, edition, counts)
        if personal_data_due(tenant, edition, now):
            _anonymise_proposals(tenant, edition, counts)
    _anonymise_questions(tenant, now, counts)
    if counts.total:
        db.session.flush()
        record_audit(actor, tenant, "privacy.purge", tenant, retention_months=tenant.retention_months, **asdict(counts))
        log.info("purge %s: %s", tenant.slug, asdict(counts))
    db.session.flush()
    return counts


def purge_all(now: datetime | None = None, *, actor) -> dict[str, PurgeCounts]:
    """Every municipality in turn (``flask pb purge``); one national audit event for the run; sent
    mail leaves the outbox a week after it was sent."""
    now = now or utcnow()
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.slug)).all()
    report = {municipality.slug: purge_municipality(municipality, now, actor=actor) for municipality in municipalities}
    totals = PurgeCounts()
    for counts in report.values():
        totals.add(counts)
    record_audit(actor, None, "privacy.purge_run", None, municipalities=len(report), **asdict(totals))
    erase_sent_mail(now)
    db.session.flush()
    return report
