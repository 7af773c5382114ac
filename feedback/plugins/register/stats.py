"""The dashboard's figures: per unit and period (what plugins give through feedback_unit_statistics),
open items, and the monthly trend."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, text

from feedback.errors import Invalid
from feedback.extensions import db
from feedback.items.models import Item
from feedback.items.services import reception_desk
from feedback.pluginmanager import hook
from feedback.rates import rate
from feedback.timeutil import UTCDateTime, local_day_bounds, local_today, utcnow
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


def open_items(date_from: dt.date, date_to: dt.date, unit: Unit | None = None) -> dict[int, int]:
    """Per unit (or for ``unit``): items received by the end of the period and still open then
    (neither answered nor closed); items still waiting for their unit count for the reception desk
    that holds them."""
    _start, end = local_day_bounds(date_from, date_to)
    when = min(utcnow(), end)
    # In three parts that do not overlap, each read from its own index: the items open now
    # (ix_items_open), those answered since ``when`` and those closed since then without an
    # answer (none of either when the period ends today).
    # SQLite's planner prefers a skip-scan of another index here: it is told which one to read.
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    parts = (("responded_at IS NULL AND closed_at IS NULL", "ix_items_open"),
             ("responded_at >= :when AND (closed_at IS NULL OR closed_at >= :when)", "ix_items_responded_at"),
             ("responded_at IS NULL AND closed_at >= :when", "ix_items_closed_at"))
    counts: dict = {}
    for condition, index in parts:
        # Constant SQL (nothing from the request in it): only the moment and the unit are bound.
        query = text(f"SELECT unit_id, COUNT(id) FROM items{' INDEXED BY ' + index if sqlite else ''} "  # nosec B608
                     f"WHERE {condition} AND received_at < :when"
                     f"{' AND (unit_id = :unit_id OR unit_id IS NULL)' if unit is not None else ''} GROUP BY unit_id")
        query = query.bindparams(bindparam("when", when, type_=UTCDateTime()),
                                 *([bindparam("unit_id", unit.id)] if unit is not None else []))
        for unit_id, number in db.session.execute(query):
            counts[unit_id] = counts.get(unit_id, 0) + number
    waiting = counts.pop(None, 0)
    desk = reception_desk() if waiting else None
    if desk is not None and (unit is None or desk.id == unit.id):
        counts[desk.id] = counts.get(desk.id, 0) + waiting
    return counts


# The on-time figures the dashboard shows, as the accountability plugin (or a replacement) gives
# them through feedback_unit_statistics; counts are 0 for a unit without any, the rest None.
COUNTS = ("received", "answered", "answered_on_time", "answered_late", "transferred_late", "open_overdue",
          "counted", "escalated")
MEASURES = ("on_time_rate", "on_time_rate_low", "on_time_rate_high", "mean_working_days", "p90_working_days")


def honest_rate(on_time: int, counted: int) -> dict:
    """The on-time rate of summed counts, with its 95% Wilson interval."""
    figures = rate(on_time, counted)
    return {"on_time_rate": figures["rate"], "on_time_rate_low": figures["rate_low"],
            "on_time_rate_high": figures["rate_high"]}


def _counted(values: dict) -> int:
    return sum(values.get(name) or 0 for name in ("answered_on_time", "answered_late", "transferred_late",
                                                   "open_overdue"))


def unit_statistics(units: list[Unit] | None, date_from: dt.date, date_to: dt.date,
                    by_month: bool = False, wanted: tuple[str, ...] = (),
                    names: set[str] | None = None) -> dict[int, dict] | None:
    """Every plugin's figures by unit (feedback_unit_statistics), merged; None when no plugin keeps any.

    ``wanted``: None too unless some plugin gives some of these figures (an empty answer counts: such
    a plugin keeps them but had none), so that other plugins' figures alone (dialogues held...) do
    not read as on-time figures; when one does, every plugin's figures are merged.

    ``names``: the figures the page shows (None: all, for downloads); plugins that give none of
    them may leave them uncounted.
    """
    answers = [answer for answer in hook().feedback_unit_statistics(
        units=units, date_from=date_from, date_to=date_to, by_month=by_month, names=names) if answer is not None]
    if wanted and not by_month and not any(
            not answer or any(name in values for values in answer.values() for name in wanted) for answer in answers):
        return None
    if not answers:
        return None
    merged: dict[int, dict] = {}
    for answer in answers:
        for unit_id, figures in answer.items():
            if by_month:
                for month, values in figures.items():
                    merged.setdefault(unit_id, {}).setdefault(month, {}).update(values)
            else:
                merged.setdefault(unit_id, {}).update(figures)
    return merged


# What the dashboard's pages show; their downloads hold every plugin's figures.
SHOWN = frozenset(COUNTS + MEASURES + ("answered", "too_few"))
SHOWN_BY_MONTH = frozenset(("answered_on_time", "answered_late", "transferred_late", "open_overdue", "on_time_rate"))


def dashboard(date_from: dt.date, date_to: dt.date, unit: Unit | None = None, names: set[str] | None = None) -> dict:
    """Rows per unit (or the one unit), totals, and the ranking by on-time rate.

    ``on_time`` says whether any plugin gave on-time figures; without them the rows and totals
    hold None for each, never a 0 that would read as a count.
    """
    figures = unit_statistics([unit] if unit is not None else None, date_from, date_to, wanted=COUNTS, names=names)
    on_time = figures is not None
    opened = open_items(date_from, date_to, unit)
    unit_ids = set(figures or {}) | set(opened)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(list(unit_ids))))} if unit_ids else {}
    rows = []
    for unit_id in sorted(unit_ids, key=lambda uid: units[uid].code):
        row = {"unit": units[unit_id].code, "name": units[unit_id].name}
        row.update({name: 0 if on_time else None for name in COUNTS})
        row.update({name: None for name in MEASURES})
        row["too_few"] = None
        row.update((figures or {}).get(unit_id, {}))
        row["open"] = opened.get(unit_id, 0)
        rows.append(row)
    totals = {"open": sum(row["open"] for row in rows)}
    totals.update({name: sum(row[name] or 0 for row in rows) if on_time else None for name in COUNTS})
    totals.update(honest_rate(totals["answered_on_time"], totals["counted"]) if on_time
                  else {name: None for name in MEASURES[:3]})
    # Every unit that had items in the period, by the lower bound of its rate's interval: a unit
    # that answered nothing is not left out, and a few lucky items do not make a champion. Units
    # with nothing due yet come last.
    ranking = sorted((row for row in rows), key=lambda row: (
        row["on_time_rate_low"] is None, -(row["on_time_rate_low"] or 0), -(row["counted"] or 0), row["unit"])
    ) if on_time else []
    return {"date_from": date_from, "date_to": date_to, "units": rows, "totals": totals, "ranking": ranking,
            "target": TARGET, "on_time": on_time}


def months_back(date_to: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of the ``count`` months ending with the month of ``date_to``."""
    months, year, month = [], date_to.year, date_to.month
    for _index in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def trend(date_to: dt.date, unit: Unit | None = None, count: int = 12,
          names: set[str] | None = None) -> list[dict] | None:
    """Per month: answered on time and late, passed on late, open and overdue at the month's end, and
    the on-time rate with its interval; None when no plugin gives them."""
    months = months_back(date_to, count)
    last = (months[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    figures = unit_statistics([unit] if unit is not None else None, months[0], last, by_month=True, names=names)
    if figures is None:
        return None
    result = []
    for first in months:
        in_month = [by_month[first] for by_month in figures.values() if first in by_month]
        sums = {name: sum(values.get(name) or 0 for values in in_month)
                for name in ("answered_on_time", "answered_late", "transferred_late", "open_overdue")}
        result.append({"month": first, "answered": sums["answered_on_time"] + sums["answered_late"], **sums,
                       **honest_rate(sums["answered_on_time"], _counted(sums))})
    return result
