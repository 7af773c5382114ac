"""The WSGI entry point for production servers: gunicorn wsgi:app."""

from feedback import create_app

app = create_app()
