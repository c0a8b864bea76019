"""Form fields and form handling shared by the domains."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectChoice, SelectMultipleField, SubmitField, widgets

from pb_service.core.transactions import undone_if_refused
from pb_service.core.validation import ServiceValidationError

#: Phases and deadlines are set in the municipality's legal time.
WARSAW = ZoneInfo("Europe/Warsaw")


class WarsawDateTimeField(DateTimeLocalField):
    """A date and time typed in Warsaw time; ``data`` is an aware UTC datetime."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(*args, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(WARSAW).strftime(self.format[0]) if self.data else ""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=WARSAW).astimezone(timezone.utc)


class ConfirmForm(FlaskForm):
    """A bare form for buttons that change something (CSRF-protected POST)."""

    submit = SubmitField(_l("Confirm"))


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (a checklist), rendered by the ``choices_field`` macro."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def save_form(form, action, *, success, next_url):
    """Run ``action()`` for a valid submitted form and redirect; otherwise return None.

    A service refusal undoes whatever the action started and appears on the form, so the page
    is shown again with the input kept. ``success`` and ``next_url`` may be functions of the
    action's result.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = undone_if_refused(action)
    except ServiceValidationError as error:
        error.apply_to_form(form)
        return None
    flash(_of_result(success, result), "success")
    return redirect(_of_result(next_url, result))


def run_action(action, *, success, next_url, form=None, refused_url: str | None = None):
    """A button or small form (POST with CSRF): do it, or flash why not; back to ``next_url``.

    ``form`` defaults to a bare confirmation form; its validation messages are flashed too.
    ``success`` and ``next_url`` may be functions of the action's result; a refusal goes back
    to ``refused_url`` when one is given, else to ``next_url``.
    """
    refused_url = refused_url or next_url
    if form is None:
        form = ConfirmForm()
    if not form.validate_on_submit():
        problems = [message for field in form if field.errors for message in field.errors] or [
            _("The form has expired. Please send it again.")
        ]
        for message in problems:
            flash(message, "error")
        return redirect(refused_url)
    try:
        result = undone_if_refused(action)
    except ServiceValidationError as error:
        for messages in error.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(refused_url)
    flash(_of_result(success, result), "success")
    return redirect(_of_result(next_url, result))


def _of_result(value, result):
    return value(result) if callable(value) else value


def labelled_choices(pairs) -> list[SelectChoice]:
    """A field's choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_choices(enum_class):
    """A select's choices for an enum, labelled in the request's language (not the import's)."""
    return lambda: labelled_choices((member.value, member.label) for member in enum_class)


def mark_form_refused() -> str:
    """Called by the error summary: a submitted form shown again with its errors is refused."""
    if request.method != "GET":
        g.form_refused = True
    return ""


def register_refused_form_status(app) -> None:
    """Every refused form answers 422 (Unprocessable Content), whichever view shows it again."""
    app.jinja_env.globals["mark_form_refused"] = mark_form_refused

    @app.after_request
    def refused_form_status(response):
        if g.get("form_refused") and response.status_code == 200:
            response.status_code = 422
        return response
