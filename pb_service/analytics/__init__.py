"""Cross-city analytics, implementation tracking and the import of past editions from Pabulib."""
from __future__ import annotations

from flask import current_app

from pb_service.core.signals import results_published


def _refresh_on_publication(tenant, edition) -> None:
    from pb_service.analytics.indicators import refresh_indicators
    from pb_service.core.transactions import undone_if_refused

    try:
        undone_if_refused(lambda: refresh_indicators(tenant, edition))
    except Exception:  # noqa: BLE001
        # The results are published by now (committed with the request); a failure here is undone
        # alone and must not turn the publication into an error page. The indicators can be
        # recomputed: flask pb analytics recompute.
        current_app.logger.exception("indicators of edition %s not computed", edition.id)


def register_receivers() -> None:
    results_published.connect(_refresh_on_publication)
