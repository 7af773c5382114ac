"""Opening, extending, transferring and ending obligations, and finding in sets what is due.

Callers pass the moments (``at``, ``now``): the owner's service knows the time of the change it
records. Functions flush and fire hooks; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import exists, insert, select
from sqlalchemy.orm import joinedload

from feedback.extensions import db
from feedback.obligations.models import Obligation, ObligationChange, ObligationNotice
from feedback.pluginmanager import fire_event, hook
from feedback.timeutil import LOCAL_TZ
from feedback.workdays import Calendar, Deadline, local_deadline, recount


@dataclass(frozen=True)
class ObligationType:
    """A kind of obligation a capability owns: ``("item", "answer")``, later ``("dialogue", "minutes")``."""

    owner_type: str
    kind: str
    label: object = ""  # for people (a lazy string)


class UnknownObligationType(LookupError):
    """No enabled plugin registered this owner type and kind (feedback_obligation_types)."""


def types() -> dict[tuple[str, str], ObligationType]:
    """The obligation types of the enabled plugins; the first to register a pair wins."""
    found: dict[tuple[str, str], ObligationType] = {}
    for group in hook().feedback_obligation_types():
        for entry in group or ():
            found.setdefault((entry.owner_type, entry.kind), entry)
    return found


def current(owner_type: str, owner_id: int, kind: str) -> Obligation | None:
    """The open obligation of this owner and kind, if any (there is at most one)."""
    return db.session.scalar(select(Obligation).where(
        Obligation.owner_type == owner_type, Obligation.owner_id == owner_id, Obligation.kind == kind,
        Obligation.status == "open"))


def latest(owner_type: str, owner_id: int, kind: str) -> Obligation | None:
    """The most recent obligation of this owner and kind, open or ended."""
    return db.session.scalar(select(Obligation).where(
        Obligation.owner_type == owner_type, Obligation.owner_id == owner_id, Obligation.kind == kind,
    ).order_by(Obligation.id.desc()).limit(1))


def open_obligation(owner_type: str, owner_id: int, kind: str, deadline: Deadline, *, start_at: dt.datetime,
                    unit_id: int | None = None, assignee_id: int | None = None,
                    previous: Obligation | None = None) -> Obligation:
    """A new open obligation; UnknownObligationType unless a plugin registered the type."""
    if (owner_type, kind) not in types():
        raise UnknownObligationType(f"no enabled plugin registers obligations {owner_type!r}/{kind!r}")
    obligation = Obligation(owner_type=owner_type, owner_id=owner_id, kind=kind, unit_id=unit_id,
                            assignee_id=assignee_id, start_at=start_at, days=deadline.days, due_at=deadline.due_at,
                            basis=dict(deadline.explanation), status="open",
                            previous_id=previous.id if previous is not None else None)
    db.session.add(obligation)
    db.session.flush()
    return obligation


def end(obligation: Obligation, status: str, at: dt.datetime) -> None:
    """Close an open obligation as ``met``, ``cancelled`` or ``superseded``, recording once
    whether it was late."""
    if status not in ("met", "cancelled", "superseded"):
        raise ValueError(f"an obligation cannot end as {status!r}")
    if obligation.status != "open":
        raise ValueError(f"{obligation!r} has already ended")
    obligation.status, obligation.ended_at, obligation.late = status, at, at > obligation.due_at
    db.session.flush()


def extend(obligation: Obligation, deadline: Deadline, *, at: dt.datetime, actor_id: int | None = None,
           reason: str = "") -> ObligationChange:
    """Give the open obligation a new deadline (same holder), and keep what it was."""
    change = ObligationChange(obligation=obligation, action="extended", at=at, actor_id=actor_id,
                              due_before=obligation.due_at, due_after=deadline.due_at, past_due=at > obligation.due_at,
                              reason=reason, data={"days_before": obligation.days, "days_after": deadline.days})
    obligation.due_at, obligation.days, obligation.basis = deadline.due_at, deadline.days, dict(deadline.explanation)
    db.session.add(change)
    db.session.flush()
    return change


def transfer(obligation: Obligation, *, unit_id: int | None, assignee_id: int | None, deadline: Deadline | None,
             at: dt.datetime, actor_id: int | None = None, reason: str = "") -> Obligation:
    """End ``obligation`` as superseded at ``at`` and open the next holding at ``unit_id``.

    ``deadline`` is the receiving unit's (a new count); ``None`` keeps the same deadline. Either
    way the superseded row keeps its lateness if its deadline had already passed.
    """
    end(obligation, "superseded", at)
    kept = deadline is None
    successor = open_obligation(
        obligation.owner_type, obligation.owner_id, obligation.kind, obligation.deadline if kept else deadline,
        start_at=obligation.start_at if kept else at, unit_id=unit_id, assignee_id=assignee_id, previous=obligation)
    db.session.add(ObligationChange(
        obligation=obligation, action="transferred", at=at, actor_id=actor_id, due_before=obligation.due_at,
        due_after=successor.due_at, past_due=bool(obligation.late), reason=reason,
        data={"from_unit": obligation.unit_id, "to_unit": unit_id, "to_obligation": successor.id, "kept": kept}))
    db.session.flush()
    return successor


def recount_open(actor, at: dt.datetime) -> int:
    """After a change of the calendar: count every open obligation again from its start; each
    owner type hears of its moved obligations at once (feedback_obligations_recounted)."""
    calendar = Calendar.load()
    moved: dict[str, list[ObligationChange]] = {}
    for obligation in db.session.scalars(select(Obligation).where(Obligation.status == "open").order_by(Obligation.id)):
        deadline = recount(obligation.deadline, calendar)
        if deadline is None or deadline.due_at == obligation.due_at:
            continue
        change = ObligationChange(obligation=obligation, action="recounted", at=at,
                                  actor_id=actor.id if actor is not None else None, due_before=obligation.due_at,
                                  due_after=deadline.due_at, past_due=at > obligation.due_at)
        obligation.due_at, obligation.basis = deadline.due_at, dict(deadline.explanation)
        db.session.add(change)
        moved.setdefault(obligation.owner_type, []).append(change)
    db.session.flush()
    for owner_type, changes in moved.items():
        fire_event("feedback_obligations_recounted", owner_type=owner_type, changes=changes, actor=actor)
    return sum(len(changes) for changes in moved.values())


# --- what is due: reminders and escalation points, in sets ---------------------------------------


def give_notices(now: dt.datetime) -> dict[str, list[ObligationNotice]]:
    """Signal, once each, the open obligations due within REMINDER_WORKING_DAYS_BEFORE working days
    (``due_soon``), due today (``due_today``) and overdue (``overdue``), for every registered type.

    Three queries find them whatever their number, one insert records the notices and one query
    reads them back, and each owner type hears of its own with one call of feedback_obligations_due. Safe to run again: a notice is
    given once per obligation, kind and deadline.
    """
    registered = sorted({owner_type for owner_type, _kind in types()})
    if not registered:
        return {}
    today = now.astimezone(LOCAL_TZ).date()
    horizon = local_deadline(Calendar.load().add_working_days(
        today, current_app.config["REMINDER_WORKING_DAYS_BEFORE"])[0])
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
    soon = (Obligation.due_at > now, Obligation.due_at <= horizon)
    windows = {"due_soon": soon, "due_today": (*soon, Obligation.due_at < tomorrow),
               "overdue": (Obligation.due_at < now,)}
    rows = []
    for kind, window in windows.items():
        given = exists().where(ObligationNotice.obligation_id == Obligation.id, ObligationNotice.kind == kind,
                               ObligationNotice.due_at == Obligation.due_at)
        due = db.session.execute(select(Obligation.id, Obligation.due_at).where(
            Obligation.status == "open", Obligation.owner_type.in_(registered), *window, ~given,
        ).order_by(Obligation.id))
        rows.extend({"obligation_id": obligation_id, "kind": kind, "due_at": due_at, "created_at": now}
                    for obligation_id, due_at in due)
    if not rows:
        return {}
    db.session.execute(insert(ObligationNotice), rows)
    notices = db.session.scalars(select(ObligationNotice).where(
        ObligationNotice.obligation_id.in_({row["obligation_id"] for row in rows}), ObligationNotice.created_at == now,
    ).options(joinedload(ObligationNotice.obligation)).order_by(ObligationNotice.id)).all()
    by_type: dict[str, list[ObligationNotice]] = {}
    for notice in notices:
        by_type.setdefault(notice.obligation.owner_type, []).append(notice)
    for owner_type, group in by_type.items():
        fire_event("feedback_obligations_due", owner_type=owner_type, notices=group, now=now)
    return by_type


def summary(by_type: dict[str, list[ObligationNotice]]) -> str:
    counts = {kind: 0 for kind in ("due_soon", "due_today", "overdue")}
    for group in by_type.values():
        for notice in group:
            counts[notice.kind] += 1
    return f"{counts['due_soon']} due soon, {counts['due_today']} due today, {counts['overdue']} overdue"
