"""Demo analytics: real past editions of eleven Polish municipalities from the Pabulib files shipped
with the package (``pb_service/data/pabulib``), and implementation reports on the demo's past
platform editions, so that the dashboard and the project pages show something real on first run.

Idempotent: the import skips files it has seen (by SHA-256), and the reports are written once.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pb_service.accounts.services import user_by_email
from pb_service.analytics.implementation import UpdateData, funded_projects, post_update, timeline
from pb_service.analytics.importer import import_pabulib, pabulib_paths
from pb_service.analytics.models import ImplementationStatus
from pb_service.core.tenancy import tenant_select
from pb_service.editions.models import Edition, Phase
from pb_service.extensions import db

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
#: The demo cities' admins, who post the implementation reports.
ADMINS = {"gdansk": "admin.gdansk@example.org", "krakow": "admin.krakow@example.org"}


def _reports(municipality, edition: Edition) -> int:
    """Reports on the first funded projects: one completed late and over budget, one under way,
    one abandoned; the rest stay planned."""
    admin = user_by_email(ADMINS[municipality.slug])
    projects = funded_projects(municipality, edition)
    if admin is None or len(projects) < 3 or any(timeline(municipality, p) for p in projects):
        return 0
    start = edition.implementation_starts_at.date()
    done, started, dropped = projects[:3]
    plans = [
        (done, UpdateData(ImplementationStatus.IN_PROGRESS, 40, started_on=start + timedelta(days=20), planned_end_on=start + timedelta(days=120),
                          note="Wykonawca wybrany w przetargu; prace ruszyły.")),
        (done, UpdateData(ImplementationStatus.COMPLETED, 100, actual_cost=done.cost * 108 // 100, started_on=start + timedelta(days=20),
                          planned_end_on=start + timedelta(days=150), completed_on=start + timedelta(days=164),
                          note="Odbiór końcowy: projekt gotowy i dostępny dla mieszkańców.")),
        (started, UpdateData(ImplementationStatus.IN_PROGRESS, 30, started_on=start + timedelta(days=45), planned_end_on=start + timedelta(days=200),
                             note="Dokumentacja projektowa gotowa, trwają prace ziemne.")),
        (dropped, UpdateData(ImplementationStatus.ABANDONED, 0, reason="Teren okazał się własnością Skarbu Państwa; wojewoda nie zgodził się na inwestycję.")),
    ]
    for proposal, data in plans:
        post_update(municipality, proposal, data, actor=admin)
    return len(plans)


def load_demo_analytics(municipalities: dict) -> list[str]:
    reports = import_pabulib(pabulib_paths([DATA]))
    imported = sum(1 for report in reports if report.status == "imported")
    failed = [f"{report.path.name}: {report.message}" for report in reports if report.status == "failed"]
    lines = [f"  Pabulib: {imported} file(s) imported now, {len(reports) - imported - len(failed)} imported before"]
    lines += [f"  Pabulib import failed: {line}" for line in failed]
    for slug in ADMINS:
        municipality = municipalities.get(slug)
        if municipality is None:
            continue
        statement = tenant_select(Edition, municipality, Edition.resolution != "").order_by(Edition.year)
        for edition in db.session.scalars(statement):
            if edition.phase is Phase.IMPLEMENTATION and _reports(municipality, edition):
                lines.append(f"  {slug:8} implementation reports on {edition.name}")
    return lines
