"""Static files under fingerprinted names: /static/feedback.3f9c2a1b7d0e.css.

``url_for("static", filename="feedback.css")`` gives the name with a digest of the file's content,
so that the file can be cached for a year (by browsers and by nginx, deploy/nginx.conf) and a new
version gets a new address. The plain name keeps working, without the long cache lifetime.
"""

from __future__ import annotations

import hashlib
import os
import re

from flask import Flask, send_from_directory
from werkzeug.security import safe_join

DIGEST_LENGTH = 12
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{%d})(?P<suffix>\.[A-Za-z0-9]+)$" % DIGEST_LENGTH)
YEAR = 365 * 24 * 3600


class Fingerprints:
    """The digest of each file of a static folder, read again when the file changes."""

    def __init__(self, folder: str):
        self.folder = folder
        self._known: dict[str, tuple[int, int, str]] = {}

    def digest(self, filename: str) -> str | None:
        path = safe_join(self.folder, filename)
        try:
            stat = os.stat(path) if path else None
        except OSError:
            return None
        if stat is None or not os.path.isfile(path):
            return None
        known = self._known.get(filename)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        sha = hashlib.sha256()
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(65536), b""):
                sha.update(block)
        digest = sha.hexdigest()[:DIGEST_LENGTH]
        self._known[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def name(self, filename: str) -> str:
        """``feedback.css`` -> ``feedback.<digest>.css`` (unchanged if there is no such file)."""
        digest = self.digest(filename)
        if digest is None:
            return filename
        stem, dot, suffix = filename.rpartition(".")
        if not dot or "/" in suffix:
            return filename
        return f"{stem}.{digest}.{suffix}"


def init_app(app: Flask) -> None:
    if not app.static_folder or "static" not in app.view_functions:
        return
    fingerprints = Fingerprints(app.static_folder)
    app.extensions["feedback.assets"] = fingerprints
    plain_view = app.view_functions["static"]

    @app.url_defaults
    def fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = fingerprints.name(values["filename"])

    def static(filename):
        match = FINGERPRINTED.match(filename)
        if match:
            original = match["stem"] + match["suffix"]
            if fingerprints.digest(original) == match["digest"]:
                response = send_from_directory(app.static_folder, original, max_age=YEAR)
                response.cache_control.immutable = True
                return response
            # An old digest (a page cached across an upgrade): today's file, not cached for long.
            if fingerprints.digest(original) is not None:
                return send_from_directory(app.static_folder, original)
        return plain_view(filename=filename)

    app.view_functions["static"] = static
