"""``/api/v1/stats``: the published indicators of editions, across municipalities (open data)."""
from __future__ import annotations

import math

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from pb_service.analytics import queries
from pb_service.analytics.queries import COLUMNS, Filters
from pb_service.core.pagination import MAX_PAGE
from pb_service.core.permissions import public
from pb_service.municipalities.models import MunicipalityKind, Voivodeship
from pb_service.municipalities.services import municipality_by_slug_or_404

stats_api = Blueprint(
    "stats_api", __name__, url_prefix="/api/v1/stats",
    description="Indicators of editions with published results, across municipalities (aggregates only; see /open-data/methodology)",
)

#: API field types per column kind: money in grosze, shares as fractions (0..1).
_FIELDS = {
    "text": fields.String, "year": fields.Integer, "int": fields.Integer, "money": fields.Integer, "zloty": fields.Float, "percent": fields.Float,
    "number": fields.Float, "bool": fields.Boolean,
}


#: Editions per page of ``/stats/editions`` by default and at most.
PER_PAGE = 100
MAX_PER_PAGE = 500


class StatsQuerySchema(Schema):
    """Documents the parameters; :func:`_checked_query` checks them, with messages in the request's
    language (marshmallow's own messages are English only)."""

    year = fields.String(metadata={"description": "Budget year of the edition (four digits)"})
    voivodeship = fields.String(metadata={"description": "TERYT code of the voivodeship, e.g. 22"})
    kind = fields.String(metadata={"description": "city_with_powiat_rights, urban, urban_rural or rural"})
    population_class = fields.String(metadata={"description": ", ".join(queries.POPULATION_CLASSES)})
    sort = fields.String(metadata={"description": f"One of: {', '.join(sorted(queries.SORTABLE))} (default year)"})
    direction = fields.String(metadata={"description": "asc or desc (default desc)"})
    page = fields.String(metadata={"description": "Page number (from 1 to the last page)"})
    per_page = fields.String(
        metadata={"description": f"Editions per page (default {PER_PAGE}, at most {MAX_PER_PAGE}); the CSV on /open-data/ has them all at once"},
    )


