"""``/api/v1/municipalities/<slug>/editions``: published editions (their projects: ``proposals/api.py``)."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from pb_service.core.permissions import public
from pb_service.editions.loaders import published_edition_or_404
from pb_service.editions.schemas import EditionSchema
from pb_service.editions.services import editions_of

editions_api = Blueprint(
    "editions_api", __name__, url_prefix="/api/v1/municipalities/<municipality>/editions",
    description="Editions and pools (public data)",
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
