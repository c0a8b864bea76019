"""The statement form (officials), the request form (anyone) and the answer form (officials)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from pb_service.accessibility.models import AccessForm, Compliance, RequestSubject
from pb_service.accessibility.services import STANDARD_TEXT, AccessRequestData, StatementData
from pb_service.core.forms import enum_choices

DATE_REQUIRED = InputRequired(message=_l("Enter a date."))


def _standard_text_hint(part: str):
    return _l("Leave empty to publish the standard text: %(text)s", text=STANDARD_TEXT[part])


class StatementForm(FlaskForm):
    published_on = DateField(_l("Date of publication of the pages"), validators=[DATE_REQUIRED])
    updated_on = DateField(_l("Date of the last significant update"), validators=[DATE_REQUIRED])
    compliance = RadioField(_l("Compliance with the act"), choices=enum_choices(Compliance), coerce=Compliance,
                            validators=[InputRequired(message=_l("Choose the compliance status."))],
                            description=_l("With WCAG 2.1 level AA, as the act of 4 April 2019 requires."))
    non_accessible_content = TextAreaField(_l("Content that is not accessible"), render_kw={"rows": 5},
                                           description=_standard_text_hint("non_accessible_content"))
    exemptions = TextAreaField(_l("Exemptions and reasons"), render_kw={"rows": 4}, description=_standard_text_hint("exemptions"))
    prepared_on = DateField(_l("Date the statement was prepared"), validators=[DATE_REQUIRED])
    reviewed_on = DateField(_l("Date of the last review of the statement"), validators=[DATE_REQUIRED],
                            description=_l("Review the statement at least once a year."))
    architectural_accessibility = TextAreaField(_l("Architectural accessibility of the office"), render_kw={"rows": 6},
                                                description=_standard_text_hint("architectural_accessibility"))
    apps = TextAreaField(_l("Mobile apps"), render_kw={"rows": 2}, description=_standard_text_hint("apps"))
    submit = SubmitField(_l("Save the statement"))

    def to_data(self) -> StatementData:
        values = {name: getattr(self, name).data for name in StatementData.__dataclass_fields__}
        # A text part left empty publishes the standard text: store it empty, not None.
        values.update({part: values[part] or "" for part in STANDARD_TEXT})
        return StatementData(**values)


class AccessRequestForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)], render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), validators=[Optional(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
                       description=_l("We send a confirmation and the answer here. Give an e-mail address or a phone number."),
                       render_kw={"autocomplete": "email"})
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=40)], render_kw={"autocomplete": "tel", "type": "tel"})
    subject = RadioField(_l("What do you need?"), choices=enum_choices(RequestSubject), coerce=RequestSubject,
                         validators=[InputRequired(message=_l("Choose what you need."))])
    description = TextAreaField(_l("Your request"), validators=[DataRequired(message=_l("Say what you need.")), Length(max=5000)], render_kw={"rows": 6},
                                description=_l("Which page or document, or why you cannot vote in the usual way (e.g. you cannot leave home)."))
    preferred_form = SelectField(_l("Preferred form of access"), choices=enum_choices(AccessForm), coerce=AccessForm)
    submit = SubmitField(_l("Send the request"))

    def to_data(self, locale: str) -> AccessRequestData:
        return AccessRequestData(
            name=self.name.data or "", email=self.email.data or "", phone=self.phone.data or "", subject=self.subject.data,
            description=self.description.data or "", preferred_form=self.preferred_form.data, locale=locale,
        )


class AnswerForm(FlaskForm):
    note = TextAreaField(_l("What was done or answered"), validators=[DataRequired(message=_l("Say what was done or answered."))],
                         render_kw={"rows": 5}, description=_l("Kept for the record; answer the requester by e-mail, phone or letter as they asked."))
    submit = SubmitField(_l("Mark as answered"))
