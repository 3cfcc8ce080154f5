"""WSGI entry point: `gunicorn -w 4 wsgi:app`."""

from app import serve_app

app = serve_app()
