"""axe-core (pinned through axe-playwright-python) over every page a crawl reaches: zero WCAG
2.0/2.1 A and AA violations.

The crawl starts from the front page and a list of entry points and follows every same-site link,
so pages added later are covered without touching this test. In Polish (the default language) it
runs for anonymous visitors and for each kind of official, and walks each of Gdańsk's demo
editions (one per phase: voting, protests, paper entry...) as well; axe checks each markup once
per audience (pages whose elements, classes and roles are alike are checked once). In English and
Ukrainian only the text differs: axe checks each view (Flask endpoint) once per language, as
reached by an anonymous visitor, programme staff and an admin (every permission an evaluator or a
clerk has, an admin has too); each of them walks the same demo editions.

The pages are found, and their HTML fetched, over HTTP with the visitor's cookies and the
browser's user agent, without rendering them (:func:`pages_over_http`, once per visitor and
language for every test here). The browser then renders only the pages it checks, each written
into a page the visitor has open on the site (``set_content``: the same HTML, the site's
stylesheet and Content-Security-Policy, the visitor's cookies for the pictures, the same viewport
and language): what axe and the layout checks read is what a navigation to the page shows (the
site has no JavaScript), at about a third of a navigation's CPU. Reflow at 320 px and text zoom
are checked on every page pattern in each language (a longer translation may overflow where the
Polish text does not).

Every browser test runs on one xdist worker (the scheduler in tests/conftest.py): the visitors
share what axe has checked.
"""
from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookiejar import Cookie, CookieJar
from urllib.error import HTTPError
from urllib.parse import urljoin, urlsplit
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.exceptions import HTTPException


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Links that change state or are not pages.
NOT_PAGES = re.compile(r"^/(static/|lang/)|\.(json|atom|ics|csv|xlsx|pb|pdf|png|jpg|webp)(\?|$)|/download|/files/")
#: A safety stop (the Polish crawl of an official visits about 150 pages).
MAX_PAGES = 400
ENTRY_POINTS = ["/", "/account/login", "/account/register", "/account/reset", "/api/v1/docs"]

VISITORS = {
    "anonymous": None,
    "staff": "staff@example.org",
    "admin": "admin.gdansk@example.org",
    "evaluator": "evaluator.gdansk@example.org",
    "clerk": "clerk.gdansk@example.org",
}
OFFICIAL_ENTRY_POINTS = ["/staff/", "/gdansk/office/", "/account/settings"]
#: In English and Ukrainian: these visitors reach every view the others reach.
TRANSLATED_VISITORS = ["anonymous", "staff", "admin"]
LANGUAGES = ["pl", "en", "uk"]

#: axe-core's script, as pinned by axe-playwright-python.
AXE_SCRIPT = Axe().axe_script
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
    """axe-core's violations on the page; only violations are collected (``resultTypes``), which
    spares axe the details of every passed check without changing which rules run."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate(
        "options => axe.run(document, options).then(r => r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target)]))",
        options,
    )


def view_key(app):
    """The Flask endpoint that served the page: one page per view, whatever its ids or state."""
    urls = app.url_map.bind("127.0.0.1")

    def key(path: str) -> str:
        try:
            return urls.match(path.split("?")[0].split("#")[0], method="GET")[0]
        except HTTPException:  # a redirect or an unknown path: keep it apart
            return path

    return key


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


def walk(visit, entry_points: list[str], walked_whole: tuple[str, ...] = ()) -> list[str]:
    """Visit every page reachable from the entry points, in the order reached; return their paths.

    ``visit(path)`` returns the page's links (``None`` if it is not an HTML page). Pages are
    visited once per pattern (:func:`page_pattern`), except under the paths ``walked_whole`` (an
    edition in a given phase), whose pages are each visited.
    """
    seen: set[str] = set()
    pages: list[str] = []
    queue = deque(entry_points)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        whole = next((prefix for prefix in walked_whole if path.split("?")[0].startswith(prefix)), None)
        pattern = whole + page_pattern(path[len(whole):]) if whole else page_pattern(path)
        if pattern in seen:
            continue
        seen.add(pattern)
        links = visit(path)
        if links is None:
            continue
        pages.append(path)
        queue.extend(links)
    assert len(seen) >= len(entry_points), "the crawl reached too few pages"
    return pages


def same_site_paths(base_url: str, path: str, hrefs) -> list[str]:
    """The links to pages of this site, as paths with their query."""
    paths = []
    for href in hrefs:
        target = urlsplit(urljoin(base_url + path, href))
        if target.netloc == urlsplit(base_url).netloc and not NOT_PAGES.search(target.path):
            paths.append(target.path + (f"?{target.query}" if target.query else ""))
    return paths


class _Page(HTMLParser):
    """A page's links, and its markup without its text: every element's tag, classes, role and
    type (digits dropped), so that pages alike but for their text are checked once."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.elements: set[str] = set()
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])
        if tag == "body":
            self.in_body = True
        elif self.in_body:
            classes = "".join(f".{name}" for name in sorted((attributes.get("class") or "").split()))
            hidden = "~" if "aria-hidden" in attributes else ""
            self.elements.add(f"{tag}{classes}[{attributes.get('role') or ''}]{attributes.get('type') or ''}{hidden}")

    @property
    def shape(self) -> str:
        return hashlib.sha256(re.sub(r"[0-9]+", "", " ".join(sorted(self.elements))).encode()).hexdigest()


