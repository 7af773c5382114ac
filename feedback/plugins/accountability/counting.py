"""On-time counts from the records, in SQL: the holdings of items met, passed on late and open and
overdue over a period or at a moment, and what adds up over time (received, escalated). The monthly
summaries (feedback.plugins.accountability.summaries) keep these counts for closed months, and the
statistics (feedback.plugins.accountability.stats) read both."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select, true

from feedback.extensions import db
from feedback.items.models import Item, ItemEvent
from feedback.obligations.models import Obligation
from feedback.plugins.accountability.models import Answer, Notice
from feedback.rates import rate
from feedback.timeutil import utcnow


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
    # One probe of the log's item index per item received (a join on the first event's id made
    # PostgreSQL hash the whole log); items that reached no unit yet group under None.
    first_unit = (select(ItemEvent.unit_id).where(
        ItemEvent.item_id == Item.id, ItemEvent.action.in_(("filed", "assign")), ItemEvent.unit_id.is_not(None))
        .order_by(ItemEvent.id).limit(1).correlate(Item).scalar_subquery())
    received = select(first_unit.label("unit_id")).where(Item.received_at >= start, Item.received_at < end).subquery()
    for unit_id, number in db.session.execute(
            select(received.c.unit_id, func.count()).where(only(received.c.unit_id)).group_by(received.c.unit_id)):
        if unit_id is not None:
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
