"""Full-text search over hub materials, behind one function: :func:`search_materials`.

How words are matched, the same on both databases:
- The service layer writes ``MaterialTranslation.search_text`` on every save: the title, summary
  and body (and a course's modules and lessons) lower-cased with Polish diacritics folded
  (``ą`` → ``a``, ``ł`` → ``l``...). So "budzet" finds "budżet" without the ``unaccent`` extension.
- A query term is cut to a stem by a small table of inflection endings of the reader's language
  (twice, for adjectives such as "budżetowego") and searched as a prefix: "budżetu", "budżetem"
  and "budżetowego" all become ``budzet*`` and find "budżet", "budżetowy"... No Polish dictionary ships with PostgreSQL (nor with SQLite), so forms whose stem
  changes ("ławka" / "ławce", "miasto" / "mieście") are not matched; that is the limit.

Engines: PostgreSQL's full-text search with the ``simple`` configuration (no stemming, no stop
words; a GIN expression index serves it) and SQLite's FTS5 (an external-content table kept in
sync by triggers, both created by the migration only on SQLite). Matches are highlighted by our
own highlighter, which escapes everything it does not mark, so both engines look the same.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
from markupsafe import Markup, escape
from sqlalchemy import Float, Integer, and_, exists, func, literal_column, or_, select, text
from sqlalchemy.orm import aliased, contains_eager, selectinload

from pb_service.core.markdown import render_markdown
from pb_service.core.pagination import Page, paginate
from pb_service.extensions import db
from pb_service.hub.permissions import sees_officials_only
from pb_service.hub.models import (
    Audience,
    Material,
    MaterialAudience,
    MaterialKind,
    MaterialTopic,
    MaterialTranslation,
    PublicationStatus,
    Topic,
    Visibility,
)

PAGE_SIZE = 20
#: Characters of context shown around the first match.
SNIPPET_WORDS = 28
#: A stem keeps at least this many letters: shorter prefixes match too much.
MIN_STEM = 4
MAX_TERMS = 8

_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")
_WORD = re.compile(r"\w+", re.UNICODE)

#: Inflection endings cut from query terms (longest first), written after folding.
_ENDINGS = {
    "pl": (
        "owie", "ami", "ach", "ego", "emu", "ych", "ich", "ymi", "imi", "owi", "iem", "iej",
        "ow", "om", "em", "ie", "ej", "ym", "im", "ia", "iu", "ii", "a", "e", "i", "o", "u", "y",
    ),
    "en": ("ing", "es", "ed", "s"),
    "uk": (
        "ами", "ями", "ові", "еві", "ого", "ому", "ими", "их", "ах", "ях", "ам", "ям", "ом", "ем",
        "ів", "ою", "ею", "ій", "ий", "ої", "а", "я", "у", "ю", "і", "и", "е", "о",
    ),
}

POSTGRESQL_ENGINE = "PostgreSQL full-text search"
SQLITE_ENGINE = "SQLite FTS5"

#: Search structures only the migration knows (SQLite's FTS5 table and its shadow tables,
#: PostgreSQL's GIN expression index): the models cannot declare them for one dialect only, so
#: autogenerate and the models-match-migrations test leave them out by name.
SEARCH_ONLY_NAMES = ("hub_material_fts", "ix_hub_material_translation_fts")


def outside_search_structures(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: False for the search-only structures above."""
    return not (name or "").startswith(SEARCH_ONLY_NAMES)


def fold(text_value: str) -> str:
    """Lower case with Polish diacritics removed: the form both documents and queries take."""
    return (text_value or "").lower().translate(_FOLD)


def build_search_text(*parts: str) -> str:
    """What ``search_text`` holds for these pieces of text."""
    return fold("\n".join(part for part in parts if part))


#: Endings are cut at most this often: "budżetowego" → "budzetow" → "budzet".
STEM_PASSES = 2


def _cut_ending(term: str, language: str) -> str:
    for ending in _ENDINGS.get(language, ()):
        if term.endswith(ending) and len(term) - len(ending) >= MIN_STEM:
            return term[: -len(ending)]
    return term


def stem(term: str, language: str) -> str:
    for _pass in range(STEM_PASSES):
        term = _cut_ending(term, language)
    return term


def query_stems(query: str, language: str) -> list[str]:
    """The prefixes a query searches for, e.g. ``["budzet", "obywatelsk"]``."""
    stems = []
    for word in _WORD.findall(fold(query))[:MAX_TERMS]:
        word = stem(word.replace("_", ""), language)
        if word and word not in stems:
            stems.append(word)
    return stems


def engine_name(session=None) -> str:
    dialect = (session or db.session).get_bind().dialect.name
    return POSTGRESQL_ENGINE if dialect == "postgresql" else SQLITE_ENGINE


@dataclass
class MaterialFilters:
    kind: MaterialKind | None = None
    topic: Topic | None = None
    audience: Audience | None = None


@dataclass
class SearchHit:
    material: Material
    translation: MaterialTranslation
    #: The reader's language is missing; this is the original.
    is_fallback: bool
    title: Markup
    snippet: Markup


@dataclass
class SearchResults:
    page: Page
    #: Which engine answered; None when nothing was searched for (plain listing).
    engine: str | None
    stems: list[str] = field(default_factory=list)


