"""``.../editions/<id>/ballots`` and ``.../identification``: casting a ballot through the API.

The same service function as the HTML ballot and the clerks' paper entry does the work.
"""
from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint, abort

from pb_service.core.permissions import public
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.api import published_edition_or_404
from pb_service.extensions import limiter
from pb_service.voting import services
from pb_service.voting.ballot import ballot_spec
from pb_service.voting.identification import identity_fields
from pb_service.voting.views import ballot_rate_limit
from pb_service.voting.schemas import BallotRequestSchema, CodeRequestSchema, IdentificationSchema, ReceiptSchema

voting_api = Blueprint(
    "voting_api", __name__, url_prefix="/api/v1/municipalities/<municipality>/editions",
    description="Voting: what identifies a voter, casting a ballot",
)


REFUSED_MESSAGE = _l("The ballot was not accepted. Nothing was recorded; see the errors.")


@voting_api.get("/<int:edition_id>/identification")
@voting_api.response(200, IdentificationSchema)
@public
def identification(edition_id: int):
    """The identity fields the edition asks for, its one-time code, and the ballot's levels."""
    edition = published_edition_or_404(edition_id)
    return {
        "method": edition.identification.value,
        "verification": edition.verification.value,
        "fields_": identity_fields(edition),
        "levels": ballot_spec(g.municipality, edition).levels,
        "api_ballots_enabled": edition.api_ballots_enabled,
    }


@voting_api.post("/<int:edition_id>/ballots")
@limiter.limit(ballot_rate_limit)
@voting_api.arguments(BallotRequestSchema())  # one instance: none built per ballot
@voting_api.response(201, ReceiptSchema)
@voting_api.alt_response(403, description="Voting is not open, or the API does not take ballots")
@voting_api.alt_response(409, description="This identity has already voted")
@voting_api.alt_response(422, description="The identity or the choices are not valid (errors per field and level)")
@public
def cast(payload: dict, edition_id: int):
    """Cast one ballot. 201 with the receipt; 409 if this identity already voted; 422 with what to fix."""
    edition = published_edition_or_404(edition_id)
    submission = services.BallotSubmission(
        identity=payload["identity"], districts=payload["districts"], choices=payload["choices"],
        code=payload["verification"].get("code", ""), receipt_email=payload["receipt_email"],
    )
    try:
        receipt = services.cast_ballot(g.municipality, edition, submission, api=True)
    except services.VotingClosed as closed:
        abort(403, message=closed.message)
    except services.AlreadyVoted as refused:
        abort(409, message=refused.errors[""][0])
    except services.BallotRefused as refused:
        abort(422, message=str(REFUSED_MESSAGE), errors=refused.errors)
    return {"receipt": receipt.code}


@voting_api.post("/<int:edition_id>/verification-codes")
@limiter.limit("5 per minute")
@voting_api.arguments(CodeRequestSchema)
@voting_api.response(202)
@public
def request_code(payload: dict, edition_id: int):
    """Send a one-time code to the e-mail address or phone number in ``identity``."""
    edition = published_edition_or_404(edition_id)
    try:
        services.request_code(g.municipality, edition, payload["identity"])
    except services.VotingClosed as closed:
        abort(403, message=closed.message)
    except ServiceValidationError as error:
        abort(422, message=str(REFUSED_MESSAGE), errors=error.errors)
    return None
