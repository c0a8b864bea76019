"""Hub pages: public (``/hub``), the signed-in person's own (``/hub/my``, registrations, lesson
progress), officials' contributions (``/<municipality>/office/hub``) and staff (``/hub/manage``).

Anything a viewer may not see answers 404, as if it did not exist.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pb_service.core.forms import ConfirmForm
from pb_service.core.i18n import current_language
from pb_service.core.markdown import render_markdown
from pb_service.core.models import utcnow
from pb_service.core.permissions import personal, public, requires
from pb_service.core.tenancy import get_for_tenant_or_404
from pb_service.core.uploads import mime_type, open_upload
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db
from pb_service.hub import services
from pb_service.hub.feeds import CalendarEntry, FeedEntry, atom_feed, icalendar
from pb_service.hub.forms import (
    AnswerForm,
    AssignForm,
    AttachMaterialForm,
    AttachmentForm,
    EventForm,
    ExpertForm,
    MaterialForm,
    PartForm,
    PracticeForm,
    PublishAnswerForm,
    QuestionForm,
    ReviewForm,
)
from pb_service.analytics.queries import COLUMNS_BY_KEY
from pb_service.hub.models import (
    CONTENT_LANGUAGES,
    MaterialFile,
    Audience,
    CourseLesson,
    CourseModule,
    Event,
    EventRegistration,
    Expert,
    ExpertQuestion,
    GoodPractice,
    Material,
    MaterialKind,
    PracticeStatus,
    RegistrationStatus,
    Topic,
)
from pb_service.hub.permissions import CONTRIBUTE_TO_HUB, MANAGE_HUB, can_see_hub_item, can_see_practice, manages_hub, may_answer
from pb_service.hub.search import MaterialFilters, engine_name, search_materials

hub = Blueprint("hub", __name__, url_prefix="/hub")
hub_manage = Blueprint("hub_manage", __name__, url_prefix="/hub/manage")
hub_office = Blueprint("hub_office", __name__, url_prefix="/<municipality>/office/hub")

FEED_SIZE = 30


def _enum_arg(enum_class, name: str):
    value = request.args.get(name) or ""
    return enum_class(value) if value in enum_class._value2member_map_ else None


def _language_arg(default: str) -> str:
    language = request.args.get("lang")
    return language if language in CONTENT_LANGUAGES else default


def _visible_or_404(model, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or not can_see_hub_item(current_user, item):
        abort(404)
    return item


def _show_errors(error: ServiceValidationError, form=None) -> None:
    db.session.rollback()
    if form is not None:
        error.apply_to_form(form)
        return
    for messages in error.errors.values():
        for message in messages:
            flash(message, "error")


def _preview(form) -> str | None:
    """Rendered Markdown when the "Preview" button was pressed (nothing is saved then)."""
    if request.method == "POST" and form.preview.data:
        return render_markdown(form.body.data)
    return None


# --- public pages ------------------------------------------------------------------------------


@hub.get("/")
@public
def index():
    language = current_language()
    latest = search_materials("", language, MaterialFilters(), current_user, per_page=6)
    return render_template(
        "hub/index.html", latest=latest.page.items, events=services.upcoming_events(current_user)[:3],
        practices=services.published_practices()[:3], language=language, topics=list(Topic),
    )


@hub.get("/materials")
@public
def materials():
    language = current_language()
    filters = MaterialFilters(_enum_arg(MaterialKind, "kind"), _enum_arg(Topic, "topic"), _enum_arg(Audience, "audience"))
    query = (request.args.get("q") or "").strip()[:200]
    results = search_materials(query, language, filters, current_user, request.args.get("page"))
    return render_template(
        "hub/materials.html", results=results, query=query, filters=filters, engine=engine_name(),
        kinds=list(MaterialKind), topics=list(Topic), audiences=list(Audience), language=language,
    )


@hub.get("/materials/<int:material_id>")
@public
def material(material_id: int):
    item = _visible_or_404(Material, material_id)
    language = current_language()
    translation, is_fallback = item.translation_for(language)
    done = services.completed_lesson_ids(current_user, item) if item.kind is MaterialKind.COURSE else set()
    return render_template(
        "hub/material.html", material=item, translation=translation, is_fallback=is_fallback, language=language,
        attachments=services.attachments_for(item, language), done=done, can_manage=manages_hub(current_user),
    )


def _lesson_or_404(material_id: int, lesson_id: int) -> CourseLesson:
    lesson = db.session.get(CourseLesson, lesson_id)
    if lesson is None or lesson.module.course_id != material_id:
        abort(404)
    _visible_or_404(Material, material_id)
    return lesson


@hub.get("/materials/<int:material_id>/lessons/<int:lesson_id>")
@public
def lesson(material_id: int, lesson_id: int):
    item = _lesson_or_404(material_id, lesson_id)
    course = item.module.course
    lessons = course.lessons
    index_in_course = lessons.index(item)
    language = current_language()
    translation, is_fallback = item.translation_for(language)
    return render_template(
        "hub/lesson.html", course=course, lesson=item, language=language, translation=translation,
        is_fallback=is_fallback, course_title=services.title_in(course, language),
        previous=lessons[index_in_course - 1] if index_in_course > 0 else None,
        next=lessons[index_in_course + 1] if index_in_course + 1 < len(lessons) else None,
        number=index_in_course + 1, done=services.completed_lesson_ids(current_user, course),
    )


@hub.post("/materials/<int:material_id>/lessons/<int:lesson_id>/done")
@personal
def lesson_done(material_id: int, lesson_id: int):
    item = _lesson_or_404(material_id, lesson_id)
    if ConfirmForm().validate_on_submit():
        services.mark_lesson_done(current_user, item)
        course = item.module.course
        done, total = len(services.completed_lesson_ids(current_user, course)), len(course.lessons)
        flash(_("Lesson marked as done: %(done)d of %(total)d in this course.", done=done, total=total), "success")
    lessons = item.module.course.lessons
    following = lessons.index(item) + 1
    if following < len(lessons):
        return redirect(url_for("hub.lesson", material_id=material_id, lesson_id=lessons[following].id))
    return redirect(url_for("hub.material", material_id=material_id))


@hub.get("/files/<int:attachment_id>")
@public
def attachment(attachment_id: int):
    """A material's file, only for those who may see the material."""
    file = db.session.get(MaterialFile, attachment_id)
    if file is None or not can_see_hub_item(current_user, file.material):
        abort(404)
    try:
        handle = open_upload(file.stored_name)
    except FileNotFoundError:
        abort(404)
    return send_file(handle, mimetype=mime_type(file.file_kind), as_attachment=True, download_name=file.original_name)


