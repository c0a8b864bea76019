"""The edition of a URL, and its parts, for every domain's views and API (one loader each).

Views never import another domain's views: what they share to load the objects of their URLs
lives here. Each loader answers 404 for what the visitor may not know exists.
"""
from __future__ import annotations

from flask import abort, g
from flask_login import current_user

from pb_service.core.cache import ProcessCache, cached_row
from pb_service.core.permissions import has_permission
from pb_service.core.tenancy import get_for_tenant, get_for_tenant_or_404
from pb_service.editions.models import Edition
from pb_service.editions.permissions import VIEW_EDITIONS_OFFICE
from pb_service.extensions import db


#: Editions by (municipality, id), for the public's requests (see :mod:`pb_service.core.cache`).
EDITION_ROWS = ProcessCache("editions", (Edition,))


def office_edition_or_404(edition_id: int) -> Edition:
    """Any edition of the URL's municipality (office pages, whose permission the view requires);
    from the process's cache for the public."""
    edition = cached_row(EDITION_ROWS, (g.municipality.id, edition_id), db.session,
                         lambda: get_for_tenant(db.session, Edition, g.municipality, edition_id))
    if edition is None:
        abort(404)
    return edition


def published_edition_or_404(edition_id: int) -> Edition:
    """A published edition only (the public API)."""
    edition = office_edition_or_404(edition_id)
    if not edition.is_published:
        abort(404)
    return edition


def edition_or_404(edition_id: int) -> Edition:
    """A published edition, or any edition for the municipality's officials."""
    edition = office_edition_or_404(edition_id)
    if not edition.is_published and not has_permission(current_user, VIEW_EDITIONS_OFFICE, g.municipality):
        abort(404)
    return edition


def edition_part_or_404(edition: Edition, model, object_id: int):
    """A level, pool, category, protest… of ``edition``, by its id in the URL."""
    found = get_for_tenant_or_404(db.session, model, g.municipality, object_id)
    if found.edition_id != edition.id:
        abort(404)
    return found
