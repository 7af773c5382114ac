"""The accountability plugin's background jobs: they take ids and may run twice."""

from __future__ import annotations

from sqlalchemy import select

from feedback import messages
from feedback.extensions import db
from feedback.items.messages import to_filer
from feedback.pluginmanager import fire_event
from feedback.plugins.accountability.models import ApologyLetter
from feedback.timeutil import LOCAL_TZ
from feedback.transaction import run


def render_letter(letter_id: int) -> str:
    """Make the PDF of a letter of apology numbered by tick, then ask for it to be sent to the filer; once."""
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
    item = letter.item
    request = to_filer(item, "apology", key=f"apology-letter:{letter.id}", attachment=letter.pdf,
                       attachment_name=f"xin-loi-{item.code}.pdf", date=letter.new_appointment.strftime("%d/%m/%Y"))
    if request is not None:
        messages.ask(request)
    fire_event("feedback_apology_issued", item=item, letter=letter)
    return "rendered"
