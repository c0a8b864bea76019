"""``make run``'s server: the pages answer while the rest of the demo is being loaded.

The rest is loaded by a thread with its own session. On SQLite one connection writes at a time,
and a request whose read snapshot a commit of the loader has made stale cannot start writing at
all (``database is locked`` at once, whatever the busy timeout): signing in during the load
failed so. So while the rest loads, the loader's transactions and the requests take turns on one
lock: a request waits at most for one of the loader's transactions (an edition's import, about
a second), and after the load nothing waits.
"""
from __future__ import annotations

import threading

import click
from sqlalchemy import event
from werkzeug.serving import make_server

from pb_service.extensions import db


class _Turns:
    """The lock the loader's transactions and the requests take in turn, until the load is done."""

    def __init__(self, wsgi_app):
        self.lock = threading.Lock()
        self.loading = True
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if not self.loading:
            return self.wsgi_app(environ, start_response)
        with self.lock:
            return self.wsgi_app(environ, start_response)

    def watch(self, session) -> None:
        """Hold the lock from the start of each of ``session``'s outermost transactions to its end
        (savepoints inside it take nothing more)."""
        held = threading.Event()

        def begun(_session, transaction, _connection) -> None:
            if transaction.parent is None and not held.is_set():
                self.lock.acquire()
                held.set()

        def ended(_session, transaction) -> None:
            if transaction.parent is None and held.is_set():
                held.clear()
                self.lock.release()

        event.listen(session, "after_begin", begun)
        event.listen(session, "after_transaction_end", ended)


def serve_demo(app, host: str, port: int) -> None:
    """Serve ``app`` on ``host:port`` with the development server once the first part of the demo
    is committed, and load the rest meanwhile."""
    turns = _Turns(app.wsgi_app)
    app.wsgi_app = turns
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=_load_rest, args=(app, turns), name="demo-rest", daemon=True).start()
    click.echo(f"pb-service runs on http://{host}:{port}  (stop with Ctrl+C; the rest of the demo is being loaded)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("pb-service stopped.")


def _load_rest(app, turns: _Turns) -> None:
    from pb_service.demo import load_demo_rest

    with app.app_context():
        turns.watch(db.session())
        try:
            lines = load_demo_rest()
            db.session.commit()
        except Exception:
            # The server goes on with the first part; the next start loads what is missing.
            db.session.rollback()
            app.logger.exception("the rest of the demo could not be loaded")
            return
        finally:
            turns.loading = False
    click.echo("\n".join([*lines, "The demo is complete."]))