@hub.get("/events")
@public
def events():
    return render_template(
        "hub/events.html", upcoming=services.upcoming_events(current_user), past=services.past_events(current_user),
        language=current_language(),
    )


@hub.get("/events/<int:event_id>")
@public
def event(event_id: int):
    item = _visible_or_404(Event, event_id)
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


@hub.get("/events/<int:event_id>.ics")
@public
def event_ics(event_id: int):
    item = _visible_or_404(Event, event_id)
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


@hub.post("/events/<int:event_id>/register")
@personal
def register(event_id: int):
    item = _visible_or_404(Event, event_id)
    if ConfirmForm().validate_on_submit():
        try:
            registration = services.register_for_event(current_user, item)
        except ServiceValidationError as error:
            _show_errors(error)
        else:
            if registration.status is RegistrationStatus.CONFIRMED:
                flash(_("You are registered. A confirmation is on its way to %(email)s.", email=current_user.email), "success")
            else:
                flash(_("All places are taken, so you are on the waiting list (number %(position)d). We will write if a place frees up.",
                        position=services.waiting_position(registration)), "info")
    return redirect(url_for("hub.event", event_id=event_id))


@hub.post("/events/<int:event_id>/cancel")
@personal
def cancel(event_id: int):
    item = _visible_or_404(Event, event_id)
    registration = services.registration_of(current_user, item)
    if registration is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.cancel_registration(current_user, registration)
        except ServiceValidationError as error:
            _show_errors(error)
        else:
            flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("hub.event", event_id=event_id))


@hub.get("/practices")
@public
def practices():
    return render_template("hub/practices.html", practices=services.published_practices(), language=current_language())


@hub.get("/practices/<int:practice_id>")
@public
def practice(practice_id: int):
    item = db.session.get(GoodPractice, practice_id)
    if item is None or not can_see_practice(current_user, item):
        abort(404)
    translation, is_fallback = item.translation_for(current_language())
    return render_template(
        "hub/practice.html", practice=item, translation=translation, is_fallback=is_fallback,
        linked=services.practice_edition(item), indicator_columns=[COLUMNS_BY_KEY[key] for key in services.PRACTICE_INDICATORS],
    )


