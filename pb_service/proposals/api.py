"""``/api/v1/municipalities/<slug>/editions/<id>/review-queue``: officials' integrations, by API token."""
from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from pb_service.api_tokens.auth import token_auth
from pb_service.editions.loaders import office_edition_or_404
from pb_service.extensions import db
from pb_service.proposals.permissions import VIEW_REVIEW_QUEUE
from pb_service.proposals.schemas import ReviewItemSchema
from pb_service.proposals.services import review_queue as review_queue_of

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
