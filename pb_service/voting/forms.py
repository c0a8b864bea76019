"""The ballot as an HTML form: field names, and turning a posted form into a submission.

The ballot's inputs depend on the edition (levels, pools, methods, identification), so they are
plain named inputs rendered by ``templates/voting/_ballot_fields.html``; Flask-WTF still guards
every post with its CSRF token through :class:`BallotForm`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from pb_service.voting.ballot import BallotSpec
from pb_service.voting.identification import identity_fields
from pb_service.voting.services import BallotSubmission


class BallotForm(FlaskForm):
    """CSRF protection for the ballot; its inputs are read by :func:`submission_from_form`."""


class ReceiptForm(FlaskForm):
    receipt = StringField(_l("Receipt code"), validators=[DataRequired(message=_l("Enter the receipt code."))],
                          description=_l("16 letters and digits, e.g. ABCD-EFGH-JKMN-PQRS."), render_kw={"autocomplete": "off"})
    submit = SubmitField(_l("Check"))


class PaperBallotForm(FlaskForm):
    sheet_number = StringField(_l("Sheet number"), validators=[Length(max=40)], description=_l("As printed on the paper ballot."))
    invalid = BooleanField(_l("This ballot is invalid"))
    invalid_reason = StringField(
        _l("Why it is invalid"), validators=[Length(max=200)],
        description=_l("For example: more projects marked than allowed, or no mark that can be read."),
    )
    submit = SubmitField(_l("Enter the ballot"))


class RegisterImportForm(FlaskForm):
    file = FileField(
        _l("Register (CSV)"),
        description=_l("A header row with the identity fields (e.g. pesel, first_name, last_name); only keyed hashes are kept."),
    )
    submit = SubmitField(_l("Import"))


def identity_input(name: str) -> str:
    return f"identity-{name}"


def district_input(level_id: int) -> str:
    return f"district-{level_id}"


def pool_input(pool_id: int) -> str:
    return f"pool-{pool_id}"


def points_input(pool_id: int, project_id: int) -> str:
    return f"points-{pool_id}-{project_id}"


def districts_from(values, spec: BallotSpec) -> dict[str, str]:
    """{level id: pool id} from request values (query string or form)."""
    return {
        str(level.id): values.get(district_input(level.id))
        for level in spec.levels
        if level.is_district and values.get(district_input(level.id))
    }


def submission_from_form(form, spec: BallotSpec, edition, locale: str) -> BallotSubmission:
    identity = {}
    for field in identity_fields(edition):
        value = form.get(identity_input(field.name), "")
        identity[field.name] = bool(value) if field.kind == "checkbox" else value
    choices: dict[str, object] = {}
    for level in spec.levels:
        for pool in level.pools:
            if level.spec.method in ("approval", "knapsack"):
                picked = form.getlist(pool_input(pool.id))
                if picked:
                    choices[str(pool.id)] = picked
            else:
                points = {
                    str(project.id): form.get(points_input(pool.id, project.id), "").strip()
                    for project in pool.projects
                    if form.get(points_input(pool.id, project.id), "").strip() not in ("", "0")
                }
                if points:
                    choices[str(pool.id)] = points
    return BallotSubmission(
        identity=identity, districts=districts_from(form, spec), choices=choices,
        code=form.get("code", ""), receipt_email=form.get("receipt_email", ""), locale=locale,
    )
