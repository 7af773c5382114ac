"""The province's overview of dialogues, and the figures the scorecard asks for: per unit, the last
and next session, whether it is late, late minutes, and commitments open, overdue and kept.

Computed in a few grouped queries whatever the number of units or sessions.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, true

from feedback.extensions import db
from feedback.obligations.models import Obligation
from feedback.plugins.dialogues.models import Commitment, DialogueSession
from feedback.plugins.dialogues.services import MINUTES, SESSION, interval_months, proposed_next_day
from feedback.timeutil import LOCAL_TZ, add_months, local_day_bounds, utcnow
from feedback.units.models import Unit
from feedback.workdays import Calendar


def units_that_hold_dialogues(on: dt.date, unit_ids: set[int] | None = None) -> list[Unit]:
    """The current units of the kinds that must hold dialogues (DIALOGUES_UNIT_KINDS), in code order."""
    query = select(Unit).where(Unit.kind.in_(list(current_app.config["DIALOGUES_UNIT_KINDS"])),
                               Unit.valid_from <= on, or_(Unit.valid_until.is_(None), Unit.valid_until >= on))
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids or {-1}))
    return list(db.session.scalars(query.order_by(Unit.code)))


def _held_before(moment: dt.datetime, unit_ids=None) -> dict[int, dt.datetime]:
    query = select(DialogueSession.unit_id, func.max(DialogueSession.starts_at)).where(
        DialogueSession.status == "held", DialogueSession.starts_at <= moment).group_by(DialogueSession.unit_id)
    if unit_ids is not None:
        query = query.where(DialogueSession.unit_id.in_(unit_ids or {-1}))
    return dict(db.session.execute(query).all())


def late_since(unit: Unit, last_held: dt.date | None) -> dt.date:
    """The day a unit becomes late: six months after its last session, or after it began to exist."""
    return add_months(last_held or unit.valid_from, interval_months())


def _minutes_late(now: dt.datetime, due_from=None, unit_ids=None) -> dict[int, int]:
    """Minutes that were published after their deadline, or are still not published past it."""
    late = or_(and_(Obligation.status == "met", Obligation.late.is_(True)),
               and_(Obligation.status == "open", Obligation.due_at < now))
    query = select(Obligation.unit_id, func.count(Obligation.id)).where(
        Obligation.owner_type == SESSION, Obligation.kind == MINUTES, Obligation.due_at <= now, late)
    if due_from is not None:
        query = query.where(Obligation.due_at >= due_from)
    if unit_ids is not None:
        query = query.where(Obligation.unit_id.in_(unit_ids or {-1}))
    return dict(db.session.execute(query.group_by(Obligation.unit_id)).all())


def _commitments(now: dt.datetime, done_from=None, unit_ids=None) -> dict[int, dict]:
    """Per responsible unit: open, overdue (open past the deadline), kept (done on time), done late."""
    done_in_period = Commitment.done_at >= done_from if done_from is not None else true()
    query = select(
        Commitment.unit_id,
        func.sum(case((and_(Commitment.status == "open", Commitment.created_at <= now), 1), else_=0)),
        func.sum(case((and_(Commitment.status == "open", Commitment.due_at < now), 1), else_=0)),
        func.sum(case((and_(Commitment.status == "done", Commitment.late.is_(False), Commitment.done_at <= now,
                            done_in_period), 1), else_=0)),
        func.sum(case((and_(Commitment.status == "done", Commitment.late.is_(True), Commitment.done_at <= now,
                            done_in_period), 1), else_=0)),
    ).group_by(Commitment.unit_id)
    if unit_ids is not None:
        query = query.where(Commitment.unit_id.in_(unit_ids or {-1}))
    return {unit_id: {"open": int(o or 0), "overdue": int(od or 0), "kept": int(k or 0), "done_late": int(dl or 0)}
            for unit_id, o, od, k, dl in db.session.execute(query)}


def rows(now: dt.datetime | None = None) -> list[dict]:
    """One row per unit that must hold dialogues: the overview's table, its chart and downloads."""
    now = now or utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    units = units_that_hold_dialogues(today)
    last = _held_before(now)
    upcoming = dict(db.session.execute(
        select(DialogueSession.unit_id, func.min(DialogueSession.starts_at)).where(
            DialogueSession.status.in_(("planned", "announced")), DialogueSession.starts_at > now)
        .group_by(DialogueSession.unit_id)).all())
    minutes_late = _minutes_late(now)
    minutes_open = dict(db.session.execute(
        select(Obligation.unit_id, func.count(Obligation.id)).where(
            Obligation.owner_type == SESSION, Obligation.kind == MINUTES, Obligation.status == "open")
        .group_by(Obligation.unit_id)).all())
    commitments = _commitments(now)
    calendar = Calendar.load()
    result = []
    for unit in units:
        last_day = last[unit.id].astimezone(LOCAL_TZ).date() if unit.id in last else None
        due = late_since(unit, last_day)
        figures = commitments.get(unit.id, {"open": 0, "overdue": 0, "kept": 0, "done_late": 0})
        next_at = upcoming.get(unit.id)
        result.append({
            "unit": unit.code, "name": unit.name, "unit_id": unit.id,
            "last_session": last_day,
            "next_session": next_at.astimezone(LOCAL_TZ).date() if next_at else None,
            "proposed_next": proposed_next_day(last_day, now, calendar),
            "due_by": due,
            "late": due < today,
            "months_since_last": _months_between(last_day, today) if last_day else None,
            "minutes_pending": minutes_open.get(unit.id, 0),
            "minutes_late": minutes_late.get(unit.id, 0),
            "commitments_open": figures["open"], "commitments_overdue": figures["overdue"],
            "commitments_kept": figures["kept"], "commitments_done_late": figures["done_late"],
        })
    return result


