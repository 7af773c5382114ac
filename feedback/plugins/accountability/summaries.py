"""The monthly summaries of the on-time figures: each closed month's counts per unit, kept by tick
so that dashboards do not count every item of a year on each request.

A closed month's figures are stable: an item's receipt, a holding's end and whether it was late,
an escalation and an answer are recorded when they happen and never changed. Two things can
still reach a closed month, and tick computes the month again for them: an item received in it
that reached its first unit later (the reception desk routes it), and an item recorded later
with a receipt in that month (a letter received on paper). The current month is always counted
from the records.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, func, insert, select, update

from feedback.extensions import db
from feedback.items.models import Item, ItemEvent
from feedback.plugins.accountability.models import FigureMonth, MonthlyFigures
from feedback.plugins.accountability.counting import ADDED, open_overdue_at, range_figures
from feedback.timeutil import LOCAL_TZ, local_day_bounds, local_midnight


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(first: dt.date) -> dt.datetime:
    """The moment the local month starting on ``first`` ends."""
    return local_midnight(next_month(first))


def summarised(date_from: dt.date, date_to: dt.date, now: dt.datetime) -> list[dt.date]:
    """The first days of the months wholly inside the period, ended by ``now`` and kept."""
    first = date_from if date_from.day == 1 else next_month(date_from)
    last = date_to.replace(day=1)
    if next_month(last) - dt.timedelta(days=1) != date_to:
        last = (last - dt.timedelta(days=1)).replace(day=1)
    if last < first:
        return []
    return [month for month in db.session.scalars(
        select(FigureMonth.month).where(FigureMonth.month >= first, FigureMonth.month <= last).order_by(FigureMonth.month))
        if month_end(month) <= now]


def uncovered(date_from: dt.date, date_to: dt.date, months: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """The runs of days of the period outside ``months`` (first and last day of each run)."""
    runs, day = [], date_from
    for month in sorted(months):
        if day < month:
            runs.append((day, month - dt.timedelta(days=1)))
        day = next_month(month)
    if day <= date_to:
        runs.append((day, date_to))
    return runs


def _rows(months: list[dt.date], unit_ids: set[int] | None, *columns):
    query = select(*columns).where(MonthlyFigures.month.in_(months))
    if unit_ids is not None:
        query = query.where(MonthlyFigures.unit_id.in_(unit_ids))
    return db.session.execute(query)


def read(months: list[dt.date], unit_ids: set[int] | None = None) -> dict[int, dict]:
    """The kept figures of ``months`` added up per unit, as :func:`range_figures` gives them."""
    if not months:
        return {}
    figures: dict[int, dict] = {}
    for unit_id, histogram, *counts in _rows(months, unit_ids, MonthlyFigures.unit_id, MonthlyFigures.working_days,
                                              *(getattr(MonthlyFigures, name) for name in ADDED)):
        found = figures.setdefault(unit_id, {**{name: 0 for name in ADDED}, "working_days": {}})
        for name, number in zip(ADDED, counts):
            found[name] += number
        for days, number in (histogram or {}).items():
            found["working_days"][int(days)] = found["working_days"].get(int(days), 0) + number
    return figures


HELD = ("answered_on_time", "answered_late", "transferred_late", "open_overdue")


def read_by_month(months: list[dt.date], unit_ids: set[int] | None = None) -> dict[int, dict[dt.date, dict]]:
    """The kept holding counts of ``months``: {unit id: {month: counts}}."""
    if not months:
        return {}
    result: dict[int, dict] = {}
    for unit_id, month, *counts in _rows(months, unit_ids, MonthlyFigures.unit_id, MonthlyFigures.month,
                                          *(getattr(MonthlyFigures, name) for name in HELD)):
        result.setdefault(unit_id, {})[month] = dict(zip(HELD, counts))
    return result


def open_overdue(month: dt.date, unit_ids: set[int] | None = None) -> dict[int, int]:
    """The holdings open and overdue at the end of a kept month, per unit."""
    return {unit_id: number for unit_id, number in _rows([month], unit_ids, MonthlyFigures.unit_id,
                                                         MonthlyFigures.open_overdue) if number}


# --- keeping them ------------------------------------------------------------------------------


def _local_month(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_TZ).date().replace(day=1)


def compute(month: dt.date, now: dt.datetime, last_item_id: int) -> int:
    """Count the closed ``month`` again from the records and keep it; returns its rows."""
    start, end = local_day_bounds(month, next_month(month) - dt.timedelta(days=1))
    figures = range_figures(start, end)
    overdue = open_overdue_at(end)
    rows = []
    for unit_id in sorted(set(figures) | set(overdue)):
        found = figures.get(unit_id, {})
        rows.append({"month": month, "unit_id": unit_id, **{name: found.get(name, 0) for name in ADDED},
                     "open_overdue": overdue.get(unit_id, 0),
                     "working_days": {str(days): number for days, number in sorted(found.get("working_days", {}).items())}})
    routed = exists().where(ItemEvent.item_id == Item.id, ItemEvent.action.in_(("filed", "assign")),
                            ItemEvent.unit_id.is_not(None))
    unrouted = db.session.scalar(select(func.count(Item.id)).where(
        Item.received_at >= start, Item.received_at < end, ~routed))
    db.session.execute(delete(MonthlyFigures).where(MonthlyFigures.month == month))
    db.session.execute(delete(FigureMonth).where(FigureMonth.month == month))
    db.session.add(FigureMonth(month=month, computed_at=now, unrouted=unrouted, last_item_id=last_item_id))
    db.session.flush()
    if rows:
        db.session.execute(insert(MonthlyFigures), rows)
    return len(rows)


def months_due(now: dt.datetime) -> tuple[list[dt.date], int]:
    """The closed months to compute (never kept, with items not routed when kept, or with an item
    recorded since that was received in them), oldest first, and the last item recorded now."""
    last_item_id = db.session.scalar(select(func.max(Item.id))) or 0
    first_received = db.session.scalar(select(func.min(Item.received_at)))
    if first_received is None:
        return [], last_item_id
    this_month = _local_month(now)
    kept = dict(db.session.execute(select(FigureMonth.month, FigureMonth.unrouted)).all())
    due = {month for month, unrouted in kept.items() if unrouted and month < this_month}
    month = _local_month(first_received)
    while month < this_month:
        if month not in kept:
            due.add(month)
        month = next_month(month)
    # Items recorded since the months were kept (a few since the last tick), by their receipt; the
    # same statements whether any month was kept before or not, so that a tick costs the same.
    mark = db.session.scalar(select(func.min(FigureMonth.last_item_id)))
    due.update(month for month in {_local_month(received) for received in db.session.scalars(
        select(Item.received_at).where(Item.id > (last_item_id if mark is None else mark),
                                       Item.received_at < local_midnight(this_month)))}
        if month in kept)
    return sorted(due), last_item_id


def refresh(now: dt.datetime) -> int:
    """What tick does: compute the closed months that are due (usually none, the month before on
    the first tick of a month). Returns the number of months computed."""
    months, last_item_id = months_due(now)
    for month in months:
        compute(month, now, last_item_id)
    # Every kept month has now seen the items recorded up to here.
    db.session.execute(update(FigureMonth).values(last_item_id=last_item_id))
    return len(months)


def rebuild(now: dt.datetime, progress=None) -> int:
    """Forget every kept month and compute each closed month again, one transaction a month."""
    from feedback.transaction import run

    def forget():
        db.session.execute(delete(MonthlyFigures))
        db.session.execute(delete(FigureMonth))

    run(forget)
    months, last_item_id = run(lambda: months_due(now))
    for month in months:
        run(lambda month=month: compute(month, now, last_item_id))
        if progress is not None:
            progress(month)
    return len(months)
