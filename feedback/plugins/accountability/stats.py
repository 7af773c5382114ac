"""On-time statistics per unit and period, computed in SQL."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import Integer, and_, cast, func, or_, select, true

from feedback.extensions import db
from feedback.items.models import Item, ItemEvent
from feedback.obligations.models import Obligation
from feedback.plugins.accountability.models import Answer, Notice
from feedback.rates import rate
from feedback.timeutil import local_day_bounds, utcnow
from feedback.units.models import Unit


def unit_stats(date_from: dt.date, date_to: dt.date) -> list[dict]:
    """For each unit: received, answered (on time, late), passed on late, open and overdue, the
    on-time rate with its count and 95% interval, escalations, and the mean and 90th percentile of
    the time to answer in working days, for the local dates given."""
    figures = unit_figures(date_from, date_to)
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(list(figures))))} if figures else {}
    return [{"unit": units[unit_id].code, "name": units[unit_id].name, **figures[unit_id]}
            for unit_id in sorted(figures, key=lambda uid: units[uid].code)]


HOLDING_KINDS = ("answer", "routing")


def holding_counts(start: dt.datetime, end: dt.datetime, unit_ids: set[int] | None = None) -> dict[int, dict]:
    """Per unit, from the holdings of items (feedback.obligations), over ``[start, end)``:

    - ``answered_on_time``, ``answered_late``: holdings met in the period (the reception desk's
      holding is met when it routes the item), on time or late as recorded when they ended;
    - ``transferred_late``: holdings passed on to another unit in the period after their deadline:
      lateness stays with the unit that was late, whatever the receiving unit's deadline;
    - ``open_overdue``: holdings still open at the end of the period (or now, for a period not
      over yet) and past their deadline by then.

    Three grouped statements whatever the number of items."""
    at = min(utcnow(), end)
    holdings = and_(Obligation.owner_type == "item", Obligation.kind.in_(HOLDING_KINDS), Obligation.unit_id.is_not(None))
    if unit_ids is not None:
        holdings = and_(holdings, Obligation.unit_id.in_(unit_ids))
    ended_in_period = and_(Obligation.ended_at >= start, Obligation.ended_at < end)
    counts: dict[int, dict] = {}

    def add(unit_id, name, number):
        counts.setdefault(unit_id, {"answered_on_time": 0, "answered_late": 0, "transferred_late": 0,
                                    "open_overdue": 0})[name] += int(number or 0)

    for unit_id, late, number in db.session.execute(
            select(Obligation.unit_id, Obligation.late, func.count(Obligation.id))
            .where(holdings, Obligation.status == "met", ended_in_period).group_by(Obligation.unit_id, Obligation.late)):
        add(unit_id, "answered_late" if late else "answered_on_time", number)
    for unit_id, number in db.session.execute(
            select(Obligation.unit_id, func.count(Obligation.id))
            .where(holdings, Obligation.status == "superseded", Obligation.late.is_(True), ended_in_period)
            .group_by(Obligation.unit_id)):
        add(unit_id, "transferred_late", number)
    for unit_id, number in db.session.execute(
            select(Obligation.unit_id, func.count(Obligation.id))
            .where(holdings, Obligation.start_at < at, Obligation.due_at < at,
                   or_(Obligation.ended_at.is_(None), Obligation.ended_at > at))
            .group_by(Obligation.unit_id)):
        add(unit_id, "open_overdue", number)
    return counts


def on_time(counts: dict, minimum: int) -> dict:
    """The on-time rate of a unit's counts: answered on time over everything it had to do by then
    (answered, passed on late, open and overdue), with its count and 95% Wilson interval."""
    answered = counts["answered_on_time"] + counts["answered_late"]
    counted = answered + counts["transferred_late"] + counts["open_overdue"]
    figures = rate(counts["answered_on_time"], counted, minimum)
    return {"answered": answered, "on_time_rate": figures["rate"], "on_time_rate_low": figures["rate_low"],
            "on_time_rate_high": figures["rate_high"], "counted": counted, "too_few": figures["too_few"]}


def unit_figures(date_from: dt.date, date_to: dt.date, unit_ids: set[int] | None = None) -> dict[int, dict]:
    """The figures of :func:`unit_stats` by unit id, for every unit with some (or the units given)."""
    start, end = local_day_bounds(date_from, date_to)
    minimum = current_app.config["RATE_MIN_ITEMS"]

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
    mean_days = dict(db.session.execute(
        select(Answer.unit_id, func.avg(cast(Answer.working_days, Integer))).where(in_period).group_by(Answer.unit_id)
    ).all())

    # Nearest-rank 90th percentile: the smallest value with at least 90% of answers at or below it.
    ranked = select(Answer.unit_id, Answer.working_days,
                    func.cume_dist().over(partition_by=Answer.unit_id, order_by=Answer.working_days).label("cd")
                    ).where(in_period).subquery()
    p90 = dict(db.session.execute(
        select(ranked.c.unit_id, func.min(ranked.c.working_days)).where(ranked.c.cd >= 0.9).group_by(ranked.c.unit_id)
    ).all())

    # Escalations of the unit's holdings in the period, at every level.
    escalated = dict(db.session.execute(
        select(Obligation.unit_id, func.count(Notice.id))
        .join(Obligation, and_(Obligation.owner_type == "item", Obligation.owner_id == Notice.item_id,
                               Obligation.kind.in_(HOLDING_KINDS), Obligation.due_at == Notice.due_at))
        .where(Notice.kind.like("escalated%"), Notice.created_at >= start, Notice.created_at < end,
               only(Obligation.unit_id))
        .group_by(Obligation.unit_id)
    ).all())

    counts = holding_counts(start, end, unit_ids)
    empty = {"answered_on_time": 0, "answered_late": 0, "transferred_late": 0, "open_overdue": 0}
    figures = {}
    for unit_id in set(received) | set(counts) | set(escalated):
        held = counts.get(unit_id, empty)
        figures[unit_id] = {
            "received": received.get(unit_id, 0),
            **held,
            **on_time(held, minimum),
            "escalated": escalated.get(unit_id, 0),
            "mean_working_days": round(float(mean_days[unit_id]), 2) if mean_days.get(unit_id) is not None else None,
            "p90_working_days": p90.get(unit_id),
        }
    return figures


def monthly_figures(date_from: dt.date, date_to: dt.date, unit_ids: set[int] | None = None) -> dict[int, dict]:
    """The on-time counts by unit and calendar month: {unit id: {first day of the month: figures}}.

    Three grouped statements per month (months are local, so their bounds are computed here, not in SQL).
    """
    minimum = current_app.config["RATE_MIN_ITEMS"]
    result: dict[int, dict] = {}
    first = date_from.replace(day=1)
    while first <= date_to:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        start, end = local_day_bounds(max(first, date_from), min(following - dt.timedelta(days=1), date_to))
        for unit_id, held in holding_counts(start, end, unit_ids).items():
            result.setdefault(unit_id, {})[first] = {**held, **on_time(held, minimum)}
        first = following
    return result
