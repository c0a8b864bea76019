"""Sign-up, sign-in, password reset and the user's own settings."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from pb_service.accounts import services, sessions, twofactor
from pb_service.accounts.forms import (
    CodeForm, LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm, SettingsForm,
)
from pb_service.core.forms import ConfirmForm, save_form
from pb_service.accounts.lockout import LOCK_MINUTES, MAX_FAILED_ATTEMPTS
from pb_service.core.i18n import current_language
from pb_service.core.permissions import personal, public
from pb_service.core.validation import ServiceValidationError
from pb_service.core.security import CREDENTIAL_LIMIT, MAIL_LIMIT, safe_next
from pb_service.extensions import limiter

accounts = Blueprint("accounts", __name__, url_prefix="/account")


@accounts.before_app_request
def enforce_session_policy():
    return sessions.enforce_session_policy()


@accounts.route("/register", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
@public
def register():
    form = RegisterForm()
    # Where the new resident was going (an invitation, a proposal to support): kept through the
    # confirmation link, which may be opened in another browser.
    next_url = safe_next(request.args.get("next"), None)
    if form.validate_on_submit():
        try:
            services.register(
                form.email.data,
                form.password.data,
                form.display_name.data,
                current_language(),
                confirm_path=lambda token: url_for("accounts.confirm", token=token, next=next_url),
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
    return redirect(url_for("accounts.login", next=safe_next(request.args.get("next"), None)))


@accounts.route("/login", methods=["GET", "POST"])
@limiter.limit(CREDENTIAL_LIMIT, methods=["POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            # The same messages for every failure: they must not tell whether the address has an account.
            form.form_errors.append(
                _("The e-mail address or password is wrong, or the address is not confirmed yet.")
            )
            form.form_errors.append(" ".join((
                ngettext("After %(num)d failed attempt an account is locked.", "After %(num)d failed attempts an account is locked.", MAX_FAILED_ATTEMPTS),
                ngettext("The lock lasts %(num)d minute.", "The lock lasts %(num)d minutes.", LOCK_MINUTES),
            )))
        else:
            next_url = safe_next(request.args.get("next"), url_for("main.front_page"))
            if user.has_second_factor or twofactor.requires_second_factor(user):
                sessions.begin_pending(user, remember=form.remember.data, next_url=next_url)
                return redirect(url_for("accounts.login_code" if user.has_second_factor else "accounts.login_enrol"))
            sessions.complete_sign_in(user, remember=form.remember.data, second_factor=False)
            flash(_("You are signed in."), "success")
            return redirect(next_url)
    return render_template("accounts/login.html", form=form)


def _pending_step(enrolled: bool):
    """The half-signed-in user if this step fits them (code or enrolment), else where to go instead."""
    user, pending = sessions.pending_sign_in()
    if user is None:
        flash(_("Please sign in again."), "info")
        return None, None, redirect(url_for("accounts.login"))
    if user.has_second_factor != enrolled:
        return None, None, redirect(url_for("accounts.login_code" if user.has_second_factor else "accounts.login_enrol"))
    return user, pending, None


def _finish_sign_in(user, pending):
    sessions.complete_sign_in(user, remember=pending.get("remember", False), second_factor=True)
    flash(_("You are signed in."), "success")


@accounts.route("/login/code", methods=["GET", "POST"])
@limiter.limit(CREDENTIAL_LIMIT, methods=["POST"])
@public
def login_code():
    """The second step: the password was right; a code from the app (or a recovery code) signs in."""
    user, pending, elsewhere = _pending_step(enrolled=True)
    if elsewhere:
        return elsewhere
    form = CodeForm()
    if form.validate_on_submit():
        try:
            twofactor.check_second_factor(user, form.code.data)
        except ServiceValidationError as error:
            error.apply_to_form(form)
        else:
            _finish_sign_in(user, pending)
            return redirect(safe_next(pending.get("next"), url_for("main.front_page")))
    return render_template("accounts/login_code.html", form=form)


@accounts.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(CREDENTIAL_LIMIT, methods=["POST"])
@public
def login_enrol():
    """An official's first sign-in: set up the authenticator app before anything else."""
    user, pending, elsewhere = _pending_step(enrolled=False)
    if elsewhere:
        return elsewhere
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(user, form.code.data)
        except ServiceValidationError as error:
            error.apply_to_form(form)
        else:
            _finish_sign_in(user, pending)
            return _show_recovery_codes(codes, safe_next(pending.get("next"), url_for("main.front_page")))
    return _render_enrolment(form, user)


