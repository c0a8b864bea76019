"""Sign-up, sign-in, password reset and the user's own settings."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from pb_service.accounts import services
from pb_service.accounts.forms import ConfirmForm, LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm, SettingsForm
from pb_service.core.i18n import current_language
from pb_service.core.permissions import personal, public
from pb_service.core.validation import ServiceValidationError
from pb_service.core.views import safe_next
from pb_service.extensions import limiter

accounts = Blueprint("accounts", __name__, url_prefix="/account")

#: Credential checks: enough for a person who mistypes, too few for guessing.
CREDENTIAL_LIMIT = "10 per minute;50 per hour"
#: Mail-sending forms: each request sends a message.
MAIL_LIMIT = "5 per minute;20 per hour"


@accounts.route("/register", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
@public
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register(
                form.email.data,
                form.password.data,
                form.display_name.data,
                current_language(),
                confirm_path=lambda token: url_for("accounts.confirm", token=token),
            )
        except ServiceValidationError as error:
            error.apply_to_form(form)
        else:
            return render_template("accounts/check_mail.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@accounts.get("/confirm/<token>")
@public
def confirm(token: str):
    user = services.confirm_email(token)
    if user is None:
        flash(_("This confirmation link is invalid or has expired. Register again or reset your password."), "error")
        return redirect(url_for("accounts.login"))
    flash(_("Your e-mail address is confirmed. You can sign in now."), "success")
    return redirect(url_for("accounts.login"))


@accounts.route("/login", methods=["GET", "POST"])
@limiter.limit(CREDENTIAL_LIMIT, methods=["POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(
                _("The e-mail address or password is wrong, or the address is not confirmed yet.")
            )
        else:
            login_user(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.front_page")))
    return render_template("accounts/login.html", form=form)


@accounts.post("/logout")
@public
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("main.front_page"))


@accounts.route("/reset", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
@public
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(
            form.email.data, reset_path=lambda token: url_for("accounts.reset_password", token=token)
        )
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return render_template("accounts/reset_request.html", form=form)


@accounts.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(CREDENTIAL_LIMIT, methods=["POST"])
@public
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except ServiceValidationError as error:
            error.apply_to_form(form)
        else:
            if user is None:
                flash(_("This reset link is invalid, used or expired. Ask for a new one."), "error")
                return redirect(url_for("accounts.reset_request"))
            flash(_("Your password is changed. You can sign in now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@accounts.route("/settings", methods=["GET", "POST"])
@personal
def settings():
    form = SettingsForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data, form.locale.data)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form)
