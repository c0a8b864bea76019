"""The edition of a URL, for every domain's views (views never import another domain's views)."""
from __future__ import annotations

from flask import abort, g
from flask_login import current_user

from pb_service.core.permissions import has_permission
from pb_service.core.tenancy import get_for_tenant_or_404
from pb_service.editions.models import Edition
from pb_service.editions.permissions import VIEW_EDITIONS_OFFICE
from pb_service.extensions import db


def edition_or_404(edition_id: int) -> Edition:
    """A published edition, or any edition for the municipality's officials."""
    edition = get_for_tenant_or_404(db.session, Edition, g.municipality, edition_id)
    if not edition.is_published and not has_permission(current_user, VIEW_EDITIONS_OFFICE, g.municipality):
        abort(404)
    return edition
