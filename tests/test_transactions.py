"""Transactions at the boundary: services flush; the request, the CLI command and a job commit."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import abort
from sqlalchemy import select

from pb_service.accounts.models import User
from pb_service.core.permissions import public
from pb_service.core.transactions import discard_changes
from pb_service.extensions import db
from tests.conftest import IsolatedClient, make_app
from tests.factories import make_user

PACKAGE = Path(__file__).resolve().parent.parent / "pb_service"

#: Where a commit may be written, and why.
COMMITTERS = {
    "core/transactions.py": "the request's commit",
    "cli.py": "the command's commit",
    "voting/services.py": "the ballot box's own transaction: a vote, a refused attempt, a guessed code",
    "voting/mixing.py": "the mix after a vote, in a transaction of its own",
    "accounts/lockout.py": "the attempt counter, committed before the check it counts",
    "analytics/importer.py": "a batch import: an edition's files together or not at all",
    "demo/__init__.py": "the demo loader, run by its command",
    "demo/server.py": "the rest of the demo, loaded by make run's server in a thread of its own, as a job is",
    "results/demo.py": "the demo loader's edition counted by a job, as a large one is",
    "extensions.py": "the session's commit itself, after which the jobs it decided leave",
    "core/database.py": "commit_keeping_loaded: the ballot box's commit",
    "core/jobs/queue.py": "a job's commit, in the worker or in-process after the request's",
    "core/jobs/services.py": "a job's progress, committed apart so that officials see it while the job runs",
    "tasks.py": "a mail's claim, committed before it is sent (a job run twice sends one mail), and its sending, committed before QUIT (or the claim released); one per hub reminder sent; one per pool's measures",
}


def commits_in(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]


def test_services_flush_and_only_the_boundaries_commit():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if commits_in(path) and name not in COMMITTERS:
            found[name] = commits_in(path)
    assert found == {}


@pytest.fixture
def boundary_app(app, smtp_server):
    """An app of its own (routes cannot be added to one that served requests), on the same database."""
    fresh = make_app(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server.port)

    def add_user(email):
        db.session.add(User(email=email, display_name="Boundary", password_hash="x"))
        db.session.flush()

    @fresh.post("/boundary/<outcome>/<email>")
    @public
    def boundary(outcome: str, email: str):
        add_user(email)
        if outcome == "crash":
            raise RuntimeError("a bug after the write")
        if outcome == "server-error":
            abort(503)
        if outcome == "discard":
            discard_changes()
        if outcome == "refused":
            return "refused", 422
        return "done"

    fresh.test_client_class = IsolatedClient
    return fresh


def _kept(session, email: str) -> bool:
    return session.scalar(select(User.id).where(User.email == email)) is not None


@pytest.mark.parametrize(("outcome", "kept"), [
    ("ok", True), ("refused", True), ("discard", False), ("server-error", False),
])
def test_a_request_commits_its_changes_unless_it_failed_or_opted_out(boundary_app, session, outcome, kept):
    email = f"boundary-{outcome}@example.org"
    with boundary_app.app_context():
        boundary_app.test_client().post(f"/boundary/{outcome}/{email}")
    assert _kept(session, email) is kept


def test_a_request_that_raises_keeps_nothing(boundary_app, session):
    boundary_app.config["PROPAGATE_EXCEPTIONS"] = True
    with boundary_app.app_context(), pytest.raises(RuntimeError):
        boundary_app.test_client().post("/boundary/crash/boundary-crash@example.org")
    assert not _kept(session, "boundary-crash@example.org")


def test_a_refused_form_undoes_only_what_its_action_started(app, session, in_request):
    from pb_service.core.transactions import undone_if_refused
    from pb_service.core.validation import ServiceValidationError

    before = make_user(session)

    def refused_action():
        make_user(session, email="refused@example.org")
        raise ServiceValidationError.single("", "no")

    with pytest.raises(ServiceValidationError):
        undone_if_refused(refused_action)
    assert not _kept(session, "refused@example.org")
    assert _kept(session, before.email)
