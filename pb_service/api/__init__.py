"""The JSON API at ``/api/v1``: each domain owns its routes; this module mounts them."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, render_template

from pb_service.api.benchmark import register_benchmark_endpoints
from pb_service.core.permissions import public
from pb_service import extensions
from pb_service.extensions import csrf

api_docs = Blueprint("api_docs", __name__, url_prefix="/api/v1")


@api_docs.get("/docs")
@public
def docs():
    """The OpenAPI document as a readable page, served without any third-party script."""
    return render_template("api/docs.html", spec=extensions.api.spec.to_dict())


def register_api(app, api) -> None:
    from pb_service.analytics.api import stats_api
    from pb_service.editions.api import editions_api
    from pb_service.hub.api import hub_api
    from pb_service.municipalities.api import municipalities_api
    from pb_service.proposals.api import projects_api, proposals_api
    from pb_service.results.api import results_api
    from pb_service.voting.api import voting_api

    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token from the officials' office"}
    )
    for blueprint in (municipalities_api, editions_api, projects_api, proposals_api, voting_api, results_api, stats_api, hub_api):
        # API clients send JSON, not our HTML forms' CSRF token.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(api_docs)
    register_benchmark_endpoints(app)
    # flask-smorest serves the document from a bound method, which cannot carry the public mark.
    serve_openapi = app.view_functions["api-docs.openapi_json"]
    app.view_functions["api-docs.openapi_json"] = public(wraps(serve_openapi)(lambda: serve_openapi()))