def _render_enrolment(form, user):
    secret = twofactor.start_enrolment(user)
    uri = twofactor.provisioning_uri(user, secret)
    return render_template("accounts/enrol.html", form=form, secret=secret, qr_code=twofactor.qr_code_svg(uri), uri=uri)


def _show_recovery_codes(codes: list[str], continue_url: str):
    """Shown once, in the response to the step that made them: never stored in plain text."""
    response = render_template("accounts/recovery_codes.html", codes=codes, continue_url=continue_url)
    return response, 200, {"Cache-Control": "no-store"}


@accounts.post("/logout")
@public
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            sessions.sign_out(current_user._get_current_object())
        else:
            session.clear()
        flash(_("You are signed out on every device."), "success")
    return redirect(url_for("main.front_page"))


@accounts.route("/reset", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
@public
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(
            form.email.data, reset_path=lambda token: url_for("accounts.reset_password", token=token),
            register_path=url_for("accounts.register"), locale=current_language(),
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
    response = save_form(
        form, lambda: services.update_profile(current_user, form.display_name.data, form.locale.data),
        success=_("Your settings are saved."), next_url=url_for("accounts.settings"),
    )
    return response or render_template("accounts/settings.html", form=form)


@accounts.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(CREDENTIAL_LIMIT, methods=["POST"])
@personal
def two_factor():
    """Set up the second factor (residents may; officials must), or manage it once it is on."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        return render_template(
            "accounts/two_factor.html", regenerate_form=CodeForm(prefix="regenerate"), disable_form=CodeForm(prefix="disable"),
            unused_codes=twofactor.unused_recovery_codes(user), can_disable=not twofactor.requires_second_factor(user),
        )
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(user, form.code.data)
        except ServiceValidationError as error:
            error.apply_to_form(form)
        else:
            sessions.reissue(user, second_factor=True)
            return _show_recovery_codes(codes, url_for("accounts.settings"))
    return _render_enrolment(form, user)


def _flash_errors(error: ServiceValidationError) -> None:
    """For the small code forms that go back to the second-factor page."""
    flash(" ".join(message for messages in error.errors.values() for message in messages), "error")


@accounts.post("/two-factor/recovery-codes")
@limiter.limit(CREDENTIAL_LIMIT)
@personal
def regenerate_recovery_codes():
    form = CodeForm(prefix="regenerate")
    if form.validate_on_submit() and current_user.has_second_factor:
        try:
            codes = twofactor.regenerate_recovery_codes(current_user, form.code.data)
        except ServiceValidationError as error:
            _flash_errors(error)
        else:
            return _show_recovery_codes(codes, url_for("accounts.two_factor"))
    return redirect(url_for("accounts.two_factor"))


@accounts.post("/two-factor/disable")
@limiter.limit(CREDENTIAL_LIMIT)
@personal
def disable_two_factor():
    form = CodeForm(prefix="disable")
    if form.validate_on_submit() and current_user.has_second_factor:
        user = current_user._get_current_object()
        try:
            twofactor.disable(user, form.code.data)
        except ServiceValidationError as error:
            _flash_errors(error)
        else:
            sessions.reissue(user, second_factor=False)
            flash(_("The second factor is off."), "success")
            return redirect(url_for("accounts.settings"))
    return redirect(url_for("accounts.two_factor"))
