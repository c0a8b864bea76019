"""``/api/v1/municipalities/<slug>/editions/<id>/...``: an edition's projects (public data), and the review queue
for officials' integrations, by API token."""
from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from pb_service.api_tokens.auth import token_auth
from pb_service.core.permissions import public
from pb_service.editions.loaders import office_edition_or_404, published_edition_or_404
from pb_service.editions.models import Phase
from pb_service.extensions import db
from pb_service.proposals.permissions import VIEW_REVIEW_QUEUE
from pb_service.proposals.schemas import ProjectSchema, ReviewItemSchema
from pb_service.proposals.services import ballot_projects, catalogue
from pb_service.proposals.services import review_queue as review_queue_of

projects_api = Blueprint(
    "projects_api", __name__, url_prefix="/api/v1/municipalities/<municipality>/editions",
    description="Projects of an edition (public data)",
)
proposals_api = Blueprint(
    "proposals_api", __name__, url_prefix="/api/v1/municipalities/<municipality>/editions",
    description="Officials' data, for integrations with an API token (Authorization: Bearer pbt_...)",
)


@proposals_api.get("/<int:edition_id>/review-queue")
@token_auth(VIEW_REVIEW_QUEUE, _l("Read the review queue (proposals waiting for a decision)"))
@proposals_api.response(200, ReviewItemSchema(many=True))
@proposals_api.alt_response(401, description="No token, or not a live token of this municipality")
@proposals_api.alt_response(403, description="The token lacks the permission proposals.view_queue")
@proposals_api.alt_response(404, description="No such edition in this municipality")
@proposals_api.doc(security=[{"bearerAuth": []}])
def review_queue(edition_id: int):
    """Proposals of the edition that wait for someone's decision, oldest first."""
    edition = office_edition_or_404(edition_id)
    return list(db.session.scalars(review_queue_of(g.municipality, edition_id=edition.id)))


@projects_api.get("/<int:edition_id>/projects")
@projects_api.response(200, ProjectSchema(many=True))
@public
def projects(edition_id: int):
    """From voting on: the projects on the ballot. Before: every public (submitted) proposal."""
    edition = published_edition_or_404(edition_id)
    if edition.phase in (Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION, Phase.CLOSED):
        return ballot_projects(g.municipality, edition)
    return list(db.session.scalars(catalogue(g.municipality, edition)))
