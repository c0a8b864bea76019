"""``/api/v1/municipalities/<slug>/editions``: published editions and their projects."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from pb_service.core.permissions import public
from pb_service.editions.loaders import published_edition_or_404
from pb_service.editions.models import Phase
from pb_service.editions.schemas import EditionSchema
from pb_service.editions.services import editions_of
from pb_service.extensions import db
from pb_service.proposals.schemas import ProjectSchema
from pb_service.proposals.services import ballot_projects, catalogue

editions_api = Blueprint(
    "editions_api", __name__, url_prefix="/api/v1/municipalities/<municipality>/editions",
    description="Editions, pools and projects (public data)",
)


@editions_api.get("")
@editions_api.response(200, EditionSchema(many=True))
@public
def list_editions():
    """The municipality's published editions, the newest first."""
    return editions_of(g.municipality, published_only=True)


@editions_api.get("/<int:edition_id>")
@editions_api.response(200, EditionSchema)
@public
def edition_detail(edition_id: int):
    """One edition with its phases, levels, pools, categories and outcome rule."""
    return published_edition_or_404(edition_id)


@editions_api.get("/<int:edition_id>/projects")
@editions_api.response(200, ProjectSchema(many=True))
@public
def projects(edition_id: int):
    """From voting on: the projects on the ballot. Before: every public (submitted) proposal."""
    edition = published_edition_or_404(edition_id)
    if edition.phase in (Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION, Phase.CLOSED):
        return ballot_projects(g.municipality, edition)
    return list(db.session.scalars(catalogue(g.municipality, edition)))
