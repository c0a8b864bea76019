"""The officials' office page for API tokens: create (shown once), list, revoke."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb_service.api_tokens import services
from pb_service.api_tokens.forms import TokenForm
from pb_service.api_tokens.models import ApiToken
from pb_service.api_tokens.permissions import MANAGE_API_TOKENS
from pb_service.core.forms import ConfirmForm
from pb_service.core.permissions import requires
from pb_service.core.tenancy import get_for_tenant_or_404
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db

api_tokens = Blueprint("api_tokens", __name__, url_prefix="/<municipality>/office/api-tokens")


@api_tokens.route("/", methods=["GET", "POST"])
@requires(MANAGE_API_TOKENS)
def index():
    form = TokenForm()
    form.offer(services.grantable_permissions(g.municipality, actor=current_user))
    created = None
    if form.validate_on_submit():
        try:
            token, created = services.create_token(
                g.municipality, form.name.data, form.permissions.data, form.days.data, 
            actor=current_user)
        except ServiceValidationError as error:
            db.session.rollback()
            error.apply_to_form(form)
        else:
            form = TokenForm(formdata=None)
            form.offer(services.grantable_permissions(g.municipality, actor=current_user))
    response = render_template(
        "api_tokens/index.html", form=form, tokens=services.tokens_of(g.municipality), created=created,
        labels=services.API_PERMISSION_LABELS,
    )
    # The page may show a new token once: no cache may keep it.
    return response, 200, {"Cache-Control": "no-store"}


@api_tokens.post("/<int:token_id>/revoke")
@requires(MANAGE_API_TOKENS)
def revoke(token_id: int):
    token = get_for_tenant_or_404(db.session, ApiToken, g.municipality, token_id)
    if ConfirmForm().validate_on_submit():
        services.revoke_token(g.municipality, token, actor=current_user)
        flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("api_tokens.index"))