@hub.get("/experts")
@public
def experts():
    offices = services.my_municipalities(current_user) if current_user.is_authenticated else []
    return render_template("hub/experts.html", experts=services.list_experts(), offices=offices)


@hub.get("/feed.atom")
@public
def feed():
    base = current_app.config["PUBLIC_BASE_URL"]
    host = base.split("://", 1)[-1].split("/", 1)[0]
    entries = []
    for item, kind, path in services.feed_items(FEED_SIZE):
        # The reader's language where the item has it (the feed is fetched with the reader's language).
        translation, _fallback = item.translation_for(current_language())
        entries.append(FeedEntry(
            id=f"tag:{host},2026:hub/{kind}/{item.id}", title=translation.title, link=base + path,
            updated=item.updated_at, published=item.published_at, summary=translation.summary or translation.title,
            category=item.kind.value, language=translation.language,
        ))
    document = atom_feed(
        f"tag:{host},2026:hub", _("Knowledge hub: new materials and events"), base + url_for("hub.feed"),
        base + url_for("hub.index"), _("Participatory budget"), entries,
    )
    return Response(document, mimetype="application/atom+xml")


@hub.get("/my")
@personal
def my_hub():
    return render_template(
        "hub/my.html", courses=services.my_courses(current_user), registrations=services.my_registrations(current_user),
        assigned=services.questions_assigned_to(current_user), language=current_language(),
    )


@hub.route("/expert-desk/<int:question_id>", methods=["GET", "POST"])
@personal
def expert_desk(question_id: int):
    """An expert with an account answers a question assigned to them."""
    question = services.question_by_id(question_id)
    if question is None or not may_answer(current_user, question):
        abort(404)
    return _answer_page(question, redirect_to=url_for("hub.my_hub"))


def _answer_page(question: ExpertQuestion, redirect_to: str, **context):
    form = AnswerForm(answer=question.answer or None)
    preview = _preview(form)
    if preview is None and form.submit.data and form.validate_on_submit():
        try:
            services.answer_question(current_user, question, form.answer.data)
        except ServiceValidationError as error:
            _show_errors(error, form)
        else:
            flash(_("The answer is saved and sent to the person who asked."), "success")
            return redirect(redirect_to)
    return render_template("hub/question.html", question=question, answer_form=form, preview=preview, **context)


# --- officials: practices and questions of their municipality ----------------------------------


@hub_office.get("/")
@requires(CONTRIBUTE_TO_HUB)
def office():
    return render_template(
        "hub/office.html", practices=services.practices_of(g.municipality), questions=services.questions_of(g.municipality),
        language=current_language(),
    )


@hub_office.route("/practices/new", methods=["GET", "POST"])
@requires(CONTRIBUTE_TO_HUB)
def propose_practice():
    form = PracticeForm()
    form.set_editions(g.municipality, services.practice_editions(g.municipality))
    preview = _preview(form)
    if preview is None and form.validate_on_submit():
        try:
            services.propose_practice(current_user, g.municipality, form.practice_data(), form.translation_data(current_language()))
        except ServiceValidationError as error:
            _show_errors(error, form)
        else:
            flash(_("Thank you. Programme staff will review the practice and publish it."), "success")
            return redirect(url_for("hub_office.office"))
    return render_template("hub/practice_form.html", form=form, preview=preview, title=_("Propose a good practice"))


@hub_office.route("/questions/new", methods=["GET", "POST"])
@requires(CONTRIBUTE_TO_HUB)
def ask():
    form = QuestionForm()
    form.set_editions(services.question_editions(g.municipality))
    if form.validate_on_submit():
        try:
            services.ask_expert(current_user, g.municipality, form.question_data(current_language()))
        except ServiceValidationError as error:
            _show_errors(error, form)
        else:
            flash(_("Your question is sent. You will get the answer by e-mail."), "success")
            return redirect(url_for("hub_office.office"))
    return render_template("hub/ask.html", form=form)


@hub_office.get("/questions/<int:question_id>")
@requires(CONTRIBUTE_TO_HUB)
def question(question_id: int):
    item = get_for_tenant_or_404(db.session, ExpertQuestion, g.municipality, question_id)
    return render_template("hub/question.html", question=item)


