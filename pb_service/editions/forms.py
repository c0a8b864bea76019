"""Officials' forms for editions, levels, pools, categories and settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from pb_service.core.forms import WarsawDateTimeField, enum_choices
from pb_service.core.money import MoneyField
from pb_service.editions.models import (
    DATED_PHASES, DEFAULT_MIXING_BATCH, PHASE_START_COLUMNS, SMALLEST_MIXING_BATCH, BallotOrder, Identification, LeftoverPolicy,
    LevelKind, Verification,
)
from pb_service.editions.rule_choices import OFFERED_RULES, OUTCOME_RULE_LABELS, TIE_BREAK_LABELS, TIE_BREAKS, VotingMethod
from pb_service.editions.services import EditionData, LevelData, PoolData, SettingsData

REQUIRED_NUMBER = InputRequired(message=_l("Enter a number."))
DATE_HINT = _l("Europe/Warsaw time.")


class EditionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the edition's name."))],
                       description=_l("As residents know it, e.g. Budżet Obywatelski 2027."))
    year = IntegerField(_l("Budget year"), validators=[REQUIRED_NUMBER])
    resolution = StringField(_l("Council resolution"), description=_l("The resolution that sets the rules, e.g. Uchwała nr XII/123/2026."))
    description = TextAreaField(_l("Introduction for residents"), description=_l("Markdown: **bold**, lists with -, links as [text](https://...)."), render_kw={"rows": 6})
    submission_starts_at = WarsawDateTimeField(_l("Submission of proposals starts"), description=DATE_HINT)
    formal_review_starts_at = WarsawDateTimeField(_l("Formal review starts (submission ends)"), description=DATE_HINT)
    merit_review_starts_at = WarsawDateTimeField(_l("Merit review starts"), description=DATE_HINT)
    appeals_starts_at = WarsawDateTimeField(_l("Appeals phase starts"), description=DATE_HINT)
    voting_starts_at = WarsawDateTimeField(_l("Voting starts"), description=DATE_HINT)
    results_starts_at = WarsawDateTimeField(_l("Results are announced (voting ends)"), description=DATE_HINT)
    implementation_starts_at = WarsawDateTimeField(_l("Implementation starts"), description=DATE_HINT)
    closes_at = WarsawDateTimeField(_l("Edition closes"), description=DATE_HINT)
    appeal_days = IntegerField(_l("Days to appeal a rejection"), default=7, validators=[REQUIRED_NUMBER])
    correction_days = IntegerField(_l("Days to correct a returned proposal"), default=7, validators=[REQUIRED_NUMBER])
    protest_days = IntegerField(
        _l("Days to protest against the vote or the count"), default=7, validators=[REQUIRED_NUMBER],
        description=_l("Counted from the end of voting. The final results are published after this time."),
    )
    submit = SubmitField(_l("Save"))

    def to_data(self) -> EditionData:
        return EditionData(
            name=self.name.data, year=self.year.data, description=self.description.data, resolution=self.resolution.data,
            starts={phase: getattr(self, PHASE_START_COLUMNS[phase]).data for phase in DATED_PHASES},
            closes_at=self.closes_at.data, appeal_days=self.appeal_days.data, correction_days=self.correction_days.data,
            protest_days=self.protest_days.data,
        )


class CopyEditionForm(FlaskForm):
    name = StringField(_l("Name of the new edition"), validators=[DataRequired(message=_l("Enter the edition's name."))])
    year = IntegerField(_l("Budget year"), validators=[REQUIRED_NUMBER])
    submit = SubmitField(_l("Copy the edition"))


class AdvancePhaseForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), description=_l("Published on the edition's timeline and kept in the audit log."), render_kw={"rows": 3})
    submit = SubmitField(_l("Move to the next phase now"))


class SettingsForm(FlaskForm):
    identification = SelectField(_l("How voters identify themselves"), choices=enum_choices(Identification), coerce=Identification)
    verification = SelectField(_l("One-time code before the ballot is accepted"), choices=enum_choices(Verification), coerce=Verification)
    identities_per_phone = IntegerField(
        _l("People who may vote with codes sent to one phone number"), default=5,
        validators=[NumberRange(min=1, message=_l("Allow at least one person per phone number."))],
        description=_l("A family may share a phone; Wrocław allows 5."),
    )
    voter_register_required = BooleanField(_l("Only people in the imported register of eligible voters may vote"))
    api_ballots_enabled = BooleanField(_l("Accept ballots through the JSON API"), default=True)
    paper_double_entry = BooleanField(_l("Paper ballots are entered twice, blind, by two clerks"))
    mixing_batch_size = IntegerField(
        _l("Ballots mixed together"), default=DEFAULT_MIXING_BATCH,
        validators=[NumberRange(min=SMALLEST_MIXING_BATCH, message=lazy_ngettext("Mix at least %(num)d ballot together.", "Mix at least %(num)d ballots together.", SMALLEST_MIXING_BATCH))],
        description=_l(
            "A ballot waits, sealed, until at least this many ballots of the same district and channel enter the ballot box "
            "together in random order, so that no one, not even whoever holds the database, can tell whose ballot is whose; "
            "the rest are mixed when voting closes. At least 10."
        ),
    )
    outcome_rule = SelectField(_l("Outcome rule"), choices=lambda: [SelectChoice(name, OUTCOME_RULE_LABELS[name]) for name in OFFERED_RULES],
                               description=_l("Rules based on equal shares and Phragmén's rule need approval ballots. "
                                              "Every rule applies each pool's fewest votes to win and never funds a project without votes."))
    tie_break = SelectField(_l("Tie-break"), choices=lambda: [SelectChoice(name, TIE_BREAK_LABELS[name]) for name in TIE_BREAKS])
    ballot_order = SelectField(_l("Order of projects on the ballot"), choices=enum_choices(BallotOrder), coerce=BallotOrder)
    leftover_policy = SelectField(_l("Leftover money"), choices=enum_choices(LeftoverPolicy), coerce=LeftoverPolicy)
    leftover_pool_id = SelectField(_l("Pool receiving leftover money"), coerce=lambda v: int(v) if v else None,
                                   description=_l("Only when leftover money moves to another pool."))
    submit = SubmitField(_l("Save settings"))

    def to_data(self) -> SettingsData:
        return SettingsData(
            identification=self.identification.data, outcome_rule=self.outcome_rule.data, tie_break=self.tie_break.data,
            ballot_order=self.ballot_order.data, leftover_policy=self.leftover_policy.data, leftover_pool_id=self.leftover_pool_id.data,
            verification=self.verification.data, identities_per_phone=self.identities_per_phone.data,
            voter_register_required=self.voter_register_required.data, api_ballots_enabled=self.api_ballots_enabled.data,
            paper_double_entry=self.paper_double_entry.data, mixing_batch_size=self.mixing_batch_size.data,
        )


def parse_points(text: str) -> list[int]:
    return [int(part) for part in text.replace(";", ",").replace("/", ",").split(",") if part.strip()]


class LevelForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the level's name."))], description=_l("E.g. City-wide projects, District projects."))
    kind = SelectField(_l("Kind"), choices=enum_choices(LevelKind), coerce=LevelKind)
    position = IntegerField(_l("Position on the ballot"), default=0, validators=[Optional()])
    method = SelectField(_l("Voting method"), choices=enum_choices(VotingMethod), coerce=VotingMethod)
    min_choices = IntegerField(_l("Fewest projects to choose"), default=1, validators=[REQUIRED_NUMBER])
    max_choices = IntegerField(_l("Most projects to choose"), validators=[Optional()], description=_l("Leave empty for no limit."))
    points = StringField(_l("Points by rank"), description=_l("For points: from the first choice down, e.g. 3, 2, 1."))
    total_points = IntegerField(_l("Points to spread"), validators=[Optional()], description=_l("For cumulative points, e.g. 5."))
    must_use_all = BooleanField(_l("A ballot must use all its points"))
    submit = SubmitField(_l("Save level"))

    def validate_points(self, field):
        try:
            parse_points(field.data or "")
        except ValueError as error:
            raise ValueError(str(_l("Enter whole numbers separated by commas, e.g. 3, 2, 1."))) from error

    def to_data(self) -> LevelData:
        return LevelData(
            name=self.name.data, kind=self.kind.data, method=self.method.data, position=self.position.data or 0,
            min_choices=self.min_choices.data, max_choices=self.max_choices.data, points=parse_points(self.points.data or ""),
            total_points=self.total_points.data, must_use_all=self.must_use_all.data,
        )


class PoolForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the pool's name."))], description=_l("E.g. Ogólnomiejski, Wrzeszcz Górny, Zielony budżet."))
    level_id = SelectField(_l("Ballot level"), coerce=int)
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])
    budget = MoneyField(_l("Budget (zł)"), description=_l("E.g. 2 500 000,00"))
    population = IntegerField(_l("Residents"), validators=[Optional()], description=_l("Needed for district pools and budget formulas."))
    area_km2 = DecimalField(_l("Area (km²)"), places=2, validators=[Optional()])
    min_project_cost = MoneyField(_l("Lowest project cost (zł)"), description=_l("Leave empty for no limit."))
    max_project_cost = MoneyField(_l("Highest project cost (zł)"), description=_l("Leave empty for no limit."))
    max_project_cost_percent = IntegerField(_l("Highest project cost (percentage of the budget)"), validators=[Optional()],
                                            description=_l("E.g. 80, 50 or 20 as in Warsaw; the lower of the two caps applies."))
    required_supporters = IntegerField(_l("Supporters required"), default=0, validators=[REQUIRED_NUMBER],
                                       description=_l("By the act, at most 0.1 per cent of the pool's residents."))
    min_votes = IntegerField(
        _l("Fewest votes to win"), default=0, validators=[REQUIRED_NUMBER],
        description=_l("Voters who chose the project (not points). A project with fewer is not funded, whatever the outcome rule; "
                       "a project without votes never is."),
    )
    submit = SubmitField(_l("Save pool"))

    def to_data(self) -> PoolData:
        return PoolData(**{name: getattr(self, name).data for name in PoolData.__dataclass_fields__})


class BudgetFormulaForm(FlaskForm):
    total = MoneyField(_l("Amount to split (zł)"))
    equal_share = IntegerField(_l("Equal part (%)"), default=50, validators=[REQUIRED_NUMBER, NumberRange(min=0, max=100)])
    population_share = IntegerField(_l("By population (%)"), default=30, validators=[REQUIRED_NUMBER, NumberRange(min=0, max=100)])
    area_share = IntegerField(_l("By area (%)"), default=20, validators=[REQUIRED_NUMBER, NumberRange(min=0, max=100)])
    submit = SubmitField(_l("Compute the district budgets"))


class CategoryForm(FlaskForm):
    name = StringField(_l("New category"), validators=[DataRequired(message=_l("Enter the category's name."))])
    submit = SubmitField(_l("Add category"))
