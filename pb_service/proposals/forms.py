"""Residents' proposal forms and officials' review forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, EmailField, FieldList, FormField, IntegerField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Optional

from pb_service.core.forms import CheckboxesField, labelled_choices
from pb_service.core.money import MoneyField
from pb_service.proposals.services import FORMAL_CHECKLIST, MERIT_CHECKLIST, Decision, ProposalData

#: Empty cost rows offered after the filled ones (no JavaScript: more appear after saving).
SPARE_COST_ROWS = 3


class CostItemForm(FlaskForm):
    class Meta:
        csrf = False

    description = StringField(_l("Item"))
    amount = MoneyField(_l("Amount (zł)"))

    @property
    def is_blank(self) -> bool:
        return not (self.description.data or "").strip() and self.amount.data is None and not self.amount.errors


class CostItemList(FieldList):
    """Cost rows; its ``errors`` is a flat list of messages, as the error summary expects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._extra_errors: list[str] = []

    @property
    def errors(self):
        messages = list(self._extra_errors)
        for number, entry in enumerate(self.entries, start=1):
            for name, field_messages in entry.form.errors.items():
                row = _l("Row %(number)s", number=number)
                label = getattr(entry.form, name).label.text
                messages += [f"{row}, {label}: {message}" for message in field_messages]
        return messages

    @errors.setter
    def errors(self, messages):
        self._extra_errors = [m for m in messages if isinstance(m, str)]


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter a title."))], description=_l("Short and specific, up to 150 characters."))
    # The service checks that the pool and category belong to this edition (one message, one place).
    pool_id = SelectField(_l("Pool"), coerce=int, validate_choice=False, description=_l("The city-wide pool or the district where the project is."))
    category_id = SelectField(_l("Category"), coerce=lambda v: int(v) if v else None, validate_choice=False)
    summary = TextAreaField(_l("Summary"), description=_l("One or two sentences for the catalogue and the ballot (up to 500 characters)."), render_kw={"rows": 3})
    description = TextAreaField(_l("Description"), description=_l("What, why and for whom. Markdown: **bold**, lists with -, links as [text](https://...). No HTML."), render_kw={"rows": 10})
    location = StringField(_l("Location"), description=_l("Address or a description of the place, e.g. ul. Grunwaldzka 5, skwer przy szkole."))
    latitude = DecimalField(_l("Latitude (optional)"), places=6, validators=[Optional()], description=_l("E.g. 54.372158"))
    longitude = DecimalField(_l("Longitude (optional)"), places=6, validators=[Optional()], description=_l("E.g. 18.638306"))
    accessibility = TextAreaField(_l("Accessibility and universal design"), description=_l("How people with disabilities, older people and parents with prams can use it; or why this does not apply."), render_kw={"rows": 4})
    estimated_cost = MoneyField(_l("Estimated total cost (zł)"), description=_l("The sum of the cost items in the table above, e.g. 150 000,00."))
    cost_items = CostItemList(FormField(CostItemForm), label=_l("Cost items"), min_entries=1)
    submit = SubmitField(_l("Save draft"))

    def add_spare_rows(self) -> None:
        for _ in range(SPARE_COST_ROWS):
            self.cost_items.append_entry()

    def to_data(self) -> ProposalData:
        items = [(row.form.description.data or "", row.form.amount.data) for row in self.cost_items if not row.form.is_blank]
        return ProposalData(
            title=self.title.data or "", pool_id=self.pool_id.data, category_id=self.category_id.data, summary=self.summary.data or "",
            description=self.description.data or "", location=self.location.data or "", latitude=self.latitude.data,
            longitude=self.longitude.data, accessibility=self.accessibility.data or "", estimated_cost=self.estimated_cost.data, cost_items=items,
        )


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), description=_l("Photos (JPEG, PNG, WebP) or PDF documents, up to 10 MB each."))
    submit = SubmitField(_l("Attach"))


class PaperSupportersForm(FlaskForm):
    count = IntegerField(_l("Signatures on the paper list"), validators=[InputRequired(message=_l("Enter a number."))])
    scan = FileField(_l("Scan of the signed list"), description=_l("PDF or photos; seen only by you and the reviewing officials."))
    submit = SubmitField(_l("Save the list"))


class CoAuthorForm(FlaskForm):
    email = EmailField(_l("Co-author's e-mail address"), validators=[DataRequired(message=_l("Enter the e-mail address.")), Email(message=_l("Enter a valid e-mail address."))],
                       description=_l("They need an account; they can then edit the proposal with you."))
    submit = SubmitField(_l("Add co-author"))


class AppealForm(FlaskForm):
    grounds = TextAreaField(_l("Why the decision should change"), render_kw={"rows": 6},
                            description=_l("Published with the panel's decision."))
    document = FileField(_l("A document supporting the appeal (optional)"),
                         description=_l("PDF or a photo, up to 10 MB, e.g. a land register extract; seen only by you and the officials."))
    submit = SubmitField(_l("Lodge the appeal"))


DECISION_CHOICES = [
    SelectChoice(Decision.ADMIT, _l("Admit")),
    SelectChoice(Decision.RETURN, _l("Return for correction")),
    SelectChoice(Decision.REJECT, _l("Reject")),
]


class FormalReviewForm(FlaskForm):
    checklist = CheckboxesField(_l("Checklist"), choices=labelled_choices(FORMAL_CHECKLIST.items()))
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES, validators=[InputRequired(message=_l("Choose a decision."))])
    justification = TextAreaField(_l("Justification"), render_kw={"rows": 5}, description=_l("Public: the author and residents read it."))
    submit = SubmitField(_l("Record the decision"))


class MeritReviewForm(FormalReviewForm):
    checklist = CheckboxesField(_l("Checklist"), choices=labelled_choices(MERIT_CHECKLIST.items()))
    corrected_cost = MoneyField(_l("Corrected cost (zł)"), description=_l("Only if the cost check found a different amount."))


class AppealDecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision on the appeal"), choices=[SelectChoice("upheld", _l("Admit the appeal")), SelectChoice("dismissed", _l("Dismiss the appeal"))],
                         validators=[InputRequired(message=_l("Choose a decision."))])
    justification = TextAreaField(_l("Justification"), render_kw={"rows": 5}, description=_l("Public: the author and residents read it."))
    submit = SubmitField(_l("Record the decision"))


class AssignForm(FlaskForm):
    evaluator_id = SelectField(_l("Evaluator"), coerce=lambda v: int(v) if v else None)
    submit = SubmitField(_l("Assign"))
