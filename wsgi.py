"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""
from pb_service import create_app

app = create_app()
