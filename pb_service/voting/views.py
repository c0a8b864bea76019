"""The ballot for residents (no JavaScript needed), paper entry for clerks, the protocol."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from pb_service.core.i18n import current_language
from pb_service.core.permissions import public, requires
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Phase
from pb_service.editions.loaders import edition_or_404
from pb_service.extensions import db, limiter
from pb_service.voting import services
from pb_service.voting.ballot import ballot_spec, check_choices, new_voter_seed
from pb_service.voting.ballot_page import assembled_ballot_page, assembled_receipt_page, plain_visit
from pb_service.voting.forms import (
    BallotForm,
    PaperBallotForm,
    ReceiptForm,
    RegisterImportForm,
    districts_from,
    submission_from_form,
)
from pb_service.voting.identification import identify, identity_fields
from pb_service.voting.models import Channel, RejectionReason
from pb_service.voting.permissions import ENTER_PAPER_BALLOTS, MANAGE_VOTING, VIEW_PROTOCOL
from pb_service.voting.protocol import voting_protocol

voting = Blueprint("voting", __name__, url_prefix="/<municipality>")


def ballot_rate_limit() -> str:
    """Ballot submissions per client address (``BALLOT_RATE_LIMIT``), the same for form and API."""
    return current_app.config["BALLOT_RATE_LIMIT"]


def _ballot_page(edition, spec, form, *, errors=None, values=None, step="ballot", code_sent=False, status=200):
    values = values if values is not None else request.values
    return render_template(
        "voting/ballot.html", edition=edition, spec=spec, form=form, errors=errors or {}, values=values,
        identity_fields=identity_fields(edition), districts=districts_from(values, spec), step=step,
        seed=values.get("seed") or new_voter_seed(), code_sent=code_sent,
    ), status


@voting.route("/editions/<int:edition_id>/vote", methods=["GET", "POST"])
@limiter.limit(ballot_rate_limit, methods=["POST"])
@public
def vote(edition_id: int):
    edition = edition_or_404(edition_id)
    if edition.phase is not Phase.VOTING:
        return render_template("voting/closed.html", edition=edition), 403
    spec = ballot_spec(g.municipality, edition)
    form = BallotForm()
    if request.method == "GET":
        if plain_visit(spec):
            return assembled_ballot_page(edition, spec, districts_from(request.args, spec), form)
        return _ballot_page(edition, spec, form)
    if not form.validate_on_submit():
        return _ballot_page(edition, spec, form, errors={"": [_("The form has expired. Please send it again.")]}, status=400)
    action = request.form.get("action", "review")
    submission = submission_from_form(request.form, spec, edition, current_language())
    if action == "send_code":
        try:
            services.request_code(g.municipality, edition, submission.identity)
        except ServiceValidationError as error:
            return _ballot_page(edition, spec, form, errors=error.errors, status=422)
        return _ballot_page(edition, spec, form, code_sent=True)
    if action == "change":
        return _ballot_page(edition, spec, form)
    if action == "review":
        _identity, identity_errors = identify(edition, submission.identity, date.today())
        checked = check_choices(spec, submission.districts, submission.choices)
        errors = {**identity_errors, **checked.errors}
        if errors:
            # Refused here, the attempt never reaches cast_ballot: the protocol counts it now.
            reason = RejectionReason.INVALID_IDENTITY if identity_errors else RejectionReason.INVALID_CHOICES
            services.count_rejection(g.municipality, edition, reason, Channel.ONLINE)
            return _ballot_page(edition, spec, form, errors=errors, status=422)
        return _ballot_page(edition, spec, form, step="review")
    try:
        receipt = services.cast_ballot(g.municipality, edition, submission)
    except services.AlreadyVoted as refused:
        return render_template("voting/already_voted.html", edition=edition, message=refused.errors[""][0]), 409
    except services.BallotRefused as refused:
        return _ballot_page(edition, spec, form, errors=refused.errors, status=422)
    except services.VotingClosed:
        return render_template("voting/closed.html", edition=edition), 403
    if plain_visit():
        return assembled_receipt_page(edition, receipt.code)
    return render_template("voting/receipt.html", edition=edition, receipt=receipt.code)


@voting.route("/editions/<int:edition_id>/receipt", methods=["GET", "POST"])
@public
def check_receipt(edition_id: int):
    """Whether a ballot with this receipt is in the count, and nothing else."""
    edition = edition_or_404(edition_id)
    form = ReceiptForm()
    answer = None
    if form.validate_on_submit():
        answer = services.receipt_state(g.municipality, edition, form.receipt.data) or "unknown"
    return render_template("voting/check_receipt.html", edition=edition, form=form, answer=answer)


# --- officials ---------------------------------------------------------------------------------


@voting.route("/office/editions/<int:edition_id>/paper", methods=["GET", "POST"])
@requires(ENTER_PAPER_BALLOTS)
def paper(edition_id: int):
    edition = edition_or_404(edition_id)
    spec = ballot_spec(g.municipality, edition)
    form = PaperBallotForm()
    errors: dict = {}
    status = 200
    if form.validate_on_submit():
        submission = submission_from_form(request.form, spec, edition, current_language())
        paper_ballot = services.PaperBallot(
            form.sheet_number.data or "", submission, form.invalid_reason.data if form.invalid.data else "",
        )
        if form.invalid.data and not (form.invalid_reason.data or "").strip():
            form.invalid_reason.errors = [_("Say why the ballot is invalid.")]
        else:
            try:
                outcome = services.enter_paper_ballot(g.municipality, edition, paper_ballot, actor=current_user)
            except services.AlreadyVoted as refused:
                errors = refused.errors
            except services.BallotRefused as refused:
                errors = refused.errors
            except services.VotingClosed as closed:
                errors = {"": [closed.message]}
            except ServiceValidationError as error:
                db.session.rollback()
                errors = error.errors
            else:
                flash(PAPER_OUTCOMES[outcome](), "success" if outcome != "mismatch" else "warning")
                return redirect(url_for("voting.paper", edition_id=edition.id))
        status = 422
    return render_template(
        "voting/paper.html", edition=edition, spec=spec, form=form, errors=errors, values=request.form,
        identity_fields=identity_fields(edition), mismatches=services.paper_mismatches(g.municipality, edition),
    ), status


PAPER_OUTCOMES = {
    "counted": lambda: _("The ballot is recorded."),
    "waiting": lambda: _("First entry saved. Another clerk enters the same sheet to confirm it."),
    "mismatch": lambda: _("The two entries of this sheet differ. A supervisor will compare them with the sheet."),
}


@voting.route("/office/editions/<int:edition_id>/paper/mismatches/<sheet>", methods=["POST"])
@requires(MANAGE_VOTING)
def settle(edition_id: int, sheet: str):
    edition = edition_or_404(edition_id)
    accepted = request.form.get("accept", type=int)
    if BallotForm().validate_on_submit():
        try:
            services.settle_mismatch(g.municipality, edition, sheet, accepted, actor=current_user)
        except (ServiceValidationError, services.BallotRefused) as error:
            db.session.rollback()
            for message in error.errors.get("", []) or [_("This entry could not be counted.")]:
                flash(message, "error")
        else:
            flash(_("The sheet is settled."), "success")
    return redirect(url_for("voting.paper", edition_id=edition.id))


@voting.get("/office/editions/<int:edition_id>/protocol")
@requires(VIEW_PROTOCOL)
def protocol(edition_id: int):
    edition = edition_or_404(edition_id)
    return render_template(
        "voting/protocol.html", edition=edition, protocol=voting_protocol(g.municipality, edition),
        paper_tallies=services.paper_tallies(g.municipality, edition),
    )


@voting.route("/office/editions/<int:edition_id>/register", methods=["GET", "POST"])
@requires(MANAGE_VOTING)
def register(edition_id: int):
    edition = edition_or_404(edition_id)
    form = RegisterImportForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            text = upload.read().decode("utf-8-sig") if upload else ""
            added = services.import_register(g.municipality, edition, text, actor=current_user)
        except UnicodeDecodeError:
            form.file.errors = [_("The file must be UTF-8 text (CSV).")]
        except ServiceValidationError as error:
            db.session.rollback()
            error.apply_to_form(form)
        else:
            flash(ngettext("%(num)d person added to the register.", "%(num)d people added to the register.", added), "success")
            return redirect(url_for("voting.register", edition_id=edition.id))
    return render_template("voting/register.html", edition=edition, form=form)
