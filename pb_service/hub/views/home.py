"""The hub's front page, its feed, one's own hub page, the officials' and staff's overviews."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb_service.core.i18n import current_language
from pb_service.core.permissions import personal, public, requires
from pb_service.hub.services.content import feed_items
from pb_service.hub.services.courses import my_courses
from pb_service.hub.services.events import all_events, my_registrations, upcoming_events
from pb_service.hub.services.experts import all_questions, list_experts, questions_assigned_to, questions_of
from pb_service.hub.services.materials import all_materials
from pb_service.hub.services.practices import practices_for_review, practices_of, published_practices
from pb_service.hub.feeds import FeedEntry, atom_feed
from pb_service.hub.models import (
    MaterialKind,
    Topic,
)
from pb_service.hub.permissions import CONTRIBUTE_TO_HUB, MANAGE_HUB
from pb_service.hub.search import MaterialFilters, search_materials


hub = Blueprint("hub", __name__)


FEED_SIZE = 30


@hub.get("/hub/")
@public
def index():
    language = current_language()
    latest = search_materials("", language, MaterialFilters(), current_user, per_page=6)
    return render_template(
        "hub/index.html", latest=latest.page.items, events=upcoming_events(current_user)[:3],
        practices=published_practices()[:3], language=language, topics=list(Topic),
    )


@hub.get("/hub/feed.atom")
@public
def feed():
    base = current_app.config["PUBLIC_BASE_URL"]
    host = base.split("://", 1)[-1].split("/", 1)[0]
    entries = []
    for item, kind, path in feed_items(FEED_SIZE):
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


@hub.get("/hub/my")
@personal
def my_hub():
    return render_template(
        "hub/my.html", courses=my_courses(current_user), registrations=my_registrations(current_user),
        assigned=questions_assigned_to(current_user), language=current_language(),
    )


@hub.get("/<municipality>/office/hub/")
@requires(CONTRIBUTE_TO_HUB)
def office():
    return render_template(
        "hub/office.html", practices=practices_of(g.municipality), questions=questions_of(g.municipality),
        language=current_language(),
    )


@hub.get("/hub/manage/")
@requires(MANAGE_HUB)
def dashboard():
    return render_template(
        "hub/manage/dashboard.html", materials=all_materials(), events=all_events(),
        practices=practices_for_review(), questions=all_questions(actor=current_user),
        experts=list_experts(active_only=False), language=current_language(), kinds=list(MaterialKind),
    )