def _months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day)


def unit_figures(units, date_from: dt.date, date_to: dt.date) -> dict[int, dict]:
    """The figures of feedback_unit_statistics: dialogues held in the period, whether the unit was late
    with its dialogue at the period's end, minutes due in the period and late, and commitments.

    For the units asked about; asked about every unit (``units`` None), for those with a session
    held, minutes due or a commitment."""
    start, end = local_day_bounds(date_from, date_to)
    moment = min(utcnow(), end)
    unit_ids = None if units is None else {unit.id for unit in units}
    held = dict(db.session.execute(
        select(DialogueSession.unit_id, func.count(DialogueSession.id)).where(
            DialogueSession.status == "held", DialogueSession.starts_at >= start, DialogueSession.starts_at < end,
            *(() if unit_ids is None else (DialogueSession.unit_id.in_(unit_ids or {-1}),)))
        .group_by(DialogueSession.unit_id)).all())
    last = _held_before(moment, unit_ids)
    minutes_late = _minutes_late(moment, start, unit_ids)
    commitments = _commitments(moment, start, unit_ids)
    day = moment.astimezone(LOCAL_TZ).date()
    figures = {}
    for unit in units_that_hold_dialogues(day, unit_ids):
        if units is None and not (unit.id in held or unit.id in minutes_late or unit.id in commitments):
            continue  # asked for every unit "with figures": one without any dialogue record is left out
        last_day = last[unit.id].astimezone(LOCAL_TZ).date() if unit.id in last else None
        kept = commitments.get(unit.id, {"open": 0, "overdue": 0, "kept": 0, "done_late": 0})
        done = kept["kept"] + kept["done_late"]
        figures[unit.id] = {
            "dialogues_held": held.get(unit.id, 0),
            "dialogue_late": int(late_since(unit, last_day) < day),
            "minutes_late": minutes_late.get(unit.id, 0),
            "commitments_open": kept["open"],
            "commitments_overdue": kept["overdue"],
            "commitments_kept": kept["kept"],
            "commitments_done_late": kept["done_late"],
            "commitments_kept_rate": round(kept["kept"] / done, 4) if done else None,
        }
    return figures
