"""The form that creates an API token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from pb_service.api_tokens.services import API_PERMISSION_LABELS, LIFETIMES
from pb_service.core.forms import CheckboxesField


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Name the token after what it is for.")), Length(max=100)],
        description=_l("What the token is for, e.g. the city's GIS integration."),
    )
    permissions = CheckboxesField(_l("Permissions"), description=_l("Only what the integration needs; you can give only what you hold."))
    days = SelectField(_l("Valid for"), coerce=int, default=90)
    submit = SubmitField(_l("Create token"))

    def offer(self, permissions) -> None:
        self.permissions.choices = [SelectChoice(p.name, f"{API_PERMISSION_LABELS[p.name]} ({p.name})") for p in permissions]
        self.days.choices = [SelectChoice(days, _l("%(num)d days", num=days)) for days in LIFETIMES]
