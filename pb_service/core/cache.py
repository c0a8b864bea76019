"""Per-process caches of what the public pages read on every request (a municipality, an edition,
a ballot and its rendered parts), so that a ballot costs its own work and little else.

Each cache names the models its entries are made of. A change to one of them is seen at once in
the process that makes it: every flush (and ORM ``UPDATE``/``DELETE``) of such a model empties the
caches built from it, and so does the end of that transaction, so that nothing read between the
flush and a rollback survives it. Other processes (gunicorn's other workers) see the change when
their entries expire, after :data:`ROW_LIFETIME_SECONDS` at most. Officials and other signed-in
people (and API tokens) never read cached rows (:func:`may_read_cached_rows`): what they change,
they see.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

#: How long another process may go on showing a row (or a page part) that has changed.
ROW_LIFETIME_SECONDS = 5.0

T = TypeVar("T")
_CACHES: list["ProcessCache"] = []
_FLUSHED = "pb_cache_flushed_models"


class ProcessCache:
    """Values kept by key for ``lifetime`` seconds, forgotten when one of ``depends_on`` changes."""

    def __init__(self, name: str, depends_on: tuple[type, ...], lifetime: float = ROW_LIFETIME_SECONDS, max_entries: int = 512):
        self.name, self.depends_on, self.lifetime, self.max_entries = name, depends_on, lifetime, max_entries
        self._entries: dict[Hashable, tuple[float, object]] = {}
        _CACHES.append(self)

    def get(self, key: Hashable):
        found = self._entries.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: Hashable, value: T) -> T:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.lifetime, value)
        return value

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        found = self.get(key)
        return found if found is not None else self.put(key, build())

    def clear(self) -> None:
        self._entries.clear()

    def depends_on_any(self, models: set[type]) -> bool:
        return any(issubclass(model, self.depends_on) for model in models)


def forget_changed(models: set[type]) -> None:
    for cache in _CACHES:
        if cache.depends_on_any(models):
            cache.clear()


def forget_all() -> None:
    """Empty every cache (tests start from nothing; a command that changed rows behind the ORM)."""
    for cache in _CACHES:
        cache.clear()


def may_read_cached_rows() -> bool:
    """Cached rows serve the public (no one signed in, no API token); the others read the database."""
    if not has_request_context() or "Authorization" in request.headers:
        return False
    from flask_login import current_user

    return not current_user.is_authenticated


def cached_row(cache: ProcessCache, key: Hashable, session: Session, load: Callable[[], T | None]) -> T | None:
    """The row ``load`` finds, from ``cache`` when this request may read cached rows.

    A hit costs no statement: a detached copy of the row's columns is merged into ``session``
    without loading (its relationships load as usual when used).
    """
    if not may_read_cached_rows():
        return load()
    detached = cache.get(key)
    if detached is not None:
        return session.merge(detached, load=False)
    row = load()
    if row is not None and not _changed_in(session):
        cache.put(key, _detached_copy(row))
    return row


def _detached_copy(row):
    state = inspect(row)
    copy = state.mapper.class_manager.new_instance()
    for attribute in state.mapper.column_attrs:
        if attribute.key in state.dict:
            set_committed_value(copy, attribute.key, state.dict[attribute.key])
    make_transient_to_detached(copy)
    return copy


def _changed_in(session: Session) -> bool:
    """Whether ``session``'s transaction has flushed changes to cached models (not committed yet)."""
    return bool(session.info.get(_FLUSHED))


def _note_changed(session: Session, models: set[type]) -> None:
    models = {model for model in models if any(cache.depends_on_any({model}) for cache in _CACHES)}
    if models:
        session.info.setdefault(_FLUSHED, set()).update(models)
        forget_changed(models)


@event.listens_for(Session, "after_flush")
def _forget_on_flush(session: Session, flush_context) -> None:
    _note_changed(session, {type(instance) for instance in (*session.new, *session.dirty, *session.deleted)})


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        _note_changed(state.session, {state.bind_mapper.class_})


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction) -> None:
    models = session.info.get(_FLUSHED)
    if models:
        forget_changed(models)
        if transaction.parent is None:
            session.info.pop(_FLUSHED, None)
