"""Forms of the results pages: a protest, the panel's decision, checking a receipt."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired


class ProtestForm(FlaskForm):
    pool_id = SelectField(_l("Pool concerned"), coerce=lambda v: int(v) if v else None,
                          description=_l("Leave empty if the protest concerns the whole vote."))
    grounds = TextAreaField(
        _l("What was wrong with the vote or the count"), render_kw={"rows": 8},
        description=_l("Describe what happened, where and when. Published with the panel's decision, without your name."),
    )
    submit = SubmitField(_l("Lodge the protest"))


class ProtestDecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision on the protest"), choices=[SelectChoice("upheld", _l("Uphold the protest")), SelectChoice("dismissed", _l("Dismiss the protest"))],
                         validators=[InputRequired(message=_l("Choose a decision."))])
    justification = TextAreaField(_l("Justification"), render_kw={"rows": 5}, description=_l("Public: the author and residents read it."))
    submit = SubmitField(_l("Record the decision"))


class ReceiptForm(FlaskForm):
    receipt = StringField(
        _l("Receipt code"), validators=[InputRequired(message=_l("Enter the code from your receipt."))],
        description=_l("As printed or e-mailed, e.g. ABCD-EFGH-JKLM-NPQR. Spaces, dashes and letter case do not matter."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Check"))
