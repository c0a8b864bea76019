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
#: (language, audience) → page patterns already checked by axe in this test session.
AXE_CHECKED: dict[tuple[str, str], set] = {}


#: The first path segments that are not a municipality's slug (the app's global sections).
GLOBAL_SECTIONS = {"", "accessibility", "account", "api", "healthz", "hub", "lang", "open-data", "privacy", "staff", "static"}


def page_pattern(path: str) -> str:
    """Pages that differ only by ids, municipality (the demo's own or an imported city's) or
    query (filters, page number) use one template: check one of them."""
    path = path.split("#")[0].split("?")[0]
    section, _, rest = path.lstrip("/").partition("/")
    if section not in GLOBAL_SECTIONS:
        path = "/M/" + rest
    path = re.sub(r"/municipalities/[^/]+", "/municipalities/M", path)
    return re.sub(r"\d+", "N", path)


def axe_violations(page) -> list:
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result.response["violations"]]


def horizontal_overflow(page) -> list:
    """Elements wider than the viewport (WCAG 1.4.10 reflow): none may force sideways scrolling.

    Wide data tables scroll inside their own ``.table-wrap`` (the reflow exception for tables)
    and so do not widen the page.
    """
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width) return [];
            return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className);
        }"""
    )


def crawl(page, base_url: str, entry_points: list[str], check=axe_violations, checked: set | None = None) -> dict[str, list]:
    """Visit every page reachable from the entry points; return ``check``'s findings per page.

    ``checked`` (shared between crawls that see pages alike) skips the check, not the visit, of
    page patterns another crawl has checked already: the suite stays fast as the site grows.
    """
    seen: set[str] = set()
    checked = set() if checked is None else checked
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
        if pattern not in checked:
            checked.add(pattern)
            found = check(page)
            if found:
                violations[path] = found
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(urljoin(base_url + path, href))
            if target.netloc != urlsplit(base_url).netloc or NOT_PAGES.search(target.path):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) >= len(entry_points), "the crawl reached too few pages"
    return violations


@pytest.fixture(scope="module")
def signed_in_states(signed_in):
    return {visitor: signed_in(email) for visitor, email in VISITORS.items() if email}


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
        # Officials see public pages alike (but for their menu): one official's check serves all.
        audience = "anonymous" if visitor == "anonymous" else "officials"
        violations = crawl(page, demo_server.url, entry_points, checked=AXE_CHECKED.setdefault((language, audience), set()))
    finally:
        context.close()
    assert violations == {}


@pytest.mark.browser
@pytest.mark.parametrize("visitor", ["anonymous", "admin"])
def test_reflow_at_320_px(demo_server, browser, signed_in_states, visitor):
    context = browser.new_context(viewport={"width": 320, "height": 640}, storage_state=signed_in_states.get(visitor))
    try:
        overflowing = crawl(context.new_page(), demo_server.url, ENTRY_POINTS + OFFICIAL_ENTRY_POINTS, check=horizontal_overflow)
    finally:
        context.close()
    assert overflowing == {}


@pytest.mark.browser
def test_text_zoom_200_percent(demo_server, browser, signed_in_states):
    """Text at 200 % (the root font size doubled) on a 1280 px screen: nothing overflows."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, storage_state=signed_in_states["admin"])
    context.add_init_script("document.addEventListener('DOMContentLoaded', () => document.documentElement.style.fontSize = '200%')")
    try:
        overflowing = crawl(context.new_page(), demo_server.url, ENTRY_POINTS + OFFICIAL_ENTRY_POINTS, check=horizontal_overflow)
    finally:
        context.close()
    assert overflowing == {}


def count_job_path(demo_server) -> str:
    """The page of the demo's background count (Gdańsk's past edition is counted by a job)."""
    from pb_service.core.tenancy import cross_tenant_select
    from pb_service.extensions import db
    from pb_service.core.jobs.models import TrackedJob
    from pb_service.municipalities.models import Municipality

    with demo_server.app.app_context():
        job = db.session.scalars(cross_tenant_select(TrackedJob, reason="test: the demo's count job")).one()
        slug = db.session.get(Municipality, job.municipality_id).slug
        return f"/{slug}/office/editions/{job.edition_id}/results/jobs/{job.id}"


@pytest.mark.browser
@pytest.mark.parametrize("language", ["pl", "en", "uk"])
def test_the_background_count_page_has_no_wcag_violations(demo_server, browser, signed_in_states, language):
    context = browser.new_context(storage_state=signed_in_states["admin"])
    page = context.new_page()
    try:
        page.goto(f"{demo_server.url}/lang/{language}?next=/")
        page.goto(demo_server.url + count_job_path(demo_server))
        assert page.get_attribute("progress", "value") == "100"
        violations = axe_violations(page)
    finally:
        context.close()
    assert violations == []