@dataclass(frozen=True)
class CrawledPage:
    path: str
    #: The markup without its text (:class:`_Page`).
    shape: str
    html: str


def pages_over_http(
    base_url: str, state: dict | None, user_agent: str, language: str, entry_points: list[str], walked_whole: tuple[str, ...] = (),
) -> list[CrawledPage]:
    """The pages a visitor reaches, with their HTML and markup's shape, found from the server's
    HTML without rendering them: the walk of :func:`walk`, with the visitor's cookies and the
    browser's user agent (a session moved to another browser is dropped)."""
    jar = CookieJar()
    for cookie in (state or {}).get("cookies", []):
        jar.set_cookie(Cookie(
            0, cookie["name"], cookie["value"], None, False, cookie["domain"], False, False, cookie["path"], True,
            cookie["secure"], None, False, None, None, {},
        ))
    opener = build_opener(HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", user_agent)]
    opener.open(f"{base_url}/lang/{language}?next=/").close()
    crawled: dict[str, CrawledPage] = {}

    def visit(path: str) -> list[str] | None:
        try:
            with opener.open(base_url + path) as response:
                if "text/html" not in response.headers.get("content-type", ""):
                    return None
                # Sent to sign in: the visitor does not see this page (the walk would not either).
                if urlsplit(response.geturl()).path == "/account/login" and not path.startswith("/account/login"):
                    return None
                html = response.read().decode()
        except HTTPError:
            return None
        page = _Page()
        page.feed(html)
        crawled[path] = CrawledPage(path, page.shape, html)
        return same_site_paths(base_url, path, page.hrefs)

    return [crawled[path] for path in walk(visit, entry_points, walked_whole)]


def render(page, crawled: CrawledPage, language: str) -> None:
    """Show the crawled page's HTML in the browser's page, which is open on the same site."""
    page.set_content(crawled.html)
    assert page.get_attribute("html", "lang") == language, crawled.path


def axe_in_browser(page, language: str, pages: list[CrawledPage]) -> dict[str, list]:
    """axe-core's violations on each page, as the visitor fetched it in the language."""
    violations = {}
    for crawled in pages:
        render(page, crawled, language)
        if found := axe_violations(page):
            violations[crawled.path] = found
    return violations


def overflow_in_browser(page, language: str, pages: list[CrawledPage], root_font_size: str = "") -> dict[str, list]:
    """:func:`horizontal_overflow` on each page, with the root font size set (text zoom) if given."""
    overflowing = {}
    for crawled in pages:
        render(page, crawled, language)
        if root_font_size:
            page.evaluate("size => document.documentElement.style.fontSize = size", root_font_size)
        if found := horizontal_overflow(page):
            overflowing[crawled.path] = found
    return overflowing


@pytest.fixture(scope="module")
def user_agent(browser) -> str:
    probe = browser.new_page()
    try:
        return probe.evaluate("navigator.userAgent")
    finally:
        probe.close()


@pytest.fixture(scope="module")
def signed_in_states(signed_in):
    return {visitor: signed_in(email) for visitor, email in VISITORS.items() if email}


def edition_paths(demo_editions: dict, office: bool) -> list[str]:
    """Gdańsk's demo editions, one per phase, to walk whole: public pages, and the office's."""
    paths = [f"/gdansk/editions/{edition_id}/" for edition_id in demo_editions.values()]
    return paths + ([f"/gdansk/office/editions/{edition_id}/" for edition_id in demo_editions.values()] if office else [])


@pytest.fixture(scope="module")
def crawled(demo_server, user_agent, signed_in_states, demo_editions):
    """``crawled(visitor, language)``: the pages the visitor reaches in the language, from the
    entry points and each of Gdańsk's demo editions walked whole (its public pages, and the
    office's for officials); fetched once for every test of this module."""
    done = {}

    def pages(visitor: str, language: str) -> list[CrawledPage]:
        if (visitor, language) not in done:
            official = bool(VISITORS[visitor])
            editions = edition_paths(demo_editions, office=official)
            entry_points = ENTRY_POINTS + (OFFICIAL_ENTRY_POINTS if official else []) + editions
            found = pages_over_http(demo_server.url, signed_in_states.get(visitor), user_agent, language, entry_points, tuple(editions))
            if official:  # signed in over HTTP too: the office is reached
                assert any(page.path.startswith(("/gdansk/office/", "/staff/")) for page in found), [page.path for page in found]
            done[visitor, language] = found
        return done[visitor, language]

    return pages


@pytest.fixture(scope="module")
def site_page(demo_server, browser, signed_in_states):
    """``site_page(visitor)``: a browser page open on the demo's site with the visitor's cookies
    (the pictures a page shows load as for them), into which each page to check is written."""
    contexts = {}

    def page(visitor: str):
        if visitor not in contexts:
            contexts[visitor] = browser.new_context(storage_state=signed_in_states.get(visitor))
            contexts[visitor].new_page().goto(demo_server.url + "/")
        return contexts[visitor].pages[0]

    yield page
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="module")
def axe_checked() -> dict[str, set]:
    """Audience → the markup shapes axe has checked in Polish (officials see public pages alike,
    but for their menu: one official's check serves all)."""
    return {}


