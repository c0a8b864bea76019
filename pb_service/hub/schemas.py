"""Public API representations of hub items: published, public items only, in one language."""
from marshmallow import Schema, fields, validate

from pb_service.core.pagination import MAX_PAGE
from pb_service.hub.models import CONTENT_LANGUAGES, Audience, EventKind, MaterialKind, PracticeKind, Topic


class LanguageArgs(Schema):
    lang = fields.String(load_default="pl", validate=validate.OneOf(CONTENT_LANGUAGES),
                         metadata={"description": "Language of the texts; items missing it come in their original language"})


class MaterialQueryArgs(LanguageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200), metadata={"description": "Full-text search"})
    kind = fields.String(validate=validate.OneOf([k.value for k in MaterialKind]))
    topic = fields.String(validate=validate.OneOf([t.value for t in Topic]))
    audience = fields.String(validate=validate.OneOf([a.value for a in Audience]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class TranslatedSchema(Schema):
    id = fields.Integer()
    language = fields.String(metadata={"description": "Language of title and text"})
    is_fallback = fields.Boolean(metadata={"description": "True when the requested language is missing"})
    languages = fields.List(fields.String(), metadata={"description": "Languages the item is written in"})
    title = fields.String()
    summary = fields.String()
    url = fields.String(metadata={"description": "The item's page"})


class AttachmentSchema(Schema):
    name = fields.String()
    kind = fields.String(metadata={"description": "pdf, docx or xlsx"})
    language = fields.String(metadata={"description": "Empty when the file serves every language"})
    size = fields.Integer()
    url = fields.String()


class MaterialSchema(TranslatedSchema):
    kind = fields.String(validate=validate.OneOf([k.value for k in MaterialKind]))
    topics = fields.List(fields.String())
    audiences = fields.List(fields.String())
    published_at = fields.DateTime()
    video_url = fields.String()


class MaterialDetailSchema(MaterialSchema):
    body = fields.String(metadata={"description": "Markdown"})
    attachments = fields.List(fields.Nested(AttachmentSchema))


class MaterialPageSchema(Schema):
    engine = fields.String(allow_none=True, metadata={"description": "The full-text search engine that answered"})
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    items = fields.List(fields.Nested(MaterialSchema))


class EventSchema(TranslatedSchema):
    kind = fields.String(validate=validate.OneOf([k.value for k in EventKind]))
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place = fields.String()
    online = fields.Boolean()
    capacity = fields.Integer(allow_none=True)
    places_left = fields.Integer(allow_none=True)
    ical_url = fields.String()


class PracticeSchema(TranslatedSchema):
    kind = fields.String(validate=validate.OneOf([k.value for k in PracticeKind]))
    pilot_status = fields.String(allow_none=True)
    municipality = fields.String(metadata={"description": "The municipality's slug"})
    edition_id = fields.Integer(allow_none=True)
    published_at = fields.DateTime()
