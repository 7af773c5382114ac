"""The minutes (biên bản) of a session as a state document: what they show, frozen as a plain dict
when they go to the chair, and their PDF made from that dict by the core's documents module.

Only public text goes in: questions and answers with personal data masked, private persons named
only with their consent. Every text is escaped by the template, so HTML, ``file:`` and web links
inside it are printed as text and never fetched.
"""

from __future__ import annotations

import datetime as dt

from feedback import documents, numbering
from feedback.extensions import db
from feedback.timeutil import LOCAL_TZ


def place_name(unit) -> str:
    """The locality written before the date (the unit's own, see ``Unit.document_place``)."""
    return unit.document_place


def abbreviation(unit) -> str:
    """The unit's part of a document's symbol ("STP", "UBND"; see ``Unit.document_abbreviation``)."""
    return unit.document_abbreviation


def minutes_number(session) -> str:
    """``07/BB-STP``: the next number of the unit's register of outgoing documents (feedback.numbering),
    for the year of the session, taken when the minutes are first frozen and kept by every later version."""
    for version in session.minutes:
        if version.content and version.content.get("number"):
            return version.content["number"]
    owner = ("dialogue", session.id)
    # Minutes sent back to the secretary lose their frozen content, not their number.
    numbered = numbering.given("BB", owner)
    if numbered is not None:
        return numbered.reference
    day = session.starts_at.astimezone(LOCAL_TZ).date()
    return numbering.take_one(session.unit, "BB", day, f"Biên bản hội nghị đối thoại ngày {day:%d/%m/%Y}",
                              owner=owner).reference


def snapshot(session, minutes) -> dict:
    """Everything the document shows, as plain values (frozen into the version)."""

    unit = session.unit
    starts = session.starts_at.astimezone(LOCAL_TZ)
    closing = (minutes.closing_at or session.ends_at).astimezone(LOCAL_TZ)
    return {
        "number": minutes_number(session),
        "version": minutes.version,
        "changes": minutes.changes,
        "unit": unit.name,
        "parent": unit.parent.name if unit.parent else "",
        "place": place_name(unit),
        "starts_at": starts.isoformat(),
        "closing_at": closing.isoformat(),
        "location": session.place,
        "online_link": session.online_link,
        "chair": {"name": session.chair_name, "title": session.chair_title},
        "secretary": {"name": session.secretary_name, "title": session.secretary_title},
        "invited": list(session.invited or []),
        "participants": session.participants,
        "agenda": [entry.label for entry in session.accepted_agenda],
        "questions": [{"number": q.number, "title": q.public_title, "body": q.public_body,
                       "answer": q.public_answer, "answered_by": q.answered_by}
                      for q in session.questions if not q.hidden],
        "commitments": [{"text": c.public_text, "unit": c.unit.name, "days": c.days,
                         "due": c.due_at.astimezone(LOCAL_TZ).date().isoformat()} for c in session.commitments],
        "summary": minutes.summary,
    }


def render(content: dict) -> bytes:
    """The PDF of the minutes from their frozen content."""
    starts = dt.datetime.fromisoformat(content["starts_at"])
    closing = dt.datetime.fromisoformat(content["closing_at"])
    return documents.render_pdf("dialogues/minutes.html", c=content, starts=starts, closing=closing,
                                day=starts.date(), due=lambda iso: dt.date.fromisoformat(iso))


def pdf_response(found, version: int | None = None):
    """The PDF of the published minutes (or of a version that was published): 404 until published,
    503 while the job is still making it."""
    from flask import current_app
    from flask_babel import gettext as _
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from feedback.errors import NotFound
    from feedback.plugins.dialogues.models import Minutes

    query = select(Minutes).where(Minutes.session_id == found.id, Minutes.status.in_(("published", "superseded")))
    query = query.where(Minutes.version == version) if version else query.where(Minutes.status == "published")
    minutes = db.session.scalar(query.options(undefer(Minutes.pdf)))
    if minutes is None:
        raise NotFound(_("The minutes of this session are not published yet."))
    if minutes.pdf is None:
        response = current_app.response_class(_("The PDF of the minutes is being made: try again in a minute."),
                                              status=503, mimetype="text/plain")
        response.headers["Retry-After"] = "30"
        return response
    response = current_app.response_class(minutes.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="bien-ban-doi-thoai-{found.id}-v{minutes.version}.pdf"'
    response.headers["ETag"] = f'"{minutes.pdf_sha256}"'
    return response