@pytest.mark.browser
@pytest.mark.parametrize("visitor", list(VISITORS))
def test_no_wcag_violations_in_polish(crawled, site_page, axe_checked, visitor):
    """Every page, for each kind of visitor, and each of Gdańsk's demo editions walked whole;
    axe checks each markup once per audience."""
    checked = axe_checked.setdefault("anonymous" if visitor == "anonymous" else "officials", set())
    to_check = []
    for page in crawled(visitor, "pl"):
        if page.shape not in checked:
            checked.add(page.shape)
            to_check.append(page)
    assert axe_in_browser(site_page(visitor), "pl", to_check) == {}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "uk"])
def test_no_wcag_violations_translated(demo_server, crawled, site_page, language):
    """Each view once in the language, whoever reaches it first (the markup was checked in Polish)."""
    key = view_key(demo_server.app)
    views: dict[str, tuple[str, CrawledPage]] = {}
    for visitor in TRANSLATED_VISITORS:
        for page in crawled(visitor, language):
            views.setdefault(key(page.path), (visitor, page))
    assert len(views) > 60, sorted(views)
    violations = {}
    for visitor in TRANSLATED_VISITORS:
        pages = [page for seen_by, page in views.values() if seen_by == visitor]
        violations |= axe_in_browser(site_page(visitor), language, pages)
    assert violations == {}


def one_per_pattern(pages: list[CrawledPage]) -> list[CrawledPage]:
    """The first page of each :func:`page_pattern` (the edition walks visit a pattern in each edition)."""
    firsts: dict[str, CrawledPage] = {}
    for page in pages:
        firsts.setdefault(page_pattern(page.path), page)
    return list(firsts.values())


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("visitor", ["anonymous", "admin"])
def test_reflow_at_320_px(crawled, site_page, visitor, language):
    page = site_page(visitor)
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        overflowing = overflow_in_browser(page, language, one_per_pattern(crawled(visitor, language)))
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
    assert overflowing == {}


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_text_zoom_200_percent(crawled, site_page, language):
    """Text at 200 % (the root font size doubled) on a 1280 px screen: nothing overflows."""
    page = site_page("admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    try:
        overflowing = overflow_in_browser(page, language, one_per_pattern(crawled("admin", language)), root_font_size="200%")
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
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
