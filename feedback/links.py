"""Links to the site for messages, feeds and documents: built from PUBLIC_BASE_URL, never from the
Host header of a request (which anyone can forge)."""

from __future__ import annotations

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The full address of ``endpoint`` on the public site, inside a request or outside one (jobs, tick)."""
    path = current_app.url_map.bind("", script_name="/").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
