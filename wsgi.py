"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""
import gc
import itertools

from pb_service import create_app

app = create_app()
# What the app holds for the life of the process (modules, models, routes, configuration: about
# 200,000 objects) leaves the cyclic garbage collector's care: each full collection walked all of
# them, about 130 ms in the middle of a request (docs/performance.md, "Analytics at scale").
gc.freeze()

#: Requests after which a process is warm: its caches (ballot pages, compiled statements) are built.
WARM_AFTER = 500


def _freeze_when_warm(wsgi_app):
    """Once the process has served ``WARM_AFTER`` requests, what it built for them and keeps (about
    30,000 objects: the ORM's mappers configured, compiled statements, cached pages) leaves the
    collector's care too: a full collection walked them in 13 ms of CPU while every thread of the
    worker waited (docs/performance.md, "The tail of a ballot's latency")."""
    served = itertools.count(1)

    def counted(environ, start_response):
        if next(served) == WARM_AFTER:
            gc.collect()  # the garbage of the warm-up goes first; only what is still held is frozen
            gc.freeze()
        return wsgi_app(environ, start_response)

    return counted


app.wsgi_app = _freeze_when_warm(app.wsgi_app)
