"""Courses: modules and lessons of a course material, and who has done them."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, distinct, func, select

from pb_service.accounts.models import Membership
from pb_service.core.audit import record_audit
from pb_service.core.permissions import PermissionDenied, ensure_permission
from pb_service.core.tenancy import cross_tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.extensions import db
from pb_service.hub.models import (
    CourseLesson,
    CourseModule,
    LessonCompletion,
    Material,
    MaterialKind,
)
from pb_service.hub.permissions import MANAGE_HUB, can_see_hub_item
from pb_service.hub.services.content import TranslationData, put_translation
from pb_service.hub.services.materials import refresh_search_text


COMPLETION_REASON = "hub: programme staff compare course completion across municipalities (aggregate)"


def _ensure_course(material: Material) -> None:
    if material.kind is not MaterialKind.COURSE:
        raise ServiceValidationError.single("", str(_l("Only a course has modules and lessons.")))


def add_module(course: Material, data: TranslationData, *, actor) -> CourseModule:
    ensure_permission(actor, MANAGE_HUB)
    _ensure_course(course)
    module = CourseModule(position=len(course.modules) + 1)
    put_translation(module, data)
    course.modules.append(module)
    refresh_search_text(course)
    record_audit(actor, None, "hub.module_add", course)
    db.session.flush()
    return module


def add_lesson(module: CourseModule, data: TranslationData, *, actor) -> CourseLesson:
    ensure_permission(actor, MANAGE_HUB)
    lesson = CourseLesson(position=len(module.lessons) + 1)
    put_translation(lesson, data)
    module.lessons.append(lesson)
    refresh_search_text(module.course)
    record_audit(actor, None, "hub.lesson_add", module.course)
    db.session.flush()
    return lesson


def save_course_part_translation(part: CourseModule | CourseLesson, data: TranslationData, *, actor) -> None:
    """Write one language version of a module or a lesson."""
    ensure_permission(actor, MANAGE_HUB)
    put_translation(part, data)
    course = part.course if isinstance(part, CourseModule) else part.module.course
    refresh_search_text(course)
    record_audit(actor, None, "hub.course_translate", course, part=f"{type(part).__name__}:{part.id}", language=data.language)
    db.session.flush()


def mark_lesson_done(lesson: CourseLesson, *, actor) -> None:
    """Idempotent: marking a lesson done twice keeps the first time."""
    if not can_see_hub_item(actor, lesson.module.course):
        raise PermissionDenied("hub.view")
    exists = db.session.scalar(
        select(LessonCompletion.id).where(LessonCompletion.lesson_id == lesson.id, LessonCompletion.user_id == actor.id)
    )
    if exists is None:
        db.session.add(LessonCompletion(lesson_id=lesson.id, user_id=actor.id))
        db.session.flush()


def completed_lesson_ids(user, course: Material) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    lesson_ids = [lesson.id for lesson in course.lessons]
    statement = select(LessonCompletion.lesson_id).where(
        LessonCompletion.user_id == user.id, LessonCompletion.lesson_id.in_(lesson_ids)
    )
    return set(db.session.scalars(statement))


@dataclass
class CourseCompletion:
    municipality_name: str
    officials: int
    started: int
    completed: int


def completion_by_municipality(course: Material, *, actor) -> list[CourseCompletion]:
    """Per municipality: its officials, how many started the course and how many finished it."""
    ensure_permission(actor, MANAGE_HUB)
    from pb_service.municipalities.models import Municipality

    lesson_ids = [lesson.id for lesson in course.lessons]
    done = (
        select(LessonCompletion.user_id, func.count(LessonCompletion.id).label("lessons_done"))
        .where(LessonCompletion.lesson_id.in_(lesson_ids))
        .group_by(LessonCompletion.user_id)
        .subquery()
    )
    finished = case((done.c.lessons_done >= len(lesson_ids), done.c.user_id))
    statement = (
        cross_tenant_select(
            Municipality.name,
            func.count(distinct(Membership.user_id)),
            func.count(distinct(done.c.user_id)),
            func.count(distinct(finished)),
            reason=COMPLETION_REASON,
        )
        .select_from(Membership)
        .join(Municipality, Municipality.id == Membership.municipality_id)
        .outerjoin(done, done.c.user_id == Membership.user_id)
        .group_by(Municipality.id, Municipality.name)
        .order_by(Municipality.name)
    )
    return [CourseCompletion(*row) for row in db.session.execute(statement)]


def my_courses(user) -> list[tuple[Material, int, int]]:
    """Courses the user started: (course, lessons done, lessons in all)."""
    statement = (
        select(Material)
        .join(CourseModule, CourseModule.course_id == Material.id)
        .join(CourseLesson, CourseLesson.module_id == CourseModule.id)
        .join(LessonCompletion, LessonCompletion.lesson_id == CourseLesson.id)
        .where(LessonCompletion.user_id == user.id)
        .distinct()
    )
    courses = list(db.session.scalars(statement))
    return [(course, len(completed_lesson_ids(user, course)), len(course.lessons)) for course in courses]
