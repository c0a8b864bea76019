"""Good practices: proposed by officials, reviewed and published by programme staff."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pb_service.analytics.models import EditionIndicators
from pb_service.core.audit import record_audit
from pb_service.core.models import utcnow
from pb_service.core.permissions import ensure_permission
from pb_service.core.tenancy import tenant_lookup
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition
from pb_service.extensions import db
from pb_service.hub.models import (
    GoodPractice,
    PilotStatus,
    PracticeKind,
    PracticeStatus,
)
from pb_service.hub.permissions import CONTRIBUTE_TO_HUB, MANAGE_HUB
from pb_service.hub.services.content import TranslationData, put_translation, add_new
from pb_service.results.services import editions_with_published_results


@dataclass
class PracticeData:
    kind: PracticeKind
    pilot_status: PilotStatus | None = None
    edition_id: int | None = None


#: Hub pages belong to no municipality: they read a practice's published edition and its
#: indicators (open data) across the database wall, one statement at a time.
PRACTICE_EDITION_REASON = "hub: a good practice and the published edition it comes from"


def practice_editions(municipality) -> list[Edition]:
    """The editions a practice of ``municipality`` may be linked to: its own, with published results."""
    return editions_with_published_results(municipality, lookup_reason=PRACTICE_EDITION_REASON)


def _apply_practice_data(practice: GoodPractice, municipality, data: PracticeData) -> None:
    if data.kind is PracticeKind.PILOT_PROJECT and data.pilot_status is None:
        raise ServiceValidationError.single("pilot_status", str(_l("Say where the pilot project stands.")))
    if data.edition_id is not None and data.edition_id not in {edition.id for edition in practice_editions(municipality)}:
        raise ServiceValidationError.single("edition_id", str(_l("Choose an edition of this municipality with published results.")))
    practice.kind = data.kind
    practice.pilot_status = data.pilot_status if data.kind is PracticeKind.PILOT_PROJECT else None
    practice.edition_id = data.edition_id


@dataclass
class PracticeEdition:
    edition: Edition
    #: As analytics stored them when the results were published (None if not computed).
    indicators: EditionIndicators | None


#: The indicators a practice page shows of its edition (keys of the analytics columns).
PRACTICE_INDICATORS = (
    "budget_total", "budget_per_resident", "proposals_submitted", "proposals_admitted", "projects_on_ballot",
    "voters", "turnout", "funded_count", "funded_share", "completion_rate",
)


def practice_edition(practice: GoodPractice) -> PracticeEdition | None:
    """The practice's edition with its indicators (None when the practice is not linked to one)."""
    if practice.edition_id is None:
        return None
    municipality = practice.municipality
    edition = db.session.scalar(tenant_lookup(Edition, municipality, Edition.id == practice.edition_id, reason=PRACTICE_EDITION_REASON))
    if edition is None:
        return None
    indicators = db.session.scalar(
        tenant_lookup(EditionIndicators, municipality, EditionIndicators.edition_id == edition.id, reason=PRACTICE_EDITION_REASON)
    )
    return PracticeEdition(edition, indicators)


def propose_practice(municipality, data: PracticeData, translation: TranslationData, *, actor) -> GoodPractice:
    """An official proposes a practice of their municipality; staff review it."""
    ensure_permission(actor, CONTRIBUTE_TO_HUB, municipality)
    practice = GoodPractice(municipality_id=municipality.id, proposed_by_id=actor.id, original_language=translation.language)
    _apply_practice_data(practice, municipality, data)
    put_translation(practice, translation)
    return add_new(municipality, practice, "hub.practice_propose", actor=actor)


def edit_practice(practice: GoodPractice, data: PracticeData, translation: TranslationData, *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    _apply_practice_data(practice, practice.municipality, data)
    put_translation(practice, translation)
    record_audit(actor, None, "hub.practice_edit", practice, language=translation.language)
    db.session.flush()


def review_practice(practice: GoodPractice, publish: bool, note: str = "", *, actor) -> None:
    ensure_permission(actor, MANAGE_HUB)
    practice.status = PracticeStatus.PUBLISHED if publish else PracticeStatus.REJECTED
    practice.review_note = (note or "").strip()[:1000]
    if publish:
        practice.published_at = practice.published_at or utcnow()
    record_audit(actor, None, "hub.practice_publish" if publish else "hub.practice_reject", practice)
    db.session.flush()


def published_practices() -> list[GoodPractice]:
    statement = (
        select(GoodPractice)
        .where(GoodPractice.status == PracticeStatus.PUBLISHED)
        .order_by(GoodPractice.published_at.desc(), GoodPractice.id.desc())
    )
    return list(db.session.scalars(statement))


def practices_of(municipality) -> list[GoodPractice]:
    statement = (
        select(GoodPractice)
        .where(GoodPractice.municipality_id == municipality.id)
        .order_by(GoodPractice.created_at.desc(), GoodPractice.id.desc())
    )
    return list(db.session.scalars(statement))


def practices_for_review() -> list[GoodPractice]:
    statement = select(GoodPractice).order_by(
        (GoodPractice.status == PracticeStatus.PROPOSED).desc(), GoodPractice.created_at.desc(), GoodPractice.id.desc()
    )
    return list(db.session.scalars(statement))