def _match_postgresql(stems: list[str]):
    """Translation ids and ranks matching every stem as a prefix (PostgreSQL)."""
    config = literal_column("'simple'::regconfig")
    # The index is on exactly this expression (see the migration).
    document = func.to_tsvector(config, MaterialTranslation.search_text)
    query = func.to_tsquery(config, " & ".join(f"{s}:*" for s in stems))
    return (
        select(MaterialTranslation.id.label("translation_id"), func.ts_rank(document, query).label("score"))
        .where(document.op("@@")(query))
        .subquery()
    )


def _match_sqlite(stems: list[str]):
    """Translation ids and ranks from the FTS5 table; FTS5's rank is better when lower."""
    # Stems hold only word characters, so quoting them makes each one a plain prefix term.
    fts_query = " ".join(f'"{s}"*' for s in stems)
    return (
        text(
            "SELECT rowid AS translation_id, -rank AS score FROM hub_material_fts "
            "WHERE hub_material_fts MATCH :fts_query"
        )
        .bindparams(fts_query=fts_query)
        .columns(translation_id=Integer, score=Float)
        .subquery()
    )


def _visible(viewer):
    visibility = [Visibility.PUBLIC] + ([Visibility.OFFICIALS] if sees_officials_only(viewer) else [])
    return and_(Material.status == PublicationStatus.PUBLISHED, Material.visibility.in_(visibility))


def _in_reader_language(locale: str):
    """The reader's language version, or the original where the reader's language is missing."""
    other = aliased(MaterialTranslation)
    has_reader_language = exists().where(other.material_id == Material.id, other.language == locale)
    return or_(
        MaterialTranslation.language == locale,
        and_(MaterialTranslation.language == Material.original_language, ~has_reader_language),
    )


def _filtered(statement, filters: MaterialFilters):
    if filters.kind is not None:
        statement = statement.where(Material.kind == filters.kind)
    if filters.topic is not None:
        statement = statement.where(
            exists().where(MaterialTopic.material_id == Material.id, MaterialTopic.topic == filters.topic)
        )
    if filters.audience is not None:
        statement = statement.where(
            exists().where(MaterialAudience.material_id == Material.id, MaterialAudience.audience == filters.audience)
        )
    return statement


def search_materials(query: str, locale: str, filters: MaterialFilters, viewer, page_number=1, per_page=PAGE_SIZE) -> SearchResults:
    """Published materials ``viewer`` may see, in ``locale`` (or their original), matching ``query``.

    An empty query lists the newest materials. Results are paginated and highlighted.
    """
    stems = query_stems(query or "", locale)
    statement = (
        select(MaterialTranslation)
        .join(MaterialTranslation.material)
        .where(_visible(viewer), _in_reader_language(locale))
        .options(
            contains_eager(MaterialTranslation.material),
            selectinload(MaterialTranslation.material, Material.topic_links),
            selectinload(MaterialTranslation.material, Material.audience_links),
        )
    )
    statement = _filtered(statement, filters)
    engine = None
    if stems:
        engine = engine_name()
        matches = _match_postgresql(stems) if engine == POSTGRESQL_ENGINE else _match_sqlite(stems)
        statement = statement.join(matches, matches.c.translation_id == MaterialTranslation.id).order_by(
            matches.c.score.desc(), Material.published_at.desc(), Material.id
        )
    else:
        statement = statement.order_by(Material.published_at.desc(), Material.id.desc())
    page = paginate(db.session, statement, page_number, per_page)
    page.items = [
        SearchHit(
            material=translation.material,
            translation=translation,
            is_fallback=translation.language != locale,
            title=highlight(translation.title, stems),
            snippet=snippet(plain_text(translation), stems),
        )
        for translation in page.items
    ]
    return SearchResults(page, engine, stems)


# --- highlighting ------------------------------------------------------------------------------


def plain_text(translation) -> str:
    """The summary and the body as plain text (Markdown rendered, then every tag removed)."""
    body = html.unescape(nh3.clean(str(render_markdown(translation.body)), tags=set()))
    return " ".join(f"{translation.summary} {body}".split())


def _matches(word: str, stems: list[str]) -> bool:
    folded = fold(word)
    return any(folded.startswith(s) for s in stems)


def highlight(value: str, stems: list[str]) -> Markup:
    """``value`` escaped, with each word that matches a stem in ``<mark>``."""
    if not stems:
        return escape(value)
    pieces, last = [], 0
    for match in _WORD.finditer(value):
        if _matches(match.group(), stems):
            pieces.append(escape(value[last : match.start()]))
            pieces.append(Markup("<mark>%s</mark>") % match.group())
            last = match.end()
    pieces.append(escape(value[last:]))
    return Markup("").join(pieces)


def snippet(value: str, stems: list[str]) -> Markup:
    """About :data:`SNIPPET_WORDS` words around the first match (or the opening), highlighted."""
    words = value.split(" ")
    first = next((i for i, word in enumerate(words) if stems and any(_matches(w, stems) for w in _WORD.findall(word))), 0)
    start = max(0, first - SNIPPET_WORDS // 3)
    excerpt = " ".join(words[start : start + SNIPPET_WORDS])
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return Markup(prefix) + highlight(excerpt, stems) + Markup(suffix)
