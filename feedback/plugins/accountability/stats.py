"""On-time statistics per unit and period, computed in SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, and_, case, cast, func, select

from feedback.extensions import db
from feedback.items.models import Item, ItemEvent
from feedback.items.states import OPEN_STATUSES
from feedback.plugins.accountability.models import Answer
from feedback.timeutil import LOCAL_TZ, utcnow
from feedback.units.models import Unit


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
    return start, end


def unit_stats(date_from: dt.date, date_to: dt.date) -> list[dict]:
    """For each unit: received, answered (on time, late), open and overdue, on-time rate, and the
    mean and 90th percentile of the time to answer in working days, for the local dates given."""
    start, end = _bounds(date_from, date_to)
    now = min(utcnow(), end)

    # Received: the unit an item was filed to, from the "filed" event of the log.
    received = dict(db.session.execute(
        select(ItemEvent.unit_id, func.count(ItemEvent.id))
        .join(Item, Item.id == ItemEvent.item_id)
        .where(ItemEvent.action == "filed", Item.received_at >= start, Item.received_at < end,
               ItemEvent.unit_id.is_not(None))
        .group_by(ItemEvent.unit_id)
    ).all())

    in_period = and_(Answer.answered_at >= start, Answer.answered_at < end)
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

    overdue = dict(db.session.execute(
        select(Item.unit_id, func.count(Item.id))
        .where(Item.status.in_(OPEN_STATUSES), Item.due_at < now, Item.received_at < end, Item.unit_id.is_not(None))
        .group_by(Item.unit_id)
    ).all())

    unit_ids = set(received) | set(answered) | set(overdue)
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))} if unit_ids else {}
    rows = []
    for unit_id in sorted(unit_ids, key=lambda uid: units[uid].code):
        row = answered.get(unit_id)
        count = row.answered if row else 0
        on_time = int(row.on_time or 0) if row else 0
        rows.append({
            "unit": units[unit_id].code,
            "name": units[unit_id].name,
            "received": received.get(unit_id, 0),
            "answered": count,
            "answered_on_time": on_time,
            "answered_late": count - on_time,
            "open_overdue": overdue.get(unit_id, 0),
            "on_time_rate": round(on_time / count, 4) if count else None,
            "mean_working_days": round(float(row.mean_days), 2) if row and row.mean_days is not None else None,
            "p90_working_days": p90.get(unit_id),
        })
    return rows
