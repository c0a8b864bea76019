"""pb-service: participatory budgeting for Polish municipalities.

The top level is deliberately light: the rules engine (``pb_service.rules``) is used without
the web application, by researchers and by ``python -m pb_service.rules``, and must not pay
for importing Flask and SQLAlchemy.  The application factory lives in
:mod:`pb_service.factory`; ``from pb_service import create_app`` (wsgi.py, tests, the Flask
CLI) imports it on first use.
"""
from __future__ import annotations


def __getattr__(name: str):
    if name == "create_app":
        from pb_service.factory import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
