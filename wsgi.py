"""WSGI entry point: `gunicorn --config python:app.gunicorn_conf wsgi:app` (see README)."""

from app import serve_app

app = serve_app()
