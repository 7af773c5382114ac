"""gunicorn reads this file when it is started in the checkout (`gunicorn wsgi:app`). The settings
live in the package, feedback/gunicorn_conf.py, so that an installed wheel has them too
(`gunicorn --config python:feedback.gunicorn_conf 'feedback:create_app()'`)."""

from feedback.gunicorn_conf import *  # noqa: F401,F403
