"""The municipality form: register data for staff, contact details for the municipality's admin."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, URL

from pb_service.core.forms import enum_choices
from pb_service.core.i18n import LANGUAGE_NAMES
from pb_service.municipalities.models import (
    DEFAULT_RETENTION_MONTHS, RETENTION_MONTHS_CHOICES, MunicipalityKind, Voivodeship, retention_period,
)
from pb_service.municipalities.services import REGISTER_FIELDS, MunicipalityData

def retention_choices() -> list[SelectChoice]:
    return [SelectChoice(months, retention_period(months)) for months in RETENTION_MONTHS_CHOICES]


OPTIONAL_EMAIL = [Optional(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)]


class MunicipalityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the municipality's name.")), Length(max=200)],
                       description=_l("The official name, e.g. Miasto Gdańsk or Gmina Wieliczka."))
    slug = StringField(_l("Web address"), validators=[DataRequired(message=_l("Enter the web address.")), Length(max=63)],
                       description=_l("The part after the service address, e.g. gdansk. Lower-case letters, digits and hyphens."))
    teryt = StringField(_l("TERYT code"), validators=[DataRequired(message=_l("Enter the TERYT code.")), Length(min=7, max=7, message=_l("A TERYT code has exactly 7 digits."))],
                        description=_l("Seven digits from the national register, e.g. 2261011 for Gdańsk."))
    voivodeship = SelectField(_l("Voivodeship"), choices=enum_choices(Voivodeship), coerce=Voivodeship)
    kind = SelectField(_l("Kind of municipality"), choices=enum_choices(MunicipalityKind), coerce=MunicipalityKind)
    population = IntegerField(_l("Population"), validators=[DataRequired(message=_l("Enter the number of residents.")), NumberRange(min=1, message=_l("Population must be a positive number."))])
    default_locale = SelectField(_l("Default language"), choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])
    contact_email = EmailField(_l("Contact e-mail"), validators=OPTIONAL_EMAIL)
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    contact_address = StringField(_l("Office address"), validators=[Optional(), Length(max=300)])
    website = URLField(_l("Website"), validators=[Optional(), URL(message=_l("Enter a full address starting with https://")), Length(max=300)])
    accessibility_coordinator_name = StringField(_l("Accessibility coordinator"), validators=[Optional(), Length(max=200)])
    accessibility_coordinator_email = EmailField(_l("Accessibility coordinator's e-mail"), validators=OPTIONAL_EMAIL)
    accessibility_coordinator_phone = StringField(_l("Accessibility coordinator's phone"), validators=[Optional(), Length(max=40)])
    privacy_notice = TextAreaField(
        _l("Information clause on personal data (art. 13 GDPR)"), validators=[Optional(), Length(max=20000)],
        description=_l("Markdown. Shown where the participatory budget collects personal data. Leave empty to use the service's default clause with the contact details above."),
    )
    retention_months = SelectField(
        _l("Keep personal data of proposal authors and supporters for"),
        choices=retention_choices, coerce=int, default=DEFAULT_RETENTION_MONTHS,
        description=_l("Counted from the end of each edition's protest window. Then the proposals are attributed to a former resident, their supporters are unlinked (their number stays) and scanned supporters lists are deleted. Voter identity hashes are always erased once the result is final."),
    )
    submit = SubmitField(_l("Save"))

    def limit_to_profile(self) -> None:
        """For a municipality's own admin: register data is shown but not editable."""
        for name in REGISTER_FIELDS:
            field = getattr(self, name)
            field.render_kw = {"readonly": True, "disabled": True}
            field.validators = [Optional()]
            field.flags.required = False

    def to_data(self) -> MunicipalityData:
        return MunicipalityData(**{name: getattr(self, name).data for name in MunicipalityData.__dataclass_fields__})
