"""Information clauses, and the resident's own data: export and account deletion."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from pb_service.accounts.forms import DeleteAccountForm
from pb_service.accounts.twofactor import requires_second_factor
from pb_service.core.models import utcnow
from pb_service.core.permissions import personal, public
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db, limiter
from pb_service.privacy import notices, services

privacy = Blueprint("privacy", __name__)


@privacy.app_template_global()
def privacy_notice():
    """For templates: the clause of the current municipality, or the account clause outside one."""
    municipality = g.get("municipality")
    return notices.municipality_notice(municipality) if municipality is not None else notices.service_notice()


@privacy.get("/privacy")
@public
def service_notice():
    return render_template("privacy/notice.html", notice=notices.service_notice())


@privacy.get("/<municipality>/privacy")
@public
def municipality_notice():
    return render_template("privacy/notice.html", notice=notices.municipality_notice(g.municipality))


@privacy.get("/account/export.json")
@limiter.limit("10 per hour")
@personal
def export():
    """The resident's data as a JSON file (art. 15 and 20 GDPR)."""
    data = services.export_data(current_user)
    data["exported_at"] = utcnow().isoformat()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body, mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="pb-service-my-data.json"', "Cache-Control": "no-store"},
    )


@privacy.route("/account/delete", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
@personal
def delete_account():
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(user, form.password.data, form.code.data or "")
        except ServiceValidationError as error:
            db.session.rollback()
            error.apply_to_form(form)
        else:
            logout_user()
            session.clear()
            flash(_("Your account is deleted. Your proposals stay, attributed to a former resident."), "success")
            return redirect(url_for("main.front_page"))
    return render_template("privacy/delete.html", form=form, official=requires_second_factor(user))
