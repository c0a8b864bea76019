"""``/api/v1/municipalities``: the public register of municipalities."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from pb_service.core.permissions import public
from pb_service.municipalities.schemas import MunicipalitySchema
from pb_service.municipalities.services import list_municipalities

municipalities_api = Blueprint(
    "municipalities_api", __name__, url_prefix="/api/v1/municipalities", description="Municipalities (public data)"
)


@municipalities_api.get("")
@municipalities_api.response(200, MunicipalitySchema(many=True))
@public
def list_all():
    """All municipalities on the service."""
    return list_municipalities()


@municipalities_api.get("/<municipality>")
@municipalities_api.response(200, MunicipalitySchema)
@public
def detail():
    """One municipality by its slug."""
    return g.municipality
