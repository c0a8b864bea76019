"""Materials: search, reading and downloading; staff write, publish and keep their files and history."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb_service.core.forms import run_action, save_form
from pb_service.core.i18n import current_language
from pb_service.core.permissions import public, requires
from pb_service.core.uploads import mime_type, open_upload
from pb_service.extensions import db
from pb_service.hub.services.courses import completed_lesson_ids
from pb_service.hub.services import materials as services
from pb_service.hub.forms import (
    AttachmentForm,
    MaterialForm,
    PartForm,
)
from pb_service.hub.models import (
    CONTENT_LANGUAGES,
    MaterialFile,
    Audience,
    Material,
    MaterialKind,
    Topic,
)
from pb_service.hub.permissions import MANAGE_HUB, can_see_hub_item, manages_hub
from pb_service.hub.search import MaterialFilters, engine_name, search_materials

from pb_service.hub.views.pages import enum_arg, language_arg, visible_or_404, translated_editor, toggle_publication

hub_materials = Blueprint("hub_materials", __name__)


@hub_materials.get("/hub/materials")
@public
def materials():
    language = current_language()
    filters = MaterialFilters(enum_arg(MaterialKind, "kind"), enum_arg(Topic, "topic"), enum_arg(Audience, "audience"))
    query = (request.args.get("q") or "").strip()[:200]
    results = search_materials(query, language, filters, current_user, request.args.get("page"))
    return render_template(
        "hub/materials.html", results=results, query=query, filters=filters, engine=engine_name(),
        kinds=list(MaterialKind), topics=list(Topic), audiences=list(Audience), language=language,
    )


@hub_materials.get("/hub/materials/<int:material_id>")
@public
def material(material_id: int):
    item = visible_or_404(Material, material_id)
    language = current_language()
    translation, is_fallback = item.translation_for(language)
    done = completed_lesson_ids(current_user, item) if item.kind is MaterialKind.COURSE else set()
    return render_template(
        "hub/material.html", material=item, translation=translation, is_fallback=is_fallback, language=language,
        attachments=services.attachments_for(item, language), done=done, can_manage=manages_hub(current_user),
    )


@hub_materials.get("/hub/files/<int:attachment_id>")
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


def _material_form_page(item: Material | None):
    language = language_arg(item.original_language if item else current_language())
    translation = item.translation(language) if item else None
    form = MaterialForm(obj=translation)
    if item is not None and request.method == "GET":
        form.kind.data, form.visibility.data = item.kind, item.visibility
        form.topics.data = [t.value for t in item.topics]
        form.audiences.data = [a.value for a in item.audiences]
        form.video_url.data, form.original_language.data = item.video_url, item.original_language
    elif item is None and request.method == "GET":
        form.kind.data = enum_arg(MaterialKind, "kind") or MaterialKind.GUIDE
        form.original_language.data = language
    return translated_editor(
        form, item, language, "material",
        create=lambda version: services.create_material(form.material_data(), version, actor=current_user),
        update=lambda version: services.update_material(item, form.material_data(), version, actor=current_user),
    )


@hub_materials.route("/hub/manage/materials/new", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def new_material():
    return _material_form_page(None)


@hub_materials.route("/hub/manage/materials/<int:material_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def edit_material(material_id: int):
    return _material_form_page(db.get_or_404(Material, material_id))


@hub_materials.route("/hub/manage/materials/<int:material_id>", methods=["GET", "POST"])
@requires(MANAGE_HUB)
def manage_material(material_id: int):
    """The material's workshop: language versions, files, course structure, publication."""
    item = db.get_or_404(Material, material_id)
    upload = AttachmentForm()
    response = save_form(
        upload, lambda: services.add_attachment(item, upload.file.data, upload.language.data, actor=current_user),
        success=_("The file is uploaded."), next_url=url_for("hub_materials.manage_material", material_id=item.id),
    )
    return response or render_template(
        "hub/manage/material.html", material=item, upload=upload, language=current_language(),
        languages=CONTENT_LANGUAGES, part_form=PartForm(formdata=None),
    )


@hub_materials.post("/hub/manage/materials/<int:material_id>/publish")
@requires(MANAGE_HUB)
def publish_material(material_id: int):
    item = db.get_or_404(Material, material_id)
    return toggle_publication(
        item, services.publish_material, services.unpublish_material, _("The material is published."),
        _("The material is withdrawn; only staff see it now."), url_for("hub_materials.manage_material", material_id=item.id),
    )


@hub_materials.post("/hub/manage/attachments/<int:attachment_id>/remove")
@requires(MANAGE_HUB)
def remove_attachment(attachment_id: int):
    file = db.get_or_404(MaterialFile, attachment_id)
    return run_action(
        lambda: services.remove_attachment(file, actor=current_user), success=_("The file is removed."),
        next_url=url_for("hub_materials.manage_material", material_id=file.material_id),
    )


@hub_materials.get("/hub/manage/materials/<int:material_id>/history")
@requires(MANAGE_HUB)
def history(material_id: int):
    item = db.get_or_404(Material, material_id)
    return render_template("hub/manage/history.html", material=item, revisions=services.revisions_of(item), language=current_language())
