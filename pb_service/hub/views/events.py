"""Events: the calendar, registration and its waiting list; staff run events and attendance."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pb_service.core.forms import run_action, save_form
from pb_service.core.i18n import current_language
from pb_service.core.models import utcnow
from pb_service.core.permissions import personal, public, requires
from pb_service.extensions import db
from pb_service.hub.services.content import title_in
from pb_service.hub.services import events as services
from pb_service.hub.services.materials import all_materials
from pb_service.hub.feeds import CalendarEntry, icalendar
from pb_service.hub.forms import (
    AttachMaterialForm,
    EventForm,
)
from pb_service.hub.models import (
    Event,
    EventRegistration,
    Material,
    RegistrationStatus,
)
from pb_service.hub.permissions import MANAGE_HUB, can_see_hub_item, manages_hub

from pb_service.hub.views.pages import language_arg, visible_or_404, translated_editor, toggle_publication

hub_events = Blueprint("hub_events", __name__)


@hub_events.get("/hub/events")
@public
def events():
    return render_template(
        "hub/events.html", upcoming=services.upcoming_events(current_user), past=services.past_events(current_user),
        language=current_language(),
    )


@hub_events.get("/hub/events/<int:event_id>")
@public
def event(event_id: int):
    item = visible_or_404(Event, event_id)
    language = current_language()
    translation, is_fallback = item.translation_for(language)
    registration = services.registration_of(current_user, item)
    return render_template(
        "hub/event.html", event=item, translation=translation, is_fallback=is_fallback, language=language,
        registration=registration if registration and registration.status is not RegistrationStatus.CANCELLED else None,
        position=services.waiting_position(registration) if registration else None,
        materials=[link.material for link in item.material_links if can_see_hub_item(current_user, link.material)],
        can_manage=manages_hub(current_user), now=utcnow(),
    )


@hub_events.get("/hub/events/<int:event_id>.ics")
@public
def event_ics(event_id: int):
    item = visible_or_404(Event, event_id)
    translation, _fallback = item.translation_for(current_language())
    link = services.event_link(item)
    host = current_app.config["PUBLIC_BASE_URL"].split("://", 1)[-1].split("/", 1)[0]
    entry = CalendarEntry(
        uid=f"hub-event-{item.id}@{host}", starts_at=item.starts_at, ends_at=item.ends_at, title=translation.title,
        description=f"{translation.summary}\n\n{link}".strip(), location=item.place or item.online_url, url=link,
        stamp=item.updated_at,
    )
    response = Response(icalendar(entry), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{item.id}.ics"'
    return response


@hub_events.post("/hub/events/<int:event_id>/register")
@personal
def register(event_id: int):
    item = visible_or_404(Event, event_id)

    def outcome(registration) -> str:
        if registration.status is RegistrationStatus.CONFIRMED:
            return _("You are registered. A confirmation is on its way to %(email)s.", email=current_user.email)
        return _("All places are taken, so you are on the waiting list (number %(position)d). We will write if a place frees up.",
                 position=services.waiting_position(registration))

    return run_action(
        lambda: services.register_for_event(item, actor=current_user), success=outcome,
        next_url=url_for("hub_events.event", event_id=event_id),
    )


@hub_events.post("/hub/events/<int:event_id>/cancel")
@personal
def cancel(event_id: int):
    item = visible_or_404(Event, event_id)
    registration = services.registration_of(current_user, item)
    if registration is None:
        abort(404)
    return run_action(
        lambda: services.cancel_registration(registration, actor=current_user), success=_("Your registration is cancelled."),
        next_url=url_for("hub_events.event", event_id=event_id),
    )


def _event_form_page(item: Event | None):
    language = language_arg(item.original_language if item else current_language())
    form = EventForm(obj=item)
    if request.method == "GET":
        translation = item.translation(language) if item else None
        if translation is not None:
            form.title.data, form.summary.data, form.body.data = translation.title, translation.summary, translation.body
        if item is not None:
            form.fill_times(item)
    return translated_editor(
        form, item, language, "event",
        create=lambda version: services.create_event(form.event_data(), version, actor=current_user),
        update=lambda version: services.update_event(item, form.event_data(), version, actor=current_user),
    )


@hub_events.route("/hub/manage/events/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_event():
    return _event_form_page(None)


@hub_events.route("/hub/manage/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_event(event_id: int):
    return _event_form_page(db.get_or_404(Event, event_id))


@hub_events.route("/hub/manage/events/<int:event_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def manage_event(event_id: int):
    """Registrations, attendance and materials attached afterwards."""
    item = db.get_or_404(Event, event_id)
    attach = AttachMaterialForm()
    attach.material.choices = [SelectChoice(m.id, title_in(m, current_language())) for m in all_materials()]
    response = save_form(
        attach, lambda: services.attach_material_to_event(item, db.get_or_404(Material, attach.material.data), actor=current_user),
        success=_("The material is attached to the event."), next_url=url_for("hub_events.manage_event", event_id=item.id),
    )
    return response or render_template("hub/manage/event.html", event=item, attach=attach, language=current_language(), now=utcnow())


@hub_events.post("/hub/manage/events/<int:event_id>/publish")
@requires(MANAGE_HUB)
def publish_event(event_id: int):
    item = db.get_or_404(Event, event_id)
    return toggle_publication(
        item, services.publish_event, services.unpublish_event, _("The event is published."),
        _("The event is withdrawn; only staff see it now."), url_for("hub_events.manage_event", event_id=item.id),
    )


@hub_events.post("/hub/manage/events/<int:event_id>/attendance")
@requires(MANAGE_HUB)
def attendance(event_id: int):
    item = db.get_or_404(Event, event_id)
    present = {int(value) for value in request.form.getlist("present") if value.isdigit()}
    return run_action(
        lambda: services.record_attendance(item, present, actor=current_user), success=_("Attendance is saved."),
        next_url=url_for("hub_events.manage_event", event_id=item.id),
    )


@hub_events.post("/hub/manage/registrations/<int:registration_id>/cancel")
@requires(MANAGE_HUB)
def cancel_registration(registration_id: int):
    registration = db.get_or_404(EventRegistration, registration_id)
    return run_action(
        lambda: services.cancel_registration(registration, actor=current_user), success=_("The registration is cancelled."),
        next_url=url_for("hub_events.manage_event", event_id=registration.event_id),
    )
