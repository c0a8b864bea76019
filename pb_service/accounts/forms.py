"""Account and officials' forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from pb_service.core.forms import enum_choices, labelled_choices
from pb_service.core.i18n import LANGUAGE_NAMES
from pb_service.core.roles import Role

EMAIL_VALIDATORS = [DataRequired(message=_l("Enter your e-mail address.")), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)]


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=120)],
        description=_l("Shown with proposals you submit."),
    )
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Choose a password."))],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class CodeForm(FlaskForm):
    """The second step of signing in, and every change of the second factor."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=20)],
        description=_l("The 6-digit code from your authenticator app, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Continue"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(message=_l("Enter your password."))])
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[Length(max=20)],
        description=_l("Only if you use a second factor."),
        render_kw={"autocomplete": "one-time-code"},
    )
    submit = SubmitField(_l("Delete my account"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a password."))],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Set new password"))


def language_choices():
    automatic = SelectChoice("", _l("Automatic (as the site or browser)"))
    return [automatic] + labelled_choices(LANGUAGE_NAMES.items())


class SettingsForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), Length(max=120)])
    locale = SelectField(_l("Language"), choices=language_choices)
    submit = SubmitField(_l("Save"))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    role = SelectField(
        _l("Role"),
        choices=enum_choices(Role),
        coerce=Role,
        description=_l("Administrators configure editions; evaluators review proposals; clerks enter paper ballots; observers read."),
    )
    submit = SubmitField(_l("Send invitation"))


