"""Information clauses (art. 13 GDPR): the municipality's own text, or the default one filled in.

The defaults live in ``pb_service/data/privacy/<kind>.<language>.md`` (Markdown with ``%(...)s``
placeholders), so that lawyers can read and change them without touching code.
"""
from __future__ import annotations

from importlib import resources

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from pb_service.core.i18n import current_language
from pb_service.core.markdown import render_markdown
from pb_service.municipalities.models import retention_period


def _template(kind: str) -> str:
    language = current_language()
    if language not in current_app.config["LANGUAGES"]:
        language = "pl"
    return resources.files("pb_service").joinpath(f"data/privacy/{kind}.{language}.md").read_text(encoding="utf-8")


def default_municipality_notice(municipality) -> str:
    """The default clause for ``municipality``, in the reader's language, as Markdown."""
    unknown = _("(not given yet)")
    return _template("municipality") % {
        "name": municipality.name,
        "address": municipality.contact_address or unknown,
        "email": municipality.contact_email or unknown,
        "retention": retention_period(municipality.retention_months),
    }


def municipality_notice(municipality) -> Markup:
    """The clause shown where the municipality's PB collects personal data."""
    return render_markdown(municipality.privacy_notice or default_municipality_notice(municipality))


def service_notice() -> Markup:
    """The clause for the account itself (registration), whose controller runs the service."""
    controller = current_app.config["DATA_CONTROLLER"] or _("the institution that runs this service")
    return render_markdown(_template("service") % {"controller": controller})
