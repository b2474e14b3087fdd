"""WSGI entry point for production servers: `waitress-serve wsgi:app` or `gunicorn wsgi:app`."""

from web import create_app

app = create_app()