# --- programme staff ---------------------------------------------------------------------------


@hub_manage.get("/")
@requires(MANAGE_HUB)
def dashboard():
    return render_template(
        "hub/manage/dashboard.html", materials=services.all_materials(), events=services.all_events(),
        practices=services.practices_for_review(), questions=services.all_questions(current_user),
        experts=services.list_experts(active_only=False), language=current_language(), kinds=list(MaterialKind),
    )


def _editor(form, item, language: str, name: str, create, update):
    """The material and event editors: preview, or create the item in its original language, or
    save one language version of it; then back to its staff page."""
    preview = _preview(form)
    if preview is None and form.validate_on_submit():
        try:
            if item is None:
                item = create(form.translation_data(form.original_language.data))
            else:
                update(form.translation_data(language))
        except ServiceValidationError as error:
            _show_errors(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(f"hub_manage.{name}", **{f"{name}_id": item.id}))
    return render_template(f"hub/manage/{name}_form.html", form=form, language=language, preview=preview, **{name: item})


def _material_form_page(item: Material | None):
    language = _language_arg(item.original_language if item else current_language())
    translation = item.translation(language) if item else None
    form = MaterialForm(obj=translation)
    if item is not None and request.method == "GET":
        form.kind.data, form.visibility.data = item.kind, item.visibility
        form.topics.data = [t.value for t in item.topics]
        form.audiences.data = [a.value for a in item.audiences]
        form.video_url.data, form.original_language.data = item.video_url, item.original_language
    elif item is None and request.method == "GET":
        form.kind.data = _enum_arg(MaterialKind, "kind") or MaterialKind.GUIDE
        form.original_language.data = language
    return _editor(
        form, item, language, "material",
        create=lambda version: services.create_material(current_user, form.material_data(), version),
        update=lambda version: services.update_material(current_user, item, form.material_data(), version),
    )


