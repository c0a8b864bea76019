<<<<<<< HEAD
"""User-written Markdown: rendered with markdown-it-py, then sanitised with nh3.

Raw HTML is never rendered (markdown-it escapes it); :func:`html_in_markdown` lets forms refuse
it with a clear message instead of silently dropping what the author typed. nh3 is the second
layer: whatever the renderer emits, only the tags and attributes below reach the page.
=======
"""Markdown written by people (proposals, hub materials) rendered to safe HTML.

markdown-it-py's CommonMark preset with tables, raw HTML disabled; nh3 (ammonia) then keeps only
a conservative list of tags, so even a bug in the renderer cannot let a script through.
>>>>>>> hub
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

<<<<<<< HEAD
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
=======
#: Tags that Markdown produces and that are safe to show.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol",
    "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}

_renderer = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str | None) -> Markup:
    """Markdown as sanitised HTML; links get ``rel="nofollow noopener"``."""
    html = _renderer.render(text or "")
>>>>>>> hub
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
<<<<<<< HEAD
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
=======
        link_rel="nofollow noopener",
    )
    return Markup(cleaned)
>>>>>>> hub
