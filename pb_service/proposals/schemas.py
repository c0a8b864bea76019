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
