"""``/api/v1/municipalities/<slug>/editions/<id>/results``, ballots files and receipts: published
results only. Before publication every route answers 404, so no count leaks early."""
from __future__ import annotations

from flask import Response, abort, g, jsonify
from flask_smorest import Blueprint

from pb_service.core.permissions import public
from pb_service.editions.api import published_edition_or_404
from pb_service.results.explain import published_measures
from pb_service.results.schemas import ReceiptsSchema, ResultsSchema
from pb_service.results.services import pool_file, published_count, receipt_hashes

results_api = Blueprint(
    "results_api", __name__, url_prefix="/api/v1/municipalities/<municipality>/editions",
    description="Published results, the anonymised ballots (Pabulib) and the receipts",
)


def _count(edition_id: int):
    edition = published_edition_or_404(edition_id)
    count = published_count(g.municipality, edition)
    if count is None:
        abort(404)
    return edition, count


@results_api.get("/<int:edition_id>/results")
@results_api.response(200, ResultsSchema)
@public
def edition_results(edition_id: int):
    """Per pool: rule and parameters, budget, spent, leftover, digests, projects with votes, ``selected``
    and ``measures`` (how close each came to the other outcome)."""
    return _count(edition_id)[1]


@results_api.get("/<int:edition_id>/pools/<int:pool_id>/ballots.pb")
@public
def ballots_file(edition_id: int, pool_id: int):
    """The pool's anonymised valid ballots as a Pabulib file; META names the rule, tie-break and seed,
    so ``python -m pb_service.rules tally FILE`` recounts it."""
    _, count = _count(edition_id)
    pool_result = count.pool_result(pool_id)
    if pool_result is None:
        abort(404)
    return Response(
        pool_file(g.municipality, pool_result), mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{g.municipality.slug}-{pool_result.pabulib_filename}"'},
    )


@results_api.get("/<int:edition_id>/pools/<int:pool_id>/measures.json")
@public
def measures_file(edition_id: int, pool_id: int):
    """How close each project of the pool came (performance measures), published beside its ballots
    file and in its units (złoty): ``projects`` is what ``python -m pb_service.rules explain FILE.pb
    --json`` prints for that file."""
    _, count = _count(edition_id)
    pool_result = count.pool_result(pool_id)
    if pool_result is None or pool_result.measures is None:
        abort(404)
    response = jsonify(published_measures(pool_result))
    response.headers["Content-Disposition"] = f'attachment; filename="{g.municipality.slug}-{pool_result.measures_filename}"'
    return response


@results_api.get("/<int:edition_id>/receipts")
@results_api.response(200, ReceiptsSchema)
@public
def receipts(edition_id: int):
    """SHA-256 (hex) of the receipt code of every counted ballot."""
    edition, _ = _count(edition_id)
    hashes = receipt_hashes(g.municipality, edition)
    return {"edition_id": edition.id, "count": len(hashes), "receipts": hashes}
