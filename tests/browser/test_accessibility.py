"""axe-core (pinned through axe-playwright-python) over every page a crawl reaches, in pl, en, uk,
for anonymous visitors and for each kind of official: zero WCAG 2.0/2.1 A and AA violations.

The crawl starts from the front page and a list of entry points and follows every same-site link,
so pages added later are covered without touching this test.
"""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from pb_service.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Links that change state or are not pages.
NOT_PAGES = re.compile(r"^/(static/|lang/)|\.(json|atom|ics|csv|xlsx|pb|pdf|png|jpg|webp)(\?|$)|/download|/files/")
MAX_PAGES = 120
ENTRY_POINTS = ["/", "/account/login", "/account/register", "/account/reset", "/api/v1/docs"]

VISITORS = {
    "anonymous": None,
    "staff": "staff@example.org",
    "admin": "admin.gdansk@example.org",
    "evaluator": "evaluator.gdansk@example.org",
    "clerk": "clerk.gdansk@example.org",
}
OFFICIAL_ENTRY_POINTS = ["/staff/", "/gdansk/office/", "/account/settings"]

axe = Axe()


def page_pattern(path: str) -> str:
    """Pages that differ only by ids use one template: check one of them."""
    return re.sub(r"\d+", "N", path.split("#")[0])


def crawl(page, base_url: str, entry_points: list[str]) -> dict[str, list]:
    seen: set[str] = set()
    queue = deque(entry_points)
    violations: dict[str, list] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        pattern = page_pattern(path)
        if pattern in seen:
            continue
        seen.add(pattern)
        response = page.goto(base_url + path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        found = result.response["violations"]
        if found:
            violations[path] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found]
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(urljoin(base_url + path, href))
            if target.netloc != urlsplit(base_url).netloc or NOT_PAGES.search(target.path):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) >= len(entry_points), "the crawl reached too few pages"
    return violations


@pytest.fixture(scope="module")
def signed_in_states(demo_server, browser):
    """Each official signs in once (sign-in is rate-limited); the tests reuse the cookies."""
    states = {}
    for visitor, email in VISITORS.items():
        if email:
            context = browser.new_context()
            sign_in(context.new_page(), demo_server.url, email, DEMO_PASSWORD)
            states[visitor] = context.storage_state()
            context.close()
    return states


@pytest.mark.browser
@pytest.mark.parametrize("language", ["pl", "en", "uk"])
@pytest.mark.parametrize("visitor", list(VISITORS))
def test_no_wcag_violations(demo_server, browser, signed_in_states, visitor, language):
    context = browser.new_context(storage_state=signed_in_states.get(visitor))
    page = context.new_page()
    try:
        entry_points = ENTRY_POINTS + (OFFICIAL_ENTRY_POINTS if VISITORS[visitor] else [])
        page.goto(f"{demo_server.url}/lang/{language}?next=/")
        assert page.get_attribute("html", "lang") == language
        violations = crawl(page, demo_server.url, entry_points)
    finally:
        context.close()
    assert violations == {}
