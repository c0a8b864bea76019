"""Courses: lessons read and marked done; staff build modules and lessons and see completion."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb_service.core.forms import run_action, save_form
from pb_service.core.i18n import current_language
from pb_service.core.permissions import personal, public, requires
from pb_service.extensions import db
from pb_service.hub.services.content import title_in
from pb_service.hub.services import courses as services
from pb_service.hub.forms import PartForm
from pb_service.hub.models import (
    CourseLesson,
    CourseModule,
    Material,
    MaterialKind,
)
from pb_service.hub.permissions import MANAGE_HUB

from pb_service.hub.views.pages import language_arg, visible_or_404, markdown_preview

hub_courses = Blueprint("hub_courses", __name__)


def _lesson_or_404(material_id: int, lesson_id: int) -> CourseLesson:
    lesson = db.session.get(CourseLesson, lesson_id)
    if lesson is None or lesson.module.course_id != material_id:
        abort(404)
    visible_or_404(Material, material_id)
    return lesson


def _place_in_course(lesson: CourseLesson) -> tuple[Material, list[CourseLesson], int]:
    """The lesson's course, the course's lessons in order and the lesson's index among them."""
    course = lesson.module.course
    return course, course.lessons, course.lessons.index(lesson)


@hub_courses.get("/hub/materials/<int:material_id>/lessons/<int:lesson_id>")
@public
def lesson(material_id: int, lesson_id: int):
    item = _lesson_or_404(material_id, lesson_id)
    course, lessons, index_in_course = _place_in_course(item)
    language = current_language()
    translation, is_fallback = item.translation_for(language)
    return render_template(
        "hub/lesson.html", course=course, lesson=item, language=language, translation=translation,
        is_fallback=is_fallback, course_title=title_in(course, language),
        previous=lessons[index_in_course - 1] if index_in_course > 0 else None,
        next=lessons[index_in_course + 1] if index_in_course + 1 < len(lessons) else None,
        number=index_in_course + 1, done=services.completed_lesson_ids(current_user, course),
    )


@hub_courses.post("/hub/materials/<int:material_id>/lessons/<int:lesson_id>/done")
@personal
def lesson_done(material_id: int, lesson_id: int):
    item = _lesson_or_404(material_id, lesson_id)
    course, lessons, index_in_course = _place_in_course(item)
    following = index_in_course + 1
    if following < len(lessons):
        next_url = url_for("hub_courses.lesson", material_id=material_id, lesson_id=lessons[following].id)
    else:
        next_url = url_for("hub_materials.material", material_id=material_id)

    def progress(_result) -> str:
        done, total = len(services.completed_lesson_ids(current_user, course)), len(lessons)
        return _("Lesson marked as done: %(done)d of %(total)d in this course.", done=done, total=total)

    return run_action(lambda: services.mark_lesson_done(item, actor=current_user), success=progress, next_url=next_url)


@hub_courses.get("/hub/manage/materials/<int:material_id>/completion")
@requires(MANAGE_HUB)
def completion(material_id: int):
    item = db.get_or_404(Material, material_id)
    if item.kind is not MaterialKind.COURSE:
        abort(404)
    return render_template(
        "hub/manage/completion.html", material=item, rows=services.completion_by_municipality(item, actor=current_user),
        language=current_language(),
    )


def _part_page(course: Material, part, add):
    """Add a module or lesson (``part`` None, ``add(data)`` creates it) or edit one language of it."""
    language = language_arg(course.original_language)
    form = PartForm(obj=part.translation(language) if part else None)
    preview = markdown_preview(form)
    response = None if preview is not None else save_form(
        form,
        (lambda: add(form.translation_data(language))) if part is None
        else (lambda: services.save_course_part_translation(part, form.translation_data(language), actor=current_user)),
        success=_("Saved."), next_url=url_for("hub_materials.manage_material", material_id=course.id),
    )
    return response or render_template("hub/manage/part_form.html", form=form, course=course, part=part, language=language, preview=preview)


@hub_courses.route("/hub/manage/materials/<int:material_id>/modules/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_module(material_id: int):
    course = db.get_or_404(Material, material_id)
    if course.kind is not MaterialKind.COURSE:
        abort(404)
    return _part_page(course, None, lambda data: services.add_module(course, data, actor=current_user))


@hub_courses.route("/hub/manage/modules/<int:module_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_module(module_id: int):
    module = db.get_or_404(CourseModule, module_id)
    return _part_page(module.course, module, None)


@hub_courses.route("/hub/manage/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_lesson(module_id: int):
    module = db.get_or_404(CourseModule, module_id)
    return _part_page(module.course, None, lambda data: services.add_lesson(module, data, actor=current_user))


@hub_courses.route("/hub/manage/lessons/<int:lesson_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_lesson(lesson_id: int):
    item = db.get_or_404(CourseLesson, lesson_id)
    return _part_page(item.module.course, item, None)
