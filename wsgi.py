"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""
import gc

from pb_service import create_app

app = create_app()
# What the app holds for the life of the process (modules, models, routes, configuration: about
# 200,000 objects) leaves the cyclic garbage collector's care: each full collection walked all of
# them, about 130 ms in the middle of a request (docs/performance.md, "Analytics at scale").
gc.freeze()
