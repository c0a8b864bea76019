"""Forms: an implementation update, the municipality's expenditure in a year."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, MultipleFileField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from pb_service.analytics.implementation import UpdateData
from pb_service.analytics.models import ImplementationStatus
from pb_service.core.forms import enum_choices
from pb_service.core.money import MoneyField


class ImplementationUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=enum_choices(ImplementationStatus), validators=[InputRequired()])
    percent_done = IntegerField(
        _l("Percent done"), default=0, validators=[NumberRange(0, 100, message=_l("Give a percentage from 0 to 100."))],
        render_kw={"inputmode": "numeric"},
    )
    actual_cost = MoneyField(_l("Actual cost so far (zł)"), description=_l("Leave empty if not known yet."))
    started_on = DateField(_l("Work started on"), validators=[Optional()])
    planned_end_on = DateField(_l("Planned completion"), validators=[Optional()], description=_l("The date residents were promised."))
    completed_on = DateField(_l("Completed on"), validators=[Optional()])
    reason = TextAreaField(_l("Why it was abandoned"), render_kw={"rows": 3}, description=_l("Required when the project is abandoned; public."))
    note = TextAreaField(_l("Note for residents"), render_kw={"rows": 4}, description=_l("Public: what was done, what comes next."))
    photos = MultipleFileField(_l("Photos or documents"), description=_l("JPEG, PNG, WebP or PDF; up to 6 files."))
    submit = SubmitField(_l("Publish the update"))

    def to_data(self) -> UpdateData:
        return UpdateData(
            status=ImplementationStatus(self.status.data), percent_done=self.percent_done.data or 0, actual_cost=self.actual_cost.data,
            started_on=self.started_on.data, planned_end_on=self.planned_end_on.data, completed_on=self.completed_on.data,
            reason=self.reason.data or "", note=self.note.data or "",
        )


class ExpenditureForm(FlaskForm):
    year = IntegerField(_l("Budget year"), validators=[InputRequired(message=_l("Enter the year.")), NumberRange(2000, 2100)])
    amount = MoneyField(
        _l("Total expenditure of the municipality (zł)"), validators=[InputRequired(message=_l("Enter an amount in złoty."))],
        description=_l("From the budget resolution or its execution report; the budget's share is computed from it."),
    )
    submit = SubmitField(_l("Save"))
