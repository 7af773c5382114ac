"""The dashboard's figures: per unit and period (accountability's unit_stats), open items, and the monthly trend."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from feedback.errors import Invalid
from feedback.extensions import db
from feedback.items.models import Item
from feedback.plugins.accountability.models import Answer
from feedback.plugins.accountability.stats import unit_stats
from feedback.timeutil import local_day_bounds, local_today, utcnow
from feedback.units.models import Unit

TARGET = 1.0  # every item answered on time
MAX_PERIOD_DAYS = 3 * 366


def period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for, by default the year so far; Invalid when it makes no sense."""
    today = local_today()
    date_to = date_to or today
    date_from = date_from or date_to.replace(month=1, day=1)
    if date_to < date_from:
        raise Invalid(_("The period ends before it starts."), {"to": _("Give a day after “from”.")})
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise Invalid(_("The period is longer than three years."), {"to": _("Choose a shorter period.")})
    return date_from, date_to


def open_items(date_from: dt.date, date_to: dt.date) -> dict[int, int]:
    """Per unit: items received by the end of the period and still open then (neither answered nor closed)."""
    _start, end = local_day_bounds(date_from, date_to)
    when = min(utcnow(), end)
    return dict(db.session.execute(
        select(Item.unit_id, func.count(Item.id))
        .where(Item.unit_id.is_not(None), Item.received_at < when,
               or_(Item.responded_at.is_(None), Item.responded_at >= when),
               or_(Item.closed_at.is_(None), Item.closed_at >= when))
        .group_by(Item.unit_id)
    ).all())


def dashboard(date_from: dt.date, date_to: dt.date, unit: Unit | None = None) -> dict:
    """Rows per unit (or the one unit), totals, and the ranking by on-time rate."""
    rows = unit_stats(date_from, date_to)
    opened = open_items(date_from, date_to)
    codes = {row["unit"] for row in rows}
    units_by_id = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(list(opened))))} if opened else {}
    for unit_id, count in opened.items():  # units with open items only, and nothing else in the period
        found = units_by_id[unit_id]
        if found.code not in codes:
            rows.append({"unit": found.code, "name": found.name, "received": 0, "answered": 0, "answered_on_time": 0,
                         "answered_late": 0, "open_overdue": 0, "on_time_rate": None, "mean_working_days": None,
                         "p90_working_days": None})
    ids = {u.code: u.id for u in db.session.scalars(select(Unit).where(Unit.code.in_([r["unit"] for r in rows])))}
    for row in rows:
        row["open"] = opened.get(ids.get(row["unit"]), 0)
    if unit is not None:
        rows = [row for row in rows if row["unit"] == unit.code]
    rows.sort(key=lambda row: row["unit"])
    totals = {name: sum(row[name] for row in rows) for name in
              ("received", "answered", "answered_on_time", "answered_late", "open", "open_overdue")}
    totals["on_time_rate"] = round(totals["answered_on_time"] / totals["answered"], 4) if totals["answered"] else None
    ranking = sorted((row for row in rows if row["answered"]),
                     key=lambda row: (-row["on_time_rate"], -row["answered"], row["unit"]))
    return {"date_from": date_from, "date_to": date_to, "units": rows, "totals": totals, "ranking": ranking,
            "target": TARGET}


def months_back(date_to: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of the ``count`` months ending with the month of ``date_to``."""
    months, year, month = [], date_to.year, date_to.month
    for _index in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def trend(date_to: dt.date, unit: Unit | None = None, count: int = 12) -> list[dict]:
    """Per month: answered on time and late, and the on-time rate (one small query per month)."""
    result = []
    for first in months_back(date_to, count):
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        start, end = local_day_bounds(first, last)
        answered = select(func.count(Answer.id), func.sum(case((Answer.on_time, 1), else_=0))).where(
            Answer.answered_at >= start, Answer.answered_at < end)
        if unit is not None:
            answered = answered.where(Answer.unit_id == unit.id)
        total, on_time = db.session.execute(answered).one()
        total, on_time = total or 0, int(on_time or 0)
        result.append({"month": first, "answered": total,
                       "answered_on_time": on_time, "answered_late": total - on_time,
                       "on_time_rate": round(on_time / total, 4) if total else None})
    return result
