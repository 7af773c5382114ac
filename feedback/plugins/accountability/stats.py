"""On-time statistics per unit and period, computed in SQL: counts that add up over time (read
from the monthly summaries for closed months, counted from the records for the rest) and the
holdings open and overdue at a moment."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from feedback.extensions import db
from feedback.plugins.accountability import summaries as kept
from feedback.plugins.accountability.counting import ADDED, add_up, holding_counts, mean_and_p90, on_time, \
    open_overdue_at, range_figures
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


def unit_figures(date_from: dt.date, date_to: dt.date, unit_ids: set[int] | None = None,
                 summaries: bool = True) -> dict[int, dict]:
    """The figures of :func:`unit_stats` by unit id, for every unit with some (or the units given).

    Closed months kept in the monthly summaries are read from them (``summaries``; False counts
    everything from the records, as the summaries' test does); the rest of the period is counted."""
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
