"""The ballot page is light and self-contained: under 150 KB transferred (HTML, CSS, images) and
no request leaves the service (no fonts, analytics or CDNs that could track a voter)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pb_service.editions.models import Phase

BUDGET_BYTES = 150 * 1024


def ballot_url(browser, base_url: str, edition_id: int) -> str:
    """The full ballot (a district chosen: the heaviest page of the vote)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base_url}/gdansk/editions/{edition_id}/vote")
        with page.expect_navigation():
            page.click("form[method=get] button[type=submit]")
        return page.url
    finally:
        context.close()


@pytest.mark.browser
def test_ballot_page_weight_and_no_third_parties(demo_server, browser, demo_editions):
    url = ballot_url(browser, demo_server.url, demo_editions[Phase.VOTING])
    context = browser.new_context()  # a first visit: nothing cached
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    try:
        page.goto(url, wait_until="networkidle")
        sizes = {request.url: request.sizes() for request in finished}
    finally:
        context.close()
    hosts = {urlsplit(request_url).hostname for request_url in sizes}
    assert hosts == {"127.0.0.1"}, f"requests outside the service: {sorted(hosts - {'127.0.0.1'})}"
    assert any(path.endswith(".css") for path in sizes) and url in sizes, list(sizes)
    transferred = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes.values())
    assert transferred < BUDGET_BYTES, {request_url: size["responseBodySize"] for request_url, size in sizes.items()}
