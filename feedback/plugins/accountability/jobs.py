"""The accountability plugin's background jobs: they take ids and may run twice."""

from __future__ import annotations

from sqlalchemy import select

from feedback.extensions import db
from feedback.pluginmanager import fire_event
from feedback.plugins.accountability.models import ApologyLetter
from feedback.timeutil import LOCAL_TZ
from feedback.transaction import run


def render_letter(letter_id: int) -> str:
    """Make the PDF of a letter of apology numbered by tick, then send it to the filer; once."""
    return run(lambda: _render_letter(letter_id))


def _render_letter(letter_id: int) -> str:
    from feedback.plugins.accountability.letters import render_letter as render

    query = select(ApologyLetter).where(ApologyLetter.id == letter_id, ApologyLetter.pdf.is_(None))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()  # a duplicated job waits, then finds the PDF made
    letter = db.session.scalar(query)
    if letter is None:
        return "nothing to do"
    # Dated the day tick numbered it, whenever the job runs.
    letter.pdf = render(letter, letter.created_at.astimezone(LOCAL_TZ).date())
    db.session.flush()
    fire_event("feedback_apology_issued", item=letter.item, letter=letter)
    return "rendered"
