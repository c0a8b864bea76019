"""The ballot page for the public, put together from parts rendered once per process.

The page cannot be kept whole: unless the edition drew one order by lot, every voter gets the
projects in an order of their own (``BallotSpec.ordered``), and every page carries the visitor's
CSRF token. Everything else is the same for every visitor of an edition, district and language:
the page around the lists (rendered once with marks where the token, the seed and each pool's list
go) and each project's entry (rendered once). A visit then costs the token, the seed, the shuffle
and a join. Only a plain visit by someone not signed in takes this path (no values to fill in, no
errors, no flashed messages); the caches follow every change of the edition, its levels, pools,
categories and projects and of the municipality (:mod:`pb_service.core.cache`).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, render_template, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from pb_service.core.cache import ProcessCache, may_read_cached_rows
from pb_service.core.i18n import current_language
from pb_service.editions.models import Category, Edition, Level, Pool
from pb_service.municipalities.models import Municipality
from pb_service.proposals.models import Proposal
from pb_service.voting.ballot import BallotSpec, new_voter_seed
from pb_service.voting.forms import district_input
from pb_service.voting.identification import identity_fields

_BALLOT_MODELS = (Municipality, Edition, Level, Pool, Category, Proposal)
#: Pages rendered with marks (the ballot around its lists, the receipt), per edition, address and language.
PAGE_FRAMES = ProcessCache("ballot page frames", _BALLOT_MODELS)
#: Each project's entry on the ballot, per edition, pool and language.
CHOICE_ENTRIES = ProcessCache("ballot entries", _BALLOT_MODELS)

#: Marks in the rendered frame; NUL never occurs in a page (input with it is refused).
_MARK = "\x00"
_CSRF, _SEED, _POOL, _RECEIPT = "csrf", "seed", "pool:", "receipt"
_NO_VALUES = MultiDict()


def plain_visit(spec: BallotSpec | None = None) -> bool:
    """Someone not signed in, with no message waiting; for the ballot: a first look (nothing to
    fill in but the district, nothing to say)."""
    if "_flashes" in session or not may_read_cached_rows():
        return False
    if spec is None:
        return True
    district_inputs = {district_input(level.id) for level in spec.levels if level.is_district}
    return request.method == "GET" and all(key in district_inputs for key in request.args) \
        and all(len(request.args.getlist(key)) == 1 for key in request.args)


def assembled_ballot_page(edition: Edition, spec: BallotSpec, districts: dict[str, str], form) -> str:
    """The page a plain visit gets, with this visitor's token and order of projects."""
    language = current_language()
    parts = _frame_parts(edition, "voting/ballot.html", lambda: dict(
        edition=edition, spec=spec, form=form, errors={}, values=request.values, identity_fields=identity_fields(edition),
        districts=districts, step="ballot", code_sent=False, seed=_mark(_SEED), csrf_token=lambda: _mark(_CSRF),
        choice_lists={pool.id: _mark(f"{_POOL}{pool.id}") for level in spec.levels for pool in level.pools},
    ))
    seed = new_voter_seed()
    fillings = {_CSRF: generate_csrf, _SEED: lambda: seed}
    return _filled(parts, lambda part: fillings[part]() if part in fillings else
                   _choice_list(edition, spec, int(part.removeprefix(_POOL)), seed, language))


def assembled_receipt_page(edition: Edition, receipt: str) -> str:
    """The thank-you page with the voter's receipt code (the same page for everyone else)."""
    parts = _frame_parts(edition, "voting/receipt.html", lambda: dict(edition=edition, receipt=_mark(_RECEIPT)))
    return _filled(parts, lambda _part: escape(receipt))


def _mark(name: str) -> Markup:
    return Markup(f"{_MARK}{name}{_MARK}")


def _frame_parts(edition: Edition, template: str, context: Callable[[], dict]) -> list[str]:
    """``template`` rendered once per edition, language and address, split at its marks: text at
    even positions, the mark's name at odd ones."""
    key = (template, edition.id, edition.updated_at, current_language(), request.host_url, request.full_path)
    return PAGE_FRAMES.get_or_build(key, lambda: render_template(template, **context()).split(_MARK))


def _filled(parts: list[str], filling) -> str:
    return "".join(part if number % 2 == 0 else filling(part) for number, part in enumerate(parts))


def _choice_list(edition: Edition, spec: BallotSpec, pool_id: int, seed: str, language: str) -> str:
    level, pool = spec.pool(pool_id)

    def render_entries() -> dict[int, str]:
        choice = current_app.jinja_env.get_template("voting/_choice.html").module.choice
        return {project.id: str(choice(level, pool, project, _NO_VALUES)) for project in pool.projects}

    entries = CHOICE_ENTRIES.get_or_build((edition.id, edition.updated_at, pool_id, language), render_entries)
    return '<ul class="choice-list">' + "".join(entries[project.id] for project in spec.ordered(pool, seed)) + "</ul>"
