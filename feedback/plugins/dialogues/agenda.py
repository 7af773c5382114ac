"""Subjects for a session's agenda, drawn from the unit's data, the way the units choose them:
procedures with many items, overdue items, inter-agency dossiers, and low satisfaction.

Each suggestion carries its figure and says what it counts. A few grouped queries per unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from feedback.extensions import db
from feedback.items.models import Item
from feedback.obligations.models import Obligation
from feedback.pluginmanager import hook
from feedback.procedures.models import Procedure
from feedback.timeutil import LOCAL_TZ, add_months
from feedback.units.models import Unit

TOP = 5  # suggestions of each kind, at most


@dataclass(frozen=True)
class Suggestion:
    kind: str
    label: str
    figure: float
    figure_text: str
    procedure_id: int | None = None
    field: str = ""


def since(now: dt.datetime) -> dt.datetime:
    """The start of the period the data is read from: the last interval (six months)."""

    day = add_months(now.astimezone(LOCAL_TZ).date(), -int(current_app.config["DIALOGUES_INTERVAL_MONTHS"]))
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)


def _procedures(ids) -> dict[int, Procedure]:
    ids = [i for i in ids if i is not None]
    return {p.id: p for p in db.session.scalars(select(Procedure).where(Procedure.id.in_(ids)))} if ids else {}


def suggestions(unit: Unit, now: dt.datetime) -> list[Suggestion]:
    start = since(now)
    found: list[Suggestion] = []
    recent = and_(Item.unit_id == unit.id, Item.received_at >= start, Item.received_at <= now)

    many = db.session.execute(
        select(Item.procedure_id, func.count(Item.id).label("n")).where(recent, Item.procedure_id.is_not(None))
        .group_by(Item.procedure_id).having(func.count(Item.id) >= int(current_app.config["DIALOGUES_MANY_ITEMS"]))
        .order_by(func.count(Item.id).desc(), Item.procedure_id).limit(TOP)).all()
    late = or_(and_(Item.responded_at.is_(None), Item.due_at < now), Item.responded_at > Item.due_at)
    overdue = db.session.execute(
        select(Item.procedure_id, func.count(Item.id).label("n")).where(recent, Item.due_at.is_not(None), late)
        .group_by(Item.procedure_id).order_by(func.count(Item.id).desc(), Item.procedure_id).limit(TOP)).all()
    # Inter-agency dossiers: items that reached the unit from another one, or left it for another.
    moved = select(Obligation.owner_id).where(
        Obligation.owner_type == "item", Obligation.unit_id == unit.id, Obligation.created_at >= start,
        or_(Obligation.previous_id.is_not(None), Obligation.status == "superseded"))
    inter = db.session.execute(
        select(Item.procedure_id, func.count(func.distinct(Item.id)).label("n")).where(Item.id.in_(moved))
        .group_by(Item.procedure_id).order_by(func.count(func.distinct(Item.id)).desc(), Item.procedure_id)
        .limit(TOP)).all()
    procedures = _procedures([row.procedure_id for row in (*many, *overdue, *inter)])

    def label(procedure_id) -> tuple[str, str]:
        procedure = procedures.get(procedure_id)
        return (procedure.name, procedure.field) if procedure else (_("Items not tied to a procedure"), "")

    for row in many:
        name, field = label(row.procedure_id)
        found.append(Suggestion("many_items", name, row.n, _(
            "Items received in the last six months: %(n)s", n=row.n),
            row.procedure_id, field))
    for row in overdue:
        name, field = label(row.procedure_id)
        found.append(Suggestion("overdue_items", name, row.n, _(
            "Items answered late or still overdue: %(n)s", n=row.n),
            row.procedure_id, field))
    for row in inter:
        name, field = label(row.procedure_id)
        found.append(Suggestion("inter_agency", name, row.n, _(
            "Items transferred between units: %(n)s", n=row.n),
            row.procedure_id, field))
    found.extend(_low_satisfaction(unit, start, now))
    return found


def _low_satisfaction(unit: Unit, start: dt.datetime, now: dt.datetime) -> list[Suggestion]:
    """Any plugin that reports a satisfaction rate for the unit (surveys, ratings) through
    feedback_unit_statistics: a rate below DIALOGUES_LOW_SATISFACTION is a subject."""
    threshold = float(current_app.config["DIALOGUES_LOW_SATISFACTION"])
    found = []
    for figures in hook().feedback_unit_statistics(units=[unit], date_from=start.astimezone(LOCAL_TZ).date(),
                                                   date_to=now.astimezone(LOCAL_TZ).date(), by_month=False,
                                                   names=None):
        for name, value in sorted((figures or {}).get(unit.id, {}).items()):
            if name.endswith("satisfaction_rate") and value is not None and value < threshold:
                found.append(Suggestion("low_satisfaction", _("Satisfaction of citizens and businesses"), value,
                                        _("%(rate)s satisfied (target %(target)s)", rate=format_percent(value),
                                          target=format_percent(threshold))))
    return found[:1]
