"""Pagination that keeps a statement's tenant scope on its count query too."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, select
from sqlalchemy.sql import Select


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


#: Past any real list; a larger page number (``?page=4611686018427387904``) would overflow the
#: database's OFFSET (a 500 found by fuzzing the API).
MAX_PAGE = 100_000


def paginate(session, statement: Select, page_number, per_page: int) -> Page:
    try:
        number = min(max(1, int(page_number or 1)), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    options = statement.get_execution_options()
    count = select(func.count()).select_from(statement.order_by(None).subquery()).execution_options(**options)
    total = session.scalar(count)
    items = list(session.scalars(statement.limit(per_page).offset((number - 1) * per_page)))
    return Page(items, number, per_page, total)
