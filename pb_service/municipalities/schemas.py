"""Public API representation of a municipality (no officials, no personal data)."""
from marshmallow import Schema, fields


class MunicipalitySchema(Schema):
    slug = fields.String(metadata={"description": "URL prefix of the municipality's pages"})
    name = fields.String()
    teryt = fields.String(metadata={"description": "Seven-digit TERYT (TERC) code"})
    voivodeship = fields.Function(lambda m: m.voivodeship.label, metadata={"description": "Voivodeship name"})
    voivodeship_code = fields.Function(lambda m: m.voivodeship.value)
    kind = fields.Function(
        lambda m: m.kind.value,
        metadata={"description": "city_with_powiat_rights, urban, urban_rural or rural"},
    )
    population = fields.Integer()
    default_locale = fields.String()
    website = fields.String()
    contact_email = fields.String()
    accessibility_coordinator_email = fields.String()
