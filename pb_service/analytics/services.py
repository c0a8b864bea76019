"""The municipality's expenditure per year: entered by its admin, used for the budget's share."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pb_service.analytics.indicators import refresh_indicators
from pb_service.analytics.models import EditionIndicators, MunicipalExpenditure
from pb_service.analytics.permissions import MANAGE_EXPENDITURE
from pb_service.analytics.queries import voters_note
from pb_service.core.audit import record_audit
from pb_service.core.permissions import ensure_permission
from pb_service.core.tenancy import tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Edition
from pb_service.extensions import db


def edition_indicators(tenant, edition_id: int) -> EditionIndicators | None:
    """The stored indicators of one of the municipality's editions (None before its results are published)."""
    return db.session.scalar(tenant_select(EditionIndicators, tenant, EditionIndicators.edition_id == edition_id))


def voters_note_of(tenant, edition_id: int) -> str:
    """The sentence that says why the edition's voters are not knowable ("" when they are): the
    results page then gives its pools' voters but no total for the municipality."""
    row = edition_indicators(tenant, edition_id)
    return voters_note(row.voters_unknown) if row is not None else ""


def expenditures(tenant) -> list[MunicipalExpenditure]:
    statement = tenant_select(MunicipalExpenditure, tenant).order_by(MunicipalExpenditure.year.desc())
    return list(db.session.scalars(statement))


def set_expenditure(tenant, year: int, amount: int, *, actor) -> MunicipalExpenditure:
    """Enter (or correct) the year's expenditure and recompute the indicators of that year's editions."""
    ensure_permission(actor, MANAGE_EXPENDITURE, tenant)
    if amount is None or amount <= 0:
        raise ServiceValidationError.single("amount", str(_l("Enter an amount above zero.")))
    row = db.session.scalar(tenant_select(MunicipalExpenditure, tenant, MunicipalExpenditure.year == year))
    if row is None:
        row = MunicipalExpenditure(municipality_id=tenant.id, year=year, amount=amount)
        db.session.add(row)
    row.amount = amount
    db.session.flush()
    record_audit(actor, tenant, "expenditure.set", row, year=year, amount=amount)
    db.session.flush()
    with_indicators = tenant_select(Edition, tenant, Edition.year == year).join(
        EditionIndicators, EditionIndicators.edition_id == Edition.id
    )
    for edition in db.session.scalars(with_indicators):
        refresh_indicators(tenant, edition)
    return row
