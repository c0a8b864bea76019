"""What the hub's rooms share: arguments, the item a viewer may see, previews, editors."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb_service.core.forms import run_action, save_form
from pb_service.core.markdown import render_markdown
from pb_service.extensions import db
from pb_service.hub.models import CONTENT_LANGUAGES
from pb_service.hub.permissions import can_see_hub_item


def enum_arg(enum_class, name: str):
    value = request.args.get(name) or ""
    return enum_class(value) if value in enum_class._value2member_map_ else None


def language_arg(default: str) -> str:
    language = request.args.get("lang")
    return language if language in CONTENT_LANGUAGES else default


def visible_or_404(model, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or not can_see_hub_item(current_user, item):
        abort(404)
    return item


def markdown_preview(form) -> str | None:
    """Rendered Markdown when the "Preview" button was pressed (nothing is saved then)."""
    if request.method == "POST" and form.preview.data:
        return render_markdown(form.body.data)
    return None


def translated_editor(form, item, language: str, name: str, create, update):
    """The material and event editors: preview, or create the item in its original language, or
    save one language version of it; then back to its staff page (``manage_<name>`` of the room)."""
    preview = markdown_preview(form)
    response = None if preview is not None else save_form(
        form,
        (lambda: create(form.translation_data(form.original_language.data))) if item is None
        else (lambda: update(form.translation_data(language))),
        success=_("Saved."), next_url=lambda saved: url_for(f".manage_{name}", **{f"{name}_id": (item or saved).id}),
    )
    return response or render_template(f"hub/manage/{name}_form.html", form=form, language=language, preview=preview, **{name: item})


def toggle_publication(item, publish, unpublish, published_message: str, withdrawn_message: str, next_url: str):
    """Publish a draft or withdraw a published item (a material or an event)."""
    if item.is_published:
        return run_action(lambda: unpublish(item, actor=current_user), success=withdrawn_message, next_url=next_url)
    return run_action(lambda: publish(item, actor=current_user), success=published_message, next_url=next_url)