@hub_manage.route("/materials/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_material():
    return _material_form_page(None)


@hub_manage.route("/materials/<int:material_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_material(material_id: int):
    return _material_form_page(db.get_or_404(Material, material_id))


@hub_manage.route("/materials/<int:material_id>", methods=["GET", "POST"], endpoint="material")
@requires(MANAGE_HUB)
def manage_material(material_id: int):
    """The material's workshop: language versions, files, course structure, publication."""
    item = db.get_or_404(Material, material_id)
    upload = AttachmentForm()
    if upload.validate_on_submit():
        try:
            services.add_attachment(current_user, item, upload.file.data, upload.language.data)
        except ServiceValidationError as error:
            _show_errors(error, upload)
        else:
            flash(_("The file is uploaded."), "success")
            return redirect(url_for("hub_manage.material", material_id=item.id))
    return render_template(
        "hub/manage/material.html", material=item, upload=upload, language=current_language(),
        languages=CONTENT_LANGUAGES, part_form=PartForm(formdata=None),
    )


@hub_manage.post("/materials/<int:material_id>/publish")
@requires(MANAGE_HUB)
def publish_material(material_id: int):
    item = db.get_or_404(Material, material_id)
    _toggle_publication(item, services.publish_material, services.unpublish_material,
                        _("The material is published."), _("The material is withdrawn; only staff see it now."))
    return redirect(url_for("hub_manage.material", material_id=item.id))


def _toggle_publication(item, publish, unpublish, published_message: str, withdrawn_message: str) -> None:
    """Publish a draft or withdraw a published item (a material or an event)."""
    if not ConfirmForm().validate_on_submit():
        return
    try:
        if item.is_published:
            unpublish(current_user, item)
            flash(withdrawn_message, "success")
        else:
            publish(current_user, item)
            flash(published_message, "success")
    except ServiceValidationError as error:
        _show_errors(error)


@hub_manage.post("/attachments/<int:attachment_id>/remove")
@requires(MANAGE_HUB)
def remove_attachment(attachment_id: int):
    file = db.get_or_404(MaterialFile, attachment_id)
    material_id = file.material_id
    if ConfirmForm().validate_on_submit():
        services.remove_attachment(current_user, file)
        flash(_("The file is removed."), "success")
    return redirect(url_for("hub_manage.material", material_id=material_id))


@hub_manage.get("/materials/<int:material_id>/history")
@requires(MANAGE_HUB)
def history(material_id: int):
    item = db.get_or_404(Material, material_id)
    return render_template("hub/manage/history.html", material=item, revisions=services.revisions_of(item), language=current_language())


@hub_manage.get("/materials/<int:material_id>/completion")
@requires(MANAGE_HUB)
def completion(material_id: int):
    item = db.get_or_404(Material, material_id)
    if item.kind is not MaterialKind.COURSE:
        abort(404)
    return render_template(
        "hub/manage/completion.html", material=item, rows=services.completion_by_municipality(current_user, item),
        language=current_language(),
    )


def _part_page(course: Material, part, add):
    """Add a module or lesson (``part`` None, ``add(data)`` creates it) or edit one language of it."""
    language = _language_arg(course.original_language)
    form = PartForm(obj=part.translation(language) if part else None)
    preview = _preview(form)
    if preview is None and form.validate_on_submit():
        try:
            if part is None:
                add(form.translation_data(language))
            else:
                services.save_course_part_translation(current_user, part, form.translation_data(language))
        except ServiceValidationError as error:
            _show_errors(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("hub_manage.material", material_id=course.id))
    return render_template("hub/manage/part_form.html", form=form, course=course, part=part, language=language, preview=preview)


@hub_manage.route("/materials/<int:material_id>/modules/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_module(material_id: int):
    course = db.get_or_404(Material, material_id)
    if course.kind is not MaterialKind.COURSE:
        abort(404)
    return _part_page(course, None, lambda data: services.add_module(current_user, course, data))


@hub_manage.route("/modules/<int:module_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_module(module_id: int):
    module = db.get_or_404(CourseModule, module_id)
    return _part_page(module.course, module, None)


@hub_manage.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_lesson(module_id: int):
    module = db.get_or_404(CourseModule, module_id)
    return _part_page(module.course, None, lambda data: services.add_lesson(current_user, module, data))


@hub_manage.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_lesson(lesson_id: int):
    item = db.get_or_404(CourseLesson, lesson_id)
    return _part_page(item.module.course, item, None)


def _event_form_page(item: Event | None):
    language = _language_arg(item.original_language if item else current_language())
    form = EventForm(obj=item)
    if request.method == "GET":
        translation = item.translation(language) if item else None
        if translation is not None:
            form.title.data, form.summary.data, form.body.data = translation.title, translation.summary, translation.body
        if item is not None:
            form.fill_times(item)
    return _editor(
        form, item, language, "event",
        create=lambda version: services.create_event(current_user, form.event_data(), version),
        update=lambda version: services.update_event(current_user, item, form.event_data(), version),
    )


@hub_manage.route("/events/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_event():
    return _event_form_page(None)


@hub_manage.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_event(event_id: int):
    return _event_form_page(db.get_or_404(Event, event_id))


@hub_manage.route("/events/<int:event_id>", methods=["GET", "POST"], endpoint="event")
@requires(MANAGE_HUB)
def manage_event(event_id: int):
    """Registrations, attendance and materials attached afterwards."""
    item = db.get_or_404(Event, event_id)
    attach = AttachMaterialForm()
    attach.material.choices = [SelectChoice(m.id, services.title_in(m, current_language())) for m in services.all_materials()]
    if attach.validate_on_submit():
        try:
            services.attach_material_to_event(current_user, item, db.get_or_404(Material, attach.material.data))
        except ServiceValidationError as error:
            _show_errors(error, attach)
        else:
            flash(_("The material is attached to the event."), "success")
            return redirect(url_for("hub_manage.event", event_id=item.id))
    return render_template("hub/manage/event.html", event=item, attach=attach, language=current_language(), now=utcnow())


@hub_manage.post("/events/<int:event_id>/publish")
@requires(MANAGE_HUB)
def publish_event(event_id: int):
    item = db.get_or_404(Event, event_id)
    _toggle_publication(item, services.publish_event, services.unpublish_event,
                        _("The event is published."), _("The event is withdrawn; only staff see it now."))
    return redirect(url_for("hub_manage.event", event_id=item.id))


@hub_manage.post("/events/<int:event_id>/attendance")
@requires(MANAGE_HUB)
def attendance(event_id: int):
    item = db.get_or_404(Event, event_id)
    if ConfirmForm().validate_on_submit():
        present = {int(value) for value in request.form.getlist("present") if value.isdigit()}
        services.record_attendance(current_user, item, present)
        flash(_("Attendance is saved."), "success")
    return redirect(url_for("hub_manage.event", event_id=item.id))


@hub_manage.post("/registrations/<int:registration_id>/cancel")
@requires(MANAGE_HUB)
def cancel_registration(registration_id: int):
    registration = db.get_or_404(EventRegistration, registration_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.cancel_registration(current_user, registration)
        except ServiceValidationError as error:
            _show_errors(error)
        else:
            flash(_("The registration is cancelled."), "success")
    return redirect(url_for("hub_manage.event", event_id=registration.event_id))


@hub_manage.route("/practices/<int:practice_id>", methods=["GET", "POST"], endpoint="practice")
@requires(MANAGE_HUB)
def manage_practice(practice_id: int):
    item = db.get_or_404(GoodPractice, practice_id)
    language = _language_arg(item.original_language)
    translation = item.translation(language)
    form = PracticeForm(obj=item)
    form.set_editions(item.municipality, services.practice_editions(item.municipality))
    if request.method == "GET" and translation is not None:
        form.title.data, form.summary.data, form.body.data = translation.title, translation.summary, translation.body
    review = ReviewForm(prefix="review", note=item.review_note)
    preview = _preview(form)
    if preview is None and form.submit.data and form.validate_on_submit():
        try:
            services.edit_practice(current_user, item, form.practice_data(), form.translation_data(language))
        except ServiceValidationError as error:
            _show_errors(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("hub_manage.practice", practice_id=item.id, lang=language))
    return render_template("hub/manage/practice.html", practice=item, form=form, review=review, language=language, preview=preview)


@hub_manage.post("/practices/<int:practice_id>/review")
@requires(MANAGE_HUB)
def review_practice(practice_id: int):
    item = db.get_or_404(GoodPractice, practice_id)
    review = ReviewForm(prefix="review")
    if review.validate_on_submit():
        services.review_practice(current_user, item, publish=bool(review.publish.data), note=review.note.data)
        flash(_("The practice is published.") if item.status is PracticeStatus.PUBLISHED else _("The practice is rejected."), "success")
    return redirect(url_for("hub_manage.practice", practice_id=item.id))


@hub_manage.route("/experts/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_expert():
    return _expert_page(None)


@hub_manage.route("/experts/<int:expert_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_expert(expert_id: int):
    return _expert_page(db.get_or_404(Expert, expert_id))


def _expert_page(expert: Expert | None):
    form = ExpertForm(obj=expert)
    if request.method == "GET" and expert is not None:
        form.account_email.data = expert.user.email if expert.user else ""
    if form.validate_on_submit():
        try:
            services.save_expert(current_user, expert, form.expert_data())
        except ServiceValidationError as error:
            _show_errors(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("hub_manage.dashboard", _anchor="experts"))
    return render_template("hub/manage/expert_form.html", form=form, expert=expert)


@hub_manage.route("/questions/<int:question_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def manage_question(question_id: int):
    item = services.question_by_id(question_id)
    if item is None:
        abort(404)
    assign = AssignForm(prefix="assign", expert=item.expert_id)
    assign.expert.choices = [SelectChoice(e.id, e.name) for e in services.list_experts()]
    if assign.submit.data and assign.validate_on_submit():
        services.assign_question(current_user, item, db.get_or_404(Expert, assign.expert.data))
        flash(_("The question is assigned to %(name)s.", name=item.expert.name), "success")
        return redirect(url_for("hub_manage.manage_question", question_id=item.id))
    return _answer_page(
        item, redirect_to=url_for("hub_manage.manage_question", question_id=item.id), assign_form=assign,
        publish_form=PublishAnswerForm(prefix="publish"), staff_view=True,
    )


@hub_manage.post("/questions/<int:question_id>/publish")
@requires(MANAGE_HUB)
def publish_answer(question_id: int):
    item = services.question_by_id(question_id)
    if item is None:
        abort(404)
    form = PublishAnswerForm(prefix="publish")
    if form.validate_on_submit():
        try:
            material = services.publish_answer(current_user, item, form.visibility.data)
        except ServiceValidationError as error:
            _show_errors(error)
        else:
            flash(_("The answer is published as a Q&A."), "success")
            return redirect(url_for("hub.material", material_id=material.id))
    return redirect(url_for("hub_manage.manage_question", question_id=item.id))
