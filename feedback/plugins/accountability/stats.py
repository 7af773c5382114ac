"""On-time statistics per unit and period, computed in SQL: counts that add up over time (read
from the monthly summaries for closed months, counted from the records for the rest) and the
holdings open and overdue at a moment."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import and_, func, or_, select, true

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
    holdings = _holdings(unit_ids)
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
    for unit_id, number in open_overdue_at(at, unit_ids).items():
        add(unit_id, "open_overdue", number)
    return counts


def _holdings(unit_ids: set[int] | None):
    holdings = and_(Obligation.owner_type == "item", Obligation.kind.in_(HOLDING_KINDS), Obligation.unit_id.is_not(None))
    return holdings if unit_ids is None else and_(holdings, Obligation.unit_id.in_(unit_ids))


def open_overdue_at(at: dt.datetime, unit_ids: set[int] | None = None) -> dict[int, int]:
    """Per unit: holdings open at ``at`` and past their deadline by then."""
    # ended_at is NULL exactly while the holding is open: the open ones are found by the status.
    return dict(db.session.execute(
        select(Obligation.unit_id, func.count(Obligation.id))
        .where(_holdings(unit_ids), Obligation.start_at < at, Obligation.due_at < at,
               or_(Obligation.status == "open", Obligation.ended_at > at))
        .group_by(Obligation.unit_id)).all())


def on_time(counts: dict, minimum: int) -> dict:
    """The on-time rate of a unit's counts: answered on time over everything it had to do by then
    (answered, passed on late, open and overdue), with its count and 95% Wilson interval."""
    answered = counts["answered_on_time"] + counts["answered_late"]
    counted = answered + counts["transferred_late"] + counts["open_overdue"]
    figures = rate(counts["answered_on_time"], counted, minimum)
    return {"answered": answered, "on_time_rate": figures["rate"], "on_time_rate_low": figures["rate_low"],
            "on_time_rate_high": figures["rate_high"], "counted": counted, "too_few": figures["too_few"]}



ADDED = ("received", "answered_on_time", "answered_late", "transferred_late", "escalated")


def range_figures(start: dt.datetime, end: dt.datetime, unit_ids: set[int] | None = None) -> dict[int, dict]:
    """Per unit, the figures of ``[start, end)`` that add up from one period to the next: received,
    answered on time and late, passed on late, escalated, and ``working_days`` (answers by working
    days to answer, ``{days: answers}``). Five grouped statements whatever the number of items."""
    def only(column):
        return column.in_(unit_ids) if unit_ids is not None else true()

    figures: dict[int, dict] = {}

    def add(unit_id, name, number):
        found = figures.setdefault(unit_id, {**{key: 0 for key in ADDED}, "working_days": {}})
        found[name] += int(number or 0)

    # Received: the first unit an item reached, from the log (the unit it was filed to, or the
    # one reception assigned it to); only the items received in the period are looked at.
    first_unit = (select(func.min(ItemEvent.id)).where(
        ItemEvent.item_id == Item.id, ItemEvent.action.in_(("filed", "assign")), ItemEvent.unit_id.is_not(None))
        .correlate(Item).scalar_subquery())
    for unit_id, number in db.session.execute(
            select(ItemEvent.unit_id, func.count()).select_from(Item).join(ItemEvent, ItemEvent.id == first_unit)
            .where(Item.received_at >= start, Item.received_at < end, only(ItemEvent.unit_id))
            .group_by(ItemEvent.unit_id)):
        add(unit_id, "received", number)
    for unit_id, held in holding_counts(start, end, unit_ids).items():
        for name in ("answered_on_time", "answered_late", "transferred_late"):
            add(unit_id, name, held[name])
    # Escalations of the unit's holdings in the period, at every level.
    for unit_id, number in db.session.execute(
            select(Obligation.unit_id, func.count(Notice.id))
            .join(Obligation, and_(Obligation.owner_type == "item", Obligation.owner_id == Notice.item_id,
                                   Obligation.kind.in_(HOLDING_KINDS), Obligation.due_at == Notice.due_at))
            .where(Notice.kind.like("escalated%"), Notice.created_at >= start, Notice.created_at < end,
                   only(Obligation.unit_id))
            .group_by(Obligation.unit_id)):
        add(unit_id, "escalated", number)
    for unit_id, days, number in db.session.execute(
            select(Answer.unit_id, Answer.working_days, func.count())
            .where(Answer.answered_at >= start, Answer.answered_at < end, only(Answer.unit_id))
            .group_by(Answer.unit_id, Answer.working_days)):
        add(unit_id, "received", 0)
        histogram = figures[unit_id]["working_days"]
        histogram[int(days)] = histogram.get(int(days), 0) + int(number)
    return figures


def add_up(into: dict[int, dict], more: dict[int, dict]) -> None:
    """Add ``more``'s figures (as :func:`range_figures` gives them) to ``into``'s, unit by unit."""
    for unit_id, figures in more.items():
        found = into.setdefault(unit_id, {**{key: 0 for key in ADDED}, "working_days": {}})
        for name in ADDED:
            found[name] += figures[name]
        for days, number in figures["working_days"].items():
            found["working_days"][int(days)] = found["working_days"].get(int(days), 0) + number


def mean_and_p90(histogram: dict[int, int]) -> tuple[float | None, int | None]:
    """The mean working days to answer (two decimals) and the nearest-rank 90th percentile: the
    smallest value with at least 90% of answers at or below it."""
    answers = sum(histogram.values())
    if not answers:
        return None, None
    mean = round(sum(days * number for days, number in histogram.items()) / answers, 2)
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen / answers >= 0.9:
            return mean, days
    return mean, max(histogram)  # not reached: the last value has all answers at or below it


def unit_figures(date_from: dt.date, date_to: dt.date, unit_ids: set[int] | None = None,
                 summaries: bool = True) -> dict[int, dict]:
    """The figures of :func:`unit_stats` by unit id, for every unit with some (or the units given).

    Closed months kept in the monthly summaries are read from them (``summaries``; False counts
    everything from the records, as the summaries' test does); the rest of the period is counted."""
    from feedback.plugins.accountability import summaries as kept

    start, end = local_day_bounds(date_from, date_to)
    now = utcnow()
    minimum = current_app.config["RATE_MIN_ITEMS"]
    months = kept.summarised(date_from, date_to, now) if summaries else []
    figures: dict[int, dict] = {}
    for first, last in kept.uncovered(date_from, date_to, months):
        add_up(figures, range_figures(*local_day_bounds(first, last), unit_ids))
    add_up(figures, kept.read(months, unit_ids))
    last_month = date_to.replace(day=1)
    if last_month in months and kept.month_end(last_month) == end:
        overdue = kept.open_overdue(last_month, unit_ids)  # at the end of a closed month, as it was kept
    else:
        overdue = open_overdue_at(min(now, end), unit_ids)
    result = {}
    for unit_id in set(figures) | set(overdue):
        found = figures.get(unit_id) or {**{key: 0 for key in ADDED}, "working_days": {}}
        held = {name: found[name] for name in ("answered_on_time", "answered_late", "transferred_late")}
        held["open_overdue"] = overdue.get(unit_id, 0)
        if not (found["received"] or found["escalated"] or any(held.values())):
            continue  # only answers without a holding, or nothing: no row, as before the summaries
        mean, p90 = mean_and_p90(found["working_days"])
        result[unit_id] = {"received": found["received"], **held, **on_time(held, minimum),
                           "escalated": found["escalated"], "mean_working_days": mean, "p90_working_days": p90}
    return result


def monthly_figures(date_from: dt.date, date_to: dt.date, unit_ids: set[int] | None = None,
                    summaries: bool = True) -> dict[int, dict]:
    """The on-time counts by unit and calendar month: {unit id: {first day of the month: figures}}.

    Closed months kept in the monthly summaries are read from them (two statements for all of
    them); the others are counted, three grouped statements each (months are local, so their
    bounds are computed here, not in SQL)."""
    from feedback.plugins.accountability import summaries as kept

    minimum = current_app.config["RATE_MIN_ITEMS"]
    now = utcnow()
    months = set(kept.summarised(date_from, date_to, now) if summaries else [])
    result: dict[int, dict] = {}
    for unit_id, by_month in kept.read_by_month(sorted(months), unit_ids).items():
        for first, held in by_month.items():
            if any(held.values()):
                result.setdefault(unit_id, {})[first] = {**held, **on_time(held, minimum)}
    first = date_from.replace(day=1)
    while first <= date_to:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if first not in months:
            start, end = local_day_bounds(max(first, date_from), min(following - dt.timedelta(days=1), date_to))
            for unit_id, held in holding_counts(start, end, unit_ids).items():
                result.setdefault(unit_id, {})[first] = {**held, **on_time(held, minimum)}
        first = following
    return result
