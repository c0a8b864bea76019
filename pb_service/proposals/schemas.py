"""Public API representation of proposals (no drafts, no authors' contact data)."""
from marshmallow import Schema, fields


class ProjectSchema(Schema):
    id = fields.Integer()
    number = fields.Integer(allow_none=True, metadata={"description": "Number within the edition"})
    title = fields.String()
    summary = fields.String()
    pool_id = fields.Integer()
    category = fields.Function(lambda p: p.category.name if p.category else None)
    category_id = fields.Integer(allow_none=True)
    cost = fields.Integer(metadata={"description": "In grosze: the reviewed cost if there is one"})
    status = fields.Function(lambda p: p.status.value)
    location = fields.String()
    latitude = fields.Function(lambda p: float(p.latitude) if p.latitude is not None else None)
    longitude = fields.Function(lambda p: float(p.longitude) if p.longitude is not None else None)


class ReviewItemSchema(Schema):
    """A proposal in the review queue, for officials' integrations (no authors' personal data)."""

    id = fields.Integer()
    number = fields.Integer(allow_none=True)
    title = fields.String()
    status = fields.Function(lambda p: p.status.value)
    pool_id = fields.Integer()
    category_id = fields.Integer(allow_none=True)
    estimated_cost = fields.Integer(metadata={"description": "The author's estimate, in grosze"})
    corrected_cost = fields.Integer(allow_none=True, metadata={"description": "After merit review, in grosze"})
    supporter_count = fields.Integer(metadata={"description": "Online and paper supporters"})
    evaluator_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    deadline = fields.DateTime(allow_none=True)
