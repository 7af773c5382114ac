"""Reminders and escalation of the dialogues' obligations, decided when the core finds them due
(feedback_obligations_due): a commitment reminds the head of the responsible unit and, once
overdue, goes up to the head of its parent unit; late minutes do the same for the session's unit.

Each notice is written to the session's log (who was told, about what, for which deadline) and
asked for as a message to that head (feedback.messages), once per obligation, kind and deadline as
the core gives them. A fixed number of queries for any number of notices.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from feedback.extensions import db
from feedback.plugins.dialogues.models import Commitment, DialogueSession, SessionEvent
from feedback.units.models import Unit

# The core's notice kinds → what the log says was done.
ACTIONS = {
    ("dialogue_commitment", "due_soon"): "commitment_reminder",
    ("dialogue_commitment", "due_today"): "commitment_reminder",
    ("dialogue_commitment", "overdue"): "commitment_escalated",
    ("dialogue", "due_soon"): "minutes_reminder",
    ("dialogue", "due_today"): "minutes_reminder",
    ("dialogue", "overdue"): "minutes_escalated",
}


def tell_due(owner_type: str, notices: list, now: dt.datetime) -> list[SessionEvent]:
    ids = {notice.obligation.owner_id for notice in notices}
    if owner_type == "dialogue_commitment":
        owners = {c.id: c for c in db.session.scalars(select(Commitment).where(Commitment.id.in_(ids)).options(
            selectinload(Commitment.unit).selectinload(Unit.head),
            selectinload(Commitment.unit).selectinload(Unit.parent).selectinload(Unit.head)))}
    else:
        owners = {s.id: s for s in db.session.scalars(select(DialogueSession).where(DialogueSession.id.in_(ids))
                                                      .options(selectinload(DialogueSession.unit)
                                                               .selectinload(Unit.parent).selectinload(Unit.head)))}
    events, told = [], []
    for notice in notices:
        owner = owners.get(notice.obligation.owner_id)
        if owner is None or (owner_type == "dialogue_commitment" and owner.status != "open"):
            continue
        unit = owner.unit
        action = ACTIONS[(owner_type, notice.kind)]
        if notice.kind == "overdue":
            unit = unit.parent
            if unit is None:
                continue
        recipient = unit.head
        session = owner.session if owner_type == "dialogue_commitment" else owner
        event = SessionEvent(session_id=session.id, commitment_id=owner.id if owner_type == "dialogue_commitment" else None,
                             at=now, action=action,
                             data={"kind": notice.kind, "unit": unit.code, "due_at": notice.due_at.isoformat(),
                                   "recipient": recipient.id if recipient is not None else None})
        events.append(event)
        told.append((action, recipient, owner, session,
                     f"dialogues:{notice.obligation.id}:{notice.kind}:{notice.due_at.isoformat()}", notice.due_at))
    db.session.add_all(events)
    db.session.flush()
    from feedback import messages
    from feedback.plugins.dialogues.messages import to_staff

    messages.ask(*[to_staff(recipient, owner, f"dialogue_{action}", session, key, due)
                   for action, recipient, owner, session, key, due in told if recipient is not None])
    return events
