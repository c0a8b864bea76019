"""The ballot API's input and output."""
from marshmallow import Schema, fields, validate


class VerificationSchema(Schema):
    code = fields.String(load_default="", metadata={"description": "The one-time code, when the edition sends one"})


class BallotRequestSchema(Schema):
    identity = fields.Dict(keys=fields.String(), required=True, metadata={"description": "The fields `GET .../identification` lists"})
    districts = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": '{"<level id>": "<pool id>"} for district levels'})
    choices = fields.Dict(
        keys=fields.String(), required=True,
        metadata={"description": '{"<pool id>": ["<project id>", ...]} or {"<pool id>": {"<project id>": points}}'},
    )
    verification = fields.Nested(VerificationSchema, load_default=dict)
    receipt_email = fields.String(
        load_default="", validate=validate.Regexp(r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"),
        metadata={"description": "Where to mail the receipt (optional)"},
    )


class ReceiptSchema(Schema):
    receipt = fields.String(metadata={"description": "Keep it: it shows that your ballot is in the count"})


class CodeRequestSchema(Schema):
    identity = fields.Dict(keys=fields.String(), required=True)


class FieldSchema(Schema):
    name = fields.String()
    label = fields.Function(lambda field: str(field.label))
    kind = fields.String(metadata={"description": "text, checkbox, email or tel"})
    required = fields.Boolean()
    max_length = fields.Integer()


class LevelSpecSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.Function(lambda level: level.kind.value)
    method = fields.Function(lambda level: level.spec.method)
    min_choices = fields.Function(lambda level: level.spec.min_choices)
    max_choices = fields.Function(lambda level: level.spec.max_choices)
    points = fields.Function(lambda level: list(level.spec.points))
    total_points = fields.Function(lambda level: level.spec.total_points)
    must_use_all = fields.Function(lambda level: level.spec.must_use_all)
    pools = fields.Function(lambda level: [
        {"id": pool.id, "name": pool.name, "budget": pool.budget, "projects": [project.id for project in pool.projects]}
        for pool in level.pools
    ])


class IdentificationSchema(Schema):
    method = fields.String(metadata={"description": "name_address, pesel or pesel_last4"})
    verification = fields.String(metadata={"description": "none, email_code or sms_code"})
    fields_ = fields.List(fields.Nested(FieldSchema), data_key="fields")
    levels = fields.List(fields.Nested(LevelSpecSchema))
    api_ballots_enabled = fields.Boolean()
