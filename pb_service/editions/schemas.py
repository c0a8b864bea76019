"""Public API representation of editions (no drafts of editions, no voter key)."""
from marshmallow import Schema, fields


class PhaseSchema(Schema):
    phase = fields.Function(lambda window: window.phase.value, metadata={"description": "submission, formal_review, merit_review, appeals, voting, results or implementation"})
    starts_at = fields.DateTime(metadata={"description": "UTC, ISO 8601"})
    ends_at = fields.DateTime(metadata={"description": "UTC, ISO 8601"})


class LevelSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.Function(lambda level: level.kind.value, metadata={"description": "city, district or thematic"})
    method = fields.Function(lambda level: level.method.value, metadata={"description": "approval, points, cumulative or knapsack"})
    min_choices = fields.Integer()
    max_choices = fields.Integer(allow_none=True)
    points = fields.List(fields.Integer(), metadata={"description": "Points by rank (points method)"})
    total_points = fields.Integer(allow_none=True, metadata={"description": "Points to spread (cumulative method)"})
    must_use_all = fields.Boolean()
    budget_formula = fields.Dict(allow_none=True, metadata={"description": "District split: total (grosze) and equal/population/area percentages"})


class PoolSchema(Schema):
    id = fields.Integer()
    level_id = fields.Integer()
    name = fields.String()
    kind = fields.Function(lambda pool: pool.kind.value, metadata={"description": "city, district or thematic"})
    budget = fields.Integer(metadata={"description": "In grosze"})
    population = fields.Integer(allow_none=True)
    area_km2 = fields.Function(lambda pool: str(pool.area_km2) if pool.area_km2 is not None else None)
    min_project_cost = fields.Integer(allow_none=True, metadata={"description": "In grosze"})
    max_project_cost = fields.Function(lambda pool: pool.max_cost, metadata={"description": "Effective cap in grosze"})
    required_supporters = fields.Integer()
    min_votes = fields.Integer()


class CategorySchema(Schema):
    id = fields.Integer()
    name = fields.String()


class EditionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    year = fields.Integer()
    phase = fields.Function(lambda edition: edition.phase.value, metadata={"description": "The current phase, or announced / closed"})
    phases = fields.List(fields.Nested(PhaseSchema))
    levels = fields.List(fields.Nested(LevelSchema))
    pools = fields.List(fields.Nested(PoolSchema))
    categories = fields.List(fields.Nested(CategorySchema))
    outcome_rule = fields.String()
    tie_break = fields.String()
    identification = fields.Function(lambda edition: edition.identification.value)
    ballot_order = fields.Function(lambda edition: edition.ballot_order.value)
    leftover_policy = fields.Function(lambda edition: edition.leftover_policy.value)
    protest_days = fields.Integer(metadata={"description": "Days from the end of voting to protest against the vote or the count"})
    protests_close_at = fields.DateTime(metadata={"description": "End of the protest window (UTC, ISO 8601)"})
    total_budget = fields.Integer(metadata={"description": "In grosze"})
