"""Per-address rate limits: views are marked, and each app applies them with its own limiter."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def limited(setting: str, methods: list[str] | None = None, exempt_when=None):
    """Mark a view to be limited by the rate in the config key ``setting`` (e.g. "10 per minute").

    ``exempt_when``: a callable; when it returns True the request is not counted.
    """

    def mark(view):
        view.feedback_rate_limit = (setting, methods, exempt_when)
        return view

    return mark


def init_app(app: Flask) -> Limiter:
    """One limiter per app (a module-level one would share its switch and storage across apps)."""
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    app.extensions["feedback.limiter"] = limiter
    for endpoint, view in list(app.view_functions.items()):
        mark = getattr(view, "feedback_rate_limit", None)
        if mark:
            setting, methods, exempt_when = mark
            app.view_functions[endpoint] = limiter.limit(lambda setting=setting: app.config[setting],
                                                         methods=methods, exempt_when=exempt_when)(view)
    return limiter