def _whole_number(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def _checked_query(args) -> tuple[Filters, tuple[str, str], int, int]:
    """The filters, sort and page asked for; a value that is not valid is a 422 naming it.

    A misspelt filter is refused rather than ignored: ignoring it would answer with every
    edition as if they all matched. The page past the last is checked by the caller.
    """
    filters = Filters.from_args(args)
    errors: dict[str, list[str]] = {}

    def check(name: str, valid: bool, message: str) -> None:
        if name in args and not valid:
            errors[name] = [message]

    check("year", filters.year is not None, _("Give a year of four digits, e.g. 2023."))
    check("voivodeship", filters.voivodeship is not None, _("Give one of: %(values)s.", values=", ".join(v.value for v in Voivodeship)))
    check("kind", filters.kind is not None, _("Give one of: %(values)s.", values=", ".join(k.value for k in MunicipalityKind)))
    check("population_class", filters.population_class is not None, _("Give one of: %(values)s.", values=", ".join(queries.POPULATION_CLASSES)))
    check("sort", args.get("sort") in queries.SORTABLE, _("Give one of: %(values)s.", values=", ".join(sorted(queries.SORTABLE))))
    check("direction", args.get("direction") in ("asc", "desc"), _("Give one of: %(values)s.", values="asc, desc"))
    page = _whole_number(args.get("page", "1"), 1, MAX_PAGE)
    per_page = _whole_number(args.get("per_page", str(PER_PAGE)), 1, MAX_PER_PAGE)
    check("page", page is not None, _("Give a whole number from 1."))
    check("per_page", per_page is not None, _("Give a whole number from 1 to %(most)s.", most=MAX_PER_PAGE))
    if errors:
        abort(422, message=_("Some of the data is not valid."), errors={"query": errors})
    return filters, queries.sort_from_args(args), page, per_page


def _edition_schema() -> type[Schema]:
    declared = {
        column.key: _FIELDS[column.kind](allow_none=True, metadata={"description": str(column.label)})
        for column in COLUMNS if column.key not in ("voivodeship", "kind")
    }
    declared.update(
        edition_id=fields.Integer(), slug=fields.String(metadata={"description": "The municipality's address"}),
        teryt=fields.String(), voivodeship=fields.String(metadata={"description": "TERYT code of the voivodeship"}),
        kind=fields.String(), voters_by_age=fields.Dict(metadata={"description": "Voters per age band; null where fewer than 10"}),
        voters_by_sex=fields.Dict(metadata={"description": "Voters by sex (F, M, unknown); null where fewer than 10"}),
        funded_by_category=fields.Dict(metadata={"description": "{category: {count, cost in grosze}}"}),
        funded_by_pool=fields.Dict(metadata={"description": "{pool: {count, cost, budget in grosze}}"}),
    )
    return Schema.from_dict(declared, name="EditionIndicators")


EditionIndicatorsSchema = _edition_schema()


class EditionListSchema(Schema):
    count = fields.Integer(metadata={"description": "Editions matching the filters, on every page"})
    page = fields.Integer()
    pages = fields.Integer()
    per_page = fields.Integer()
    editions = fields.List(fields.Nested(EditionIndicatorsSchema))


class StandingSchema(Schema):
    indicator = fields.String()
    value = fields.Float(allow_none=True)
    minimum = fields.Float()
    lower_quartile = fields.Float()
    median = fields.Float()
    upper_quartile = fields.Float()
    maximum = fields.Float()
    peers = fields.Integer(metadata={"description": "Municipalities of the same kind compared (their latest edition each)"})
    rank = fields.Integer(allow_none=True, metadata={"description": "1 for the highest value"})


class MunicipalityStatsSchema(Schema):
    slug = fields.String()
    name = fields.String()
    teryt = fields.String()
    voivodeship = fields.String()
    kind = fields.String()
    population = fields.Integer()
    editions = fields.List(fields.Nested(EditionIndicatorsSchema))
    standing = fields.List(fields.Nested(StandingSchema), metadata={"description": "Among municipalities of the same kind"})


def _json(row: queries.EditionRow) -> dict:
    return {**row.values, "voivodeship": row.municipality.voivodeship.value, "kind": row.municipality.kind.value}


@stats_api.get("/editions")
@stats_api.arguments(StatsQuerySchema, location="query")
@stats_api.response(200, EditionListSchema)
@public
def editions(arguments):
    """Editions' indicators, filtered by year, voivodeship, kind and population class, sorted, a page at a time.

    A filter, sort or direction that is not valid, a page past the last one or a page size out
    of range is a 422 naming each parameter, in the request's language."""
    filters, sort, page, per_page = _checked_query(request.args)
    count = queries.count_editions(filters)
    pages = max(1, math.ceil(count / per_page))
    if page > pages:
        abort(422, message=_("Some of the data is not valid."), errors={"query": {"page": [
            _("Page %(page)s is past the last page, %(pages)s.", page=page, pages=pages),
        ]}})
    rows = queries.edition_rows(filters, sort, limit=per_page, offset=(page - 1) * per_page) if count else []
    return {"count": count, "page": page, "pages": pages, "per_page": per_page, "editions": [_json(row) for row in rows]}


@stats_api.get("/municipalities/<slug>")
@stats_api.response(200, MunicipalityStatsSchema)
@public
def municipality(slug: str):
    """A municipality's editions over the years and where it stands among municipalities of its kind."""
    found = municipality_by_slug_or_404(slug)
    rows = queries.edition_rows(Filters(municipality_id=found.id), ("year", "asc"))
    return {
        "slug": found.slug, "name": found.name, "teryt": found.teryt, "voivodeship": found.voivodeship.value,
        "kind": found.kind.value, "population": found.population, "editions": [_json(row) for row in rows],
        "standing": [
            {
                "indicator": s.column.key, "value": s.value, "minimum": s.minimum, "lower_quartile": s.lower_quartile,
                "median": s.median, "upper_quartile": s.upper_quartile, "maximum": s.maximum, "peers": s.peers, "rank": s.rank,
            }
            for s in queries.peer_standing(found)
        ],
    }
