"""Factories for editions, pools and proposals: each returns a flushed object."""
from __future__ import annotations

import io
import itertools
from datetime import timedelta

from PIL import Image

from pb_service.core.models import utcnow
from pb_service.editions.models import DATED_PHASES, PHASE_START_COLUMNS, Category, Edition, Level, LevelKind, Phase, Pool
from pb_service.editions.rule_choices import VotingMethod
from pb_service.proposals.models import CostItem, Proposal, Status

_sequence = itertools.count(1)
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image_bytes(kind: str = "PNG", size=(4, 2), **save_options) -> bytes:
    """A real picture (uploads are decoded and encoded again, so a fake would be refused)."""
    output = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(output, format=kind, **save_options)
    return output.getvalue()


PNG_BYTES = image_bytes()
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def phase_dates(current: Phase) -> dict:
    """Phase starts 10 days apart, so that ``current`` began a day ago."""
    index = DATED_PHASES.index(current)
    now = utcnow().replace(microsecond=0)
    dates = {
        PHASE_START_COLUMNS[phase]: now + timedelta(days=10 * (position - index) - 1)
        for position, phase in enumerate(DATED_PHASES)
    }
    dates["closes_at"] = now + timedelta(days=10 * (len(DATED_PHASES) - index) - 1)
    return dates


def make_edition(session, municipality, phase: Phase = Phase.SUBMISSION, **fields) -> Edition:
    n = next(_sequence)
    values = dict(name=f"Budżet Obywatelski {n}", year=2027, is_published=True, **phase_dates(phase))
    values.update(fields)
    edition = Edition(municipality_id=municipality.id, **values)
    session.add(edition)
    session.flush()
    return edition


def make_level(session, edition, kind=LevelKind.CITY, method=VotingMethod.APPROVAL, **fields) -> Level:
    values = dict(name=f"Poziom {next(_sequence)}", kind=kind, method=method, min_choices=1, max_choices=3)
    values.update(fields)
    level = Level(municipality_id=edition.municipality_id, edition_id=edition.id, **values)
    session.add(level)
    session.flush()
    return level


def make_pool(session, edition, level=None, **fields) -> Pool:
    level = level or (edition.levels[0] if edition.levels else make_level(session, edition))
    values = dict(name=f"Pula {next(_sequence)}", budget=1_000_000_00, population=50_000, required_supporters=2, max_project_cost=500_000_00)
    values.update(fields)
    pool = Pool(municipality_id=edition.municipality_id, edition_id=edition.id, level_id=level.id, **values)
    session.add(pool)
    session.flush()
    session.refresh(edition)
    return pool


def make_category(session, edition, name="Zieleń") -> Category:
    category = Category(municipality_id=edition.municipality_id, edition_id=edition.id, name=name)
    session.add(category)
    session.flush()
    return category


def make_proposal(session, pool, author, status: Status = Status.SUBMITTED, cost: int = 100_000_00, **fields) -> Proposal:
    n = next(_sequence)
    values = dict(
        edition_id=pool.edition_id, title=f"Projekt {n}", summary="Krótki opis.", description="Opis projektu.", location="ul. Długa 1",
        accessibility="Bez barier.", estimated_cost=cost, status=status,
        number=n if status is not Status.DRAFT else None, submitted_at=utcnow() if status is not Status.DRAFT else None,
    )
    values.update(fields)
    proposal = Proposal(municipality_id=pool.municipality_id, pool_id=pool.id, author_id=author.id, **values)
    proposal.cost_items = [CostItem(municipality_id=pool.municipality_id, description="Roboty", amount=cost)]
    session.add(proposal)
    session.flush()
    return proposal
