"""Invisible formatting characters are removed from every single-line text the service stores.

Bidirectional controls (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the marks
U+200E, U+200F, U+061C) make a title render reversed or hide part of it ("Park‮anilno" shows as
"Parkonlina"); zero-width characters (U+200B–U+200D, U+2060–U+2064, U+FEFF) make two names that
look the same differ, or hide a word from search. No title, name, slug, e-mail address or code
needs them, so they are dropped whenever such a value is set on a model, whichever form, API or
command sets it. Multi-line text (descriptions, Markdown) keeps them: scripts and emoji use
zero-width joiners there.
"""
from __future__ import annotations

import re

from sqlalchemy import Enum, String, Text, event
from sqlalchemy.orm import Mapper

INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def without_invisible(value):
    """``value`` without bidirectional controls and zero-width characters (anything else as is)."""
    if isinstance(value, str) and INVISIBLE.search(value):
        return INVISIBLE.sub("", value)
    return value


def is_single_line(column) -> bool:
    """A plain ``String`` column: titles, names, slugs, addresses, codes (not ``Text``, not enums)."""
    kind = column.type
    return isinstance(kind, String) and not isinstance(kind, (Text, Enum))


def _strip_on_set(target, value, oldvalue, initiator):
    return without_invisible(value)


@event.listens_for(Mapper, "mapper_configured")
def _clean_single_lines(mapper, class_) -> None:
    for attribute in mapper.column_attrs:
        if any(is_single_line(column) for column in attribute.columns):
            event.listen(attribute.class_attribute, "set", _strip_on_set, retval=True)
