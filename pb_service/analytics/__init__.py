"""Cross-city analytics, implementation tracking and the import of past editions from Pabulib."""
from __future__ import annotations

from flask import current_app

from pb_service.core.signals import results_published


def _refresh_on_publication(tenant, edition) -> None:
    from pb_service.analytics.indicators import refresh_indicators

    try:
        refresh_indicators(tenant, edition)
    except Exception:  # noqa: BLE001
        # The results are published and committed by now; a failure here must not turn that into
        # an error page. The indicators can be recomputed: flask pb analytics recompute.
        current_app.logger.exception("indicators of edition %s not computed", edition.id)


def register_receivers() -> None:
    results_published.connect(_refresh_on_publication)
