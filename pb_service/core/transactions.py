"""Transactions at the boundary: services flush; the request, the CLI command and a job commit.

A request's changes are committed once its response is ready, unless the response is a server
error or the view opted out with :func:`discard_changes` (both roll back). A refusal that a view
shows on its page undoes what the refused action had started, and only that
(:func:`undone_if_refused`, used by ``core.forms.save_form`` and ``run_action``): what the
request did before it is committed with the rest.

Two paths keep transactions of their own, committed where they run, because what they count
must hold whatever the request does next: the ballot box (``voting.services`` casting a
ballot, ``voting.mixing``) and the per-account attempt counter (``accounts.lockout``).
"""
from __future__ import annotations

from flask import Flask, g

from pb_service.extensions import db


def discard_changes() -> None:
    """Opt out: roll this request's changes back at its end instead of committing them."""
    g.discard_changes = True


def undone_if_refused(action):
    """Run ``action()`` in a savepoint: if it raises, what it wrote is rolled back and the error raised."""
    with db.session.begin_nested():
        return action()


def _end_request_transaction(response):
    if response.status_code >= 500 or g.pop("discard_changes", False):
        db.session.rollback()
    else:
        db.session.commit()
    return response


def register_request_commit(app: Flask) -> None:
    app.after_request(_end_request_transaction)
