"""User-written Markdown: rendered with markdown-it-py, then sanitised with nh3.

Raw HTML is never rendered (markdown-it escapes it); :func:`html_in_markdown` lets forms refuse
it with a clear message instead of silently dropping what the author typed. nh3 is the second
layer: whatever the renderer emits, only the tags and attributes below reach the page.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_html_detector = MarkdownIt("commonmark", {"html": True})

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for ``text``: headings start at h2 (the page owns h1), links get ``rel``."""
    if not text:
        return Markup("")
    html = _renderer.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(cleaned)


def html_in_markdown(text: str | None) -> list[str]:
    """The raw HTML fragments in ``text`` (e.g. ``<script>``), in order of appearance."""
    if not text:
        return []
    found = []
    for token in _html_detector.parse(text):
        if token.type == "html_block":
            found.append(token.content.strip())
        for child in token.children or ():
            if child.type == "html_inline":
                found.append(child.content)
    return found
