"""The dialogues plugin's background jobs: they take ids and may run twice."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from feedback.extensions import db
from feedback.plugins.dialogues.models import Minutes
from feedback.timeutil import utcnow
from feedback.transaction import run


def render_minutes(minutes_id: int) -> str:
    """Make the PDF of a version of the minutes, unless it was made from the same content already."""
    return run(lambda: _render_minutes(minutes_id))


def _render_minutes(minutes_id: int) -> str:
    from feedback.plugins.dialogues.minutes import render

    query = select(Minutes).where(Minutes.id == minutes_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()  # a duplicated job waits, then finds the PDF made
    minutes = db.session.scalar(query)
    if minutes is None or minutes.content is None:
        return "nothing to do"
    if minutes.pdf_sha256 and minutes.rendered_sha256 == minutes.content_sha256:
        return "already rendered"
    pdf = render(minutes.content)
    minutes.pdf, minutes.pdf_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    minutes.rendered_sha256, minutes.rendered_at = minutes.content_sha256, utcnow()
    db.session.flush()
    return "rendered"
