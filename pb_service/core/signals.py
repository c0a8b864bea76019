"""Signals between domains that must not import each other.

Results are published by :mod:`pb_service.results`; analytics (which depends on results)
recomputes the edition's indicators when they are. Editions close the vote; results counts it.
Editions remove a category; proposals, which use it, may say why not. A signal keeps the import
one way.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after an edition's results are published (in the same transaction): ``sender`` is the tenant,
#: ``edition`` the edition.
results_published = _signals.signal("results-published")

#: Sent when an official closes the vote (the edition moved into the results phase), inside the
#: request that did: ``sender`` is the tenant, ``edition`` the edition. A receiver may return the
#: page to show next (results counts the votes and shows its office).
voting_closed = _signals.signal("voting-closed")

#: Sent while a project's public page is built: ``sender`` is the tenant, ``proposal`` the project. A
#: receiver returns more values for the page (results: how the project did and how close it came).
project_page = _signals.signal("project-page")

#: Sent before an edition's category is removed: ``sender`` is the tenant, ``category`` the category.
#: A receiver returns why the category must stay (proposals: some of them use it), or None.
category_removal = _signals.signal("category-removal")
