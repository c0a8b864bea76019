"""Hub forms. Times are entered in Europe/Warsaw time and stored in UTC."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pb_service.core.forms import enum_choices, labelled_choices
from pb_service.core.i18n import LANGUAGE_NAMES
from pb_service.core.models import as_utc
from pb_service.hub.models import (
    Audience,
    EventKind,
    MaterialKind,
    PilotStatus,
    PracticeKind,
    Topic,
    Visibility,
)
from pb_service.hub.services.content import TranslationData
from pb_service.hub.services.events import EventData
from pb_service.hub.services.experts import ExpertData, QuestionData
from pb_service.hub.services.materials import MaterialData
from pb_service.hub.services.practices import PracticeData

WARSAW = ZoneInfo("Europe/Warsaw")
MARKDOWN_HINT = _l("Markdown: **bold**, *italic*, lists with - or 1., links as [text](https://...), tables. HTML is not allowed.")


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TranslationFields(FlaskForm):
    """One language version; "Preview" shows the rendered text without saving."""

    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter a title.")), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=500)],
                            description=_l("One or two sentences shown in lists and in the feed."))
    body = TextAreaField(_l("Text"), description=MARKDOWN_HINT, render_kw={"rows": 16})
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    def translation_data(self, language: str) -> TranslationData:
        # Subclasses may drop the summary (course parts) or add a history note (materials).
        summary, note = getattr(self, "summary", None), getattr(self, "note", None)
        return TranslationData(
            language, self.title.data or "", (summary.data if summary else "") or "", self.body.data or "",
            (note.data if note else "") or "",
        )


class PartForm(TranslationFields):
    """A course module or lesson in one language."""

    summary = None


class MaterialForm(TranslationFields):
    kind = SelectField(_l("Kind"), choices=enum_choices(MaterialKind), coerce=MaterialKind)
    visibility = SelectField(_l("Who may see it"), choices=enum_choices(Visibility), coerce=Visibility,
                             description=_l("Officials-only materials are hidden from residents and visitors everywhere: pages, search, API and feed."))
    topics = MultiCheckboxField(_l("Topics"), choices=enum_choices(Topic))
    audiences = MultiCheckboxField(_l("Audience"), choices=enum_choices(Audience))
    video_url = URLField(_l("Video address"), validators=[Optional(), Length(max=500)],
                         description=_l("For videos: the address of the recording, e.g. on the programme's channel."))
    original_language = SelectField(_l("Original language"), choices=labelled_choices(LANGUAGE_NAMES.items()),
                                    description=_l("Readers whose language is missing see this version, with a notice."))
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=300)],
                       description=_l("Kept in the version history, e.g. \"updated for the 2026 rules\"."))

    def material_data(self) -> MaterialData:
        return MaterialData(
            kind=self.kind.data, visibility=self.visibility.data,
            topics=[Topic(value) for value in self.topics.data or []],
            audiences=[Audience(value) for value in self.audiences.data or []],
            video_url=(self.video_url.data or "").strip(), original_language=self.original_language.data,
        )


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), description=_l("PDF, DOCX or XLSX, up to 20 MB. The type is checked from the content."))
    language = SelectField(_l("Language of the file"), choices=[SelectChoice("", _l("Any language"))] + labelled_choices(LANGUAGE_NAMES.items()))
    submit = SubmitField(_l("Upload"))


class EventForm(TranslationFields):
    kind = SelectField(_l("Kind"), choices=enum_choices(EventKind), coerce=EventKind)
    visibility = SelectField(_l("Who may see it"), choices=enum_choices(Visibility), coerce=Visibility)
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(message=_l("Enter the start date and time."))],
                                   description=_l("Polish time."))
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M",
                                 validators=[DataRequired(message=_l("Enter the end date and time."))])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)], description=_l("The venue's address; empty for online events."))
    online_url = URLField(_l("Link to join online"), validators=[Optional(), Length(max=500)])
    capacity = IntegerField(_l("Places"), validators=[Optional(), NumberRange(min=1, message=_l("Capacity must be at least 1, or empty for no limit."))],
                            description=_l("Empty: no limit. When the places are taken, people join a waiting list."))
    original_language = SelectField(_l("Original language"), choices=labelled_choices(LANGUAGE_NAMES.items()))

    def fill_times(self, event) -> None:
        self.starts_at.data = as_utc(event.starts_at).astimezone(WARSAW).replace(tzinfo=None)
        self.ends_at.data = as_utc(event.ends_at).astimezone(WARSAW).replace(tzinfo=None)

    def event_data(self) -> EventData:
        def utc(local):
            return local.replace(tzinfo=WARSAW).astimezone(timezone.utc)

        return EventData(
            kind=self.kind.data, visibility=self.visibility.data, starts_at=utc(self.starts_at.data),
            ends_at=utc(self.ends_at.data), place=self.place.data or "", online_url=self.online_url.data or "",
            capacity=self.capacity.data, original_language=self.original_language.data,
        )


class AttachMaterialForm(FlaskForm):
    material = SelectField(_l("Material"), coerce=int)
    submit = SubmitField(_l("Attach"))


class PracticeForm(TranslationFields):
    kind = SelectField(_l("Kind"), choices=enum_choices(PracticeKind), coerce=PracticeKind)
    pilot_status = SelectField(_l("Stage of the pilot project"), choices=lambda: [SelectChoice("", _l("Not a pilot project"))] + enum_choices(PilotStatus)(),
                               coerce=lambda value: PilotStatus(value) if value else None, validate_choice=False)
    #: Choices: the municipality's editions with published results (set by the view).
    edition_id = SelectField(_l("Edition"), coerce=_optional_int, validate_choice=False,
                             description=_l("Optional: the edition the story comes from, among the municipality's editions with published results; "
                                            "its indicators are shown beside the story."))

    def set_editions(self, municipality, editions) -> None:
        """Offer ``editions`` by municipality and edition name (the service checks the choice)."""
        self.edition_id.choices = [SelectChoice("", _l("Not linked to an edition"))] + [SelectChoice(str(e.id), f"{municipality.name}: {e.name}") for e in editions]

    def practice_data(self) -> PracticeData:
        return PracticeData(kind=self.kind.data, pilot_status=self.pilot_status.data, edition_id=self.edition_id.data)


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("Note to the municipality"), validators=[Optional(), Length(max=1000)])
    publish = SubmitField(_l("Publish"))
    reject = SubmitField(_l("Reject"))


class ExpertForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the expert's name.")), Length(max=200)])
    bio = TextAreaField(_l("About the expert"), validators=[Optional(), Length(max=4000)])
    topics = MultiCheckboxField(_l("Topics"), choices=enum_choices(Topic))
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
                       description=_l("Assigned questions are sent here."))
    account_email = EmailField(_l("Account in the service"), validators=[Optional(), Length(max=254)],
                               description=_l("Optional: the e-mail of the expert's account; they then answer in the service."))
    active = BooleanField(_l("Takes questions"), default=True)
    submit = SubmitField(_l("Save"))

    def expert_data(self) -> ExpertData:
        return ExpertData(
            name=self.name.data or "", bio=self.bio.data or "", topics=[Topic(v) for v in self.topics.data or []],
            email=self.email.data or "", account_email=self.account_email.data or "", active=self.active.data,
        )


class QuestionForm(FlaskForm):
    topic = SelectField(_l("Topic"), choices=enum_choices(Topic), coerce=Topic)
    subject = StringField(_l("Subject"), validators=[DataRequired(message=_l("Enter a short subject.")), Length(max=200)])
    body = TextAreaField(_l("Your question and its context"), validators=[DataRequired(message=_l("Describe the question and its context in a few sentences."))],
                         description=_l("What you are deciding, what the rules of your edition say, what you have tried."), render_kw={"rows": 10})
    #: Choices: the municipality's editions (set by the view); the service checks the choice.
    edition_id = SelectField(_l("Edition"), coerce=_optional_int, validate_choice=False)
    consent_to_publish = BooleanField(_l("The question and answer may be published for other municipalities, without my name"))
    submit = SubmitField(_l("Send the question"))

    def set_editions(self, editions) -> None:
        self.edition_id.choices = [SelectChoice("", _l("Not about one edition"))] + [SelectChoice(str(e.id), e.name) for e in editions]

    def question_data(self, language: str) -> QuestionData:
        return QuestionData(topic=self.topic.data, subject=self.subject.data or "", body=self.body.data or "", language=language,
                            edition_id=self.edition_id.data, consent_to_publish=self.consent_to_publish.data)


class AssignForm(FlaskForm):
    expert = SelectField(_l("Expert"), coerce=int)
    submit = SubmitField(_l("Assign"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), description=MARKDOWN_HINT, render_kw={"rows": 12})
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Send the answer"))


class PublishAnswerForm(FlaskForm):
    visibility = SelectField(_l("Who may see it"), choices=enum_choices(Visibility), coerce=Visibility)
    submit = SubmitField(_l("Publish as a Q&A"))
