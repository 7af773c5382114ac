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
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        # Shared by every process and machine when there is Redis; else counted per process.
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    # Redis down must not stop a citizen: count in this process's memory until it is back.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "unix://")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 2, "socket_timeout": 2})
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    app.extensions["feedback.limiter"] = limiter
    for endpoint, view in list(app.view_functions.items()):
        mark = getattr(view, "feedback_rate_limit", None)
        if mark:
            setting, methods, exempt_when = mark
            app.view_functions[endpoint] = limiter.limit(lambda setting=setting: app.config[setting],
                                                         methods=methods, exempt_when=exempt_when)(view)
    return limiter
