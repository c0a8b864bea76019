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

from flask import current_app, render_template, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
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
#: The page around the lists, as text parts and marks, per edition, address and language.
PAGE_FRAMES = ProcessCache("ballot page frames", _BALLOT_MODELS)
#: Each project's entry on the ballot, per edition, pool and language.
CHOICE_ENTRIES = ProcessCache("ballot entries", _BALLOT_MODELS)

#: Marks in the rendered frame; NUL never occurs in a page (input with it is refused).
_MARK = "\x00"
_CSRF, _SEED, _POOL = "csrf", "seed", "pool:"
_NO_VALUES = MultiDict()


def plain_visit(spec: BallotSpec) -> bool:
    """A first look at the ballot by someone not signed in: nothing to fill in, nothing to say."""
    if request.method != "GET" or "_flashes" in session or not may_read_cached_rows():
        return False
    district_inputs = {district_input(level.id) for level in spec.levels if level.is_district}
    return all(key in district_inputs for key in request.args) and all(len(request.args.getlist(key)) == 1 for key in request.args)


def assembled_ballot_page(edition: Edition, spec: BallotSpec, districts: dict[str, str], form) -> str:
    """The page a plain visit gets, with this visitor's token and order of projects."""
    language = current_language()
    key = (edition.id, edition.updated_at, language, request.host_url, request.full_path)
    parts = PAGE_FRAMES.get_or_build(key, lambda: _frame(edition, spec, districts, form))
    seed = new_voter_seed()
    page = []
    for number, part in enumerate(parts):
        if number % 2 == 0:
            page.append(part)
        elif part == _CSRF:
            page.append(generate_csrf())
        elif part == _SEED:
            page.append(seed)
        else:
            page.append(_choice_list(edition, spec, int(part.removeprefix(_POOL)), seed, language))
    return "".join(page)


def _frame(edition: Edition, spec: BallotSpec, districts: dict[str, str], form) -> list[str]:
    """The page rendered with marks: text at even positions, the mark's name at odd ones."""
    marks = {pool.id: Markup(f"{_MARK}{_POOL}{pool.id}{_MARK}") for level in spec.levels for pool in level.pools}
    html = render_template(
        "voting/ballot.html", edition=edition, spec=spec, form=form, errors={}, values=request.values,
        identity_fields=identity_fields(edition), districts=districts, step="ballot", code_sent=False,
        seed=Markup(f"{_MARK}{_SEED}{_MARK}"), csrf_token=lambda: Markup(f"{_MARK}{_CSRF}{_MARK}"), choice_lists=marks,
    )
    return html.split(_MARK)


def _choice_list(edition: Edition, spec: BallotSpec, pool_id: int, seed: str, language: str) -> str:
    level, pool = spec.pool(pool_id)

    def render_entries() -> dict[int, str]:
        choice = current_app.jinja_env.get_template("voting/_choice.html").module.choice
        return {project.id: str(choice(level, pool, project, _NO_VALUES)) for project in pool.projects}

    entries = CHOICE_ENTRIES.get_or_build((edition.id, edition.updated_at, pool_id, language), render_entries)
    return '<ul class="choice-list">' + "".join(entries[project.id] for project in spec.ordered(pool, seed)) + "</ul>"
