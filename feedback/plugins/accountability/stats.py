"""On-time statistics per unit and period, computed in SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, and_, case, cast, func, or_, select, true

from feedback.extensions import db
from feedback.items.models import Item, ItemEvent
from feedback.plugins.accountability.models import Answer
from feedback.timeutil import local_day_bounds, utcnow
from feedback.units.models import Unit


def unit_stats(date_from: dt.date, date_to: dt.date) -> list[dict]:
    """For each unit: received, answered (on time, late), open and overdue, on-time rate, and the
    mean and 90th percentile of the time to answer in working days, for the local dates given."""
    figures = unit_figures(date_from, date_to)
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(list(figures))))} if figures else {}
    return [{"unit": units[unit_id].code, "name": units[unit_id].name, **figures[unit_id]}
            for unit_id in sorted(figures, key=lambda uid: units[uid].code)]


def unit_figures(date_from: dt.date, date_to: dt.date, unit_ids: set[int] | None = None) -> dict[int, dict]:
    """The figures of :func:`unit_stats` by unit id, for every unit with some (or the units given)."""
    start, end = local_day_bounds(date_from, date_to)
    now = min(utcnow(), end)

    def only(column):
        return column.in_(unit_ids) if unit_ids is not None else true()

    # Received: the first unit an item reached, from the log (the unit it was filed to, or the
    # one reception assigned it to).
    first_unit = select(
        ItemEvent.item_id, ItemEvent.unit_id,
        func.row_number().over(partition_by=ItemEvent.item_id, order_by=ItemEvent.id).label("rank"),
    ).where(ItemEvent.action.in_(("filed", "assign")), ItemEvent.unit_id.is_not(None)).subquery()
    received = dict(db.session.execute(
        select(first_unit.c.unit_id, func.count())
        .join(Item, Item.id == first_unit.c.item_id)
        .where(first_unit.c.rank == 1, Item.received_at >= start, Item.received_at < end, only(first_unit.c.unit_id))
        .group_by(first_unit.c.unit_id)
    ).all())

    in_period = and_(Answer.answered_at >= start, Answer.answered_at < end, only(Answer.unit_id))
    answered = {row.unit_id: row for row in db.session.execute(
        select(Answer.unit_id, func.count(Answer.id).label("answered"),
               func.sum(case((Answer.on_time, 1), else_=0)).label("on_time"),
               func.avg(cast(Answer.working_days, Integer)).label("mean_days"))
        .where(in_period).group_by(Answer.unit_id)
    )}

    # Nearest-rank 90th percentile: the smallest value with at least 90% of answers at or below it.
    ranked = select(Answer.unit_id, Answer.working_days,
                    func.cume_dist().over(partition_by=Answer.unit_id, order_by=Answer.working_days).label("cd")
                    ).where(in_period).subquery()
    p90 = dict(db.session.execute(
        select(ranked.c.unit_id, func.min(ranked.c.working_days)).where(ranked.c.cd >= 0.9).group_by(ranked.c.unit_id)
    ).all())

    # Open and overdue at the end of the period (or now, for a period not over yet): late by
    # then, and neither answered nor closed by then.
    overdue = dict(db.session.execute(
        select(Item.unit_id, func.count(Item.id))
        .where(Item.due_at < now, Item.received_at < end, only(Item.unit_id),
               or_(Item.responded_at.is_(None), Item.responded_at >= now),
               or_(Item.closed_at.is_(None), Item.closed_at >= now))
        .group_by(Item.unit_id)
    ).all())

    figures = {}
    for unit_id in set(received) | set(answered) | set(overdue):
        row = answered.get(unit_id)
        count = row.answered if row else 0
        on_time = int(row.on_time or 0) if row else 0
        figures[unit_id] = {
            "received": received.get(unit_id, 0),
            "answered": count,
            "answered_on_time": on_time,
            "answered_late": count - on_time,
            "open_overdue": overdue.get(unit_id, 0),
            "on_time_rate": round(on_time / count, 4) if count else None,
            "mean_working_days": round(float(row.mean_days), 2) if row and row.mean_days is not None else None,
            "p90_working_days": p90.get(unit_id),
        }
    return figures


def monthly_figures(date_from: dt.date, date_to: dt.date, unit_ids: set[int] | None = None) -> dict[int, dict]:
    """Answered on time and late by unit and calendar month: {unit id: {first day of the month: figures}}.

    One grouped query per month (months are local, so their bounds are computed here, not in SQL).
    """
    result: dict[int, dict] = {}
    first = date_from.replace(day=1)
    while first <= date_to:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        start, end = local_day_bounds(max(first, date_from), min(following - dt.timedelta(days=1), date_to))
        query = select(Answer.unit_id, func.count(Answer.id), func.sum(case((Answer.on_time, 1), else_=0))).where(
            Answer.answered_at >= start, Answer.answered_at < end).group_by(Answer.unit_id)
        if unit_ids is not None:
            query = query.where(Answer.unit_id.in_(unit_ids))
        for unit_id, total, on_time in db.session.execute(query):
            on_time = int(on_time or 0)
            result.setdefault(unit_id, {})[first] = {
                "answered": total, "answered_on_time": on_time, "answered_late": total - on_time,
                "on_time_rate": round(on_time / total, 4) if total else None}
        first = following
    return result
