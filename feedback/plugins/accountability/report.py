"""The report to the People's Committee on receiving and handling complaints and petitions (báo cáo
tình hình tiếp nhận, xử lý phản ánh, kiến nghị), monthly or quarterly, for a unit and the units
under it: counts by channel, topic and status, answered on time and late, open and overdue,
extensions, transfers, escalations and letters of apology. Figures are read in SQL; lateness comes
from the obligations (one row per holding, its lateness written when the holding ended), so that a
transfer never hides it. As a PDF in the state document format and as XLSX.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from feedback import charts, documents, exports
from feedback.errors import Invalid
from feedback.extensions import db
from feedback.items.models import CHANNELS, TOPICS, Item
from feedback.items.states import STATUSES
from feedback.obligations.models import Obligation, ObligationChange
from feedback.plugins.accountability.models import ApologyLetter, Notice
from feedback import timeutil
from feedback.timeutil import LOCAL_TZ, local_day_bounds
from feedback.units.models import Unit

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
# What each unit's line counts, in the order of the report's table.
MEASURES = {
    "received": _l("Received"),
    "answered_on_time": _l("Answered on time"),
    "answered_late": _l("Answered late"),
    "late_transferred": _l("Late, then transferred"),
    "open_overdue": _l("Open and overdue at the end"),
    "extensions": _l("Extensions"),
    "transfers": _l("Transfers to another unit"),
    "escalations": _l("Escalations"),
    "apology_letters": _l("Letters of apology"),
}


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter, local dates; ``first`` and ``last`` are both inside it."""

    kind: str  # month, quarter
    year: int
    number: int

    @property
    def first(self) -> dt.date:
        month = self.number if self.kind == "month" else 3 * self.number - 2
        return dt.date(self.year, month, 1)

    @property
    def last(self) -> dt.date:
        months = 1 if self.kind == "month" else 3
        month = self.first.month + months
        following = dt.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.number:02d}" if self.kind == "month" else f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        """In the state document's words: "tháng 11 năm 2026", "quý IV năm 2026"."""
        if self.kind == "month":
            return f"tháng {self.number} năm {self.year}"
        return f"quý {ROMAN[self.number]} năm {self.year}"


def parse_period(text: str, today: dt.date | None = None) -> Period:
    """"2026-11" (a month) or "2026-Q4" (a quarter); Invalid for anything else, and for a period that
    has not begun (a report on the future is refused)."""
    text = (text or "").strip()
    today = today or timeutil.local_today()
    month, quarter = MONTH.match(text), QUARTER.match(text)
    if month and 1 <= int(month.group(2)) <= 12 and int(month.group(1)) >= 2000:
        period = Period("month", int(month.group(1)), int(month.group(2)))
    elif quarter and int(quarter.group(1)) >= 2000:
        period = Period("quarter", int(quarter.group(1)), int(quarter.group(2)))
    else:
        raise Invalid(_("Give the period as a month (2026-11) or a quarter (2026-Q4)."),
                      {"period": _("Give the period as a month (2026-11) or a quarter (2026-Q4).")})
    if period.first > today:
        message = _("The period %(period)s has not begun: a report covers days that have passed.", period=text)
        raise Invalid(message, {"period": message})
    return period


@dataclass
class Report:
    unit: Unit
    period: Period
    units: list[Unit]
    # By unit id: {measure: count}; and the totals.
    lines: dict[int, dict[str, int]]
    totals: dict[str, int]
    by_channel: dict[str, int]
    by_topic: dict[str, int]
    by_status: dict[str, int]
    made_on: dt.date
    # The report's figures stop here: the end of the period, or now for a period not over yet.
    until: dt.datetime = field(default_factory=lambda: timeutil.utcnow())

    @property
    def complete(self) -> bool:
        return self.until.astimezone(LOCAL_TZ).date() > self.period.last

    @property
    def on_time_rate(self) -> float | None:
        """Answered on time over everything that was due: answered (on time or late), late and
        transferred, and open past the deadline; not answering never helps."""
        counted = sum(self.totals[key] for key in ("answered_on_time", "answered_late", "late_transferred",
                                                   "open_overdue"))
        return self.totals["answered_on_time"] / counted if counted else None


def scope_units(unit: Unit) -> list[Unit]:
    """The unit and every unit under it, the unit first, then by code."""
    everything = db.session.scalars(select(Unit)).all()
    children: dict[int | None, list[Unit]] = {}
    for each in everything:
        children.setdefault(each.parent_id, []).append(each)
    found, stack, seen = [], [unit], set()
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        found.append(node)
        stack.extend(children.get(node.id, []))
    return [unit] + sorted(found[1:], key=lambda each: each.code)


def _grouped(query) -> dict:
    return {tuple(row[:-1]) if len(row) > 2 else row[0]: row[-1] for row in db.session.execute(query).all()}


def build(unit: Unit, period: Period, now: dt.datetime | None = None) -> Report:
    """The figures of ``unit`` and the units under it for ``period``: a fixed number of grouped queries."""
    now = now or timeutil.utcnow()
    units = scope_units(unit)
    ids = [each.id for each in units]
    start, end = local_day_bounds(period.first, period.last)
    until = min(now, end)
    answers = and_(Obligation.owner_type == "item", Obligation.kind == "answer", Obligation.unit_id.in_(ids))
    ended = and_(Obligation.ended_at >= start, Obligation.ended_at < until)
    received_in = and_(Item.received_at >= start, Item.received_at < until, Item.unit_id.in_(ids))

    measures: dict[str, dict] = {
        "received": _grouped(select(Item.unit_id, func.count()).where(received_in).group_by(Item.unit_id)),
        "answered_on_time": _grouped(select(Obligation.unit_id, func.count()).where(
            answers, ended, Obligation.status == "met", Obligation.late.is_(False)).group_by(Obligation.unit_id)),
        "answered_late": _grouped(select(Obligation.unit_id, func.count()).where(
            answers, ended, Obligation.status == "met", Obligation.late.is_(True)).group_by(Obligation.unit_id)),
        # A holding that was late when the item left the unit stays late against that unit.
        "late_transferred": _grouped(select(Obligation.unit_id, func.count()).where(
            answers, ended, Obligation.status == "superseded", Obligation.late.is_(True))
            .group_by(Obligation.unit_id)),
        # Holdings past their deadline at the end, and still held then.
        "open_overdue": _grouped(select(Obligation.unit_id, func.count()).where(
            answers, Obligation.start_at < until, Obligation.due_at < until,
            or_(Obligation.ended_at.is_(None), Obligation.ended_at >= until)).group_by(Obligation.unit_id)),
        "extensions": _grouped(select(Obligation.unit_id, func.count()).join(
            ObligationChange, ObligationChange.obligation_id == Obligation.id).where(
            answers, ObligationChange.action == "extended", ObligationChange.at >= start,
            ObligationChange.at < until).group_by(Obligation.unit_id)),
        "transfers": _grouped(select(Obligation.unit_id, func.count()).join(
            ObligationChange, ObligationChange.obligation_id == Obligation.id).where(
            answers, ObligationChange.action == "transferred", ObligationChange.at >= start,
            ObligationChange.at < until).group_by(Obligation.unit_id)),
        # An escalation counts against the unit that held the item then (the notice names the one above).
        "escalations": _grouped(select(Obligation.unit_id, func.count()).join(
            Notice, and_(Notice.item_id == Obligation.owner_id, Obligation.start_at <= Notice.created_at,
                         or_(Obligation.ended_at.is_(None), Obligation.ended_at > Notice.created_at))).where(
            answers, Notice.kind == "escalated", Notice.created_at >= start, Notice.created_at < until)
            .group_by(Obligation.unit_id)),
        "apology_letters": _grouped(select(ApologyLetter.unit_id, func.count()).where(
            ApologyLetter.unit_id.in_(ids), ApologyLetter.created_at >= start, ApologyLetter.created_at < until)
            .group_by(ApologyLetter.unit_id)),
    }
    lines = {each.id: {key: int(measures[key].get(each.id, 0)) for key in MEASURES} for each in units}
    totals = {key: sum(line[key] for line in lines.values()) for key in MEASURES}
    by_channel = _grouped(select(Item.channel, func.count()).where(received_in).group_by(Item.channel))
    by_topic = _grouped(select(Item.topic, func.count()).where(received_in).group_by(Item.topic))
    by_status = _grouped(select(Item.status, func.count()).where(received_in).group_by(Item.status))
    return Report(unit=unit, period=period, units=units, lines=lines, totals=totals,
                  by_channel={key: int(by_channel.get(key, 0)) for key in CHANNELS},
                  by_topic={key: int(by_topic.get(key, 0)) for key in TOPICS},
                  by_status={key: int(by_status.get(key, 0)) for key in STATUSES if by_status.get(key)},
                  made_on=now.astimezone(LOCAL_TZ).date(), until=until)


# --- the report as tables, a chart, a PDF and a workbook ---------------------------------------


def unit_rows(report: Report) -> list[dict]:
    rows = [{"unit": each.code, "name": each.name, **report.lines[each.id]} for each in report.units]
    rows.append({"unit": "", "name": _("Total"), **report.totals})
    return rows


def count_rows(counts: dict[str, int], labels: dict) -> list[dict]:
    return [{"key": key, "label": str(labels.get(key, key)), "count": value} for key, value in counts.items()]


def tables(report: Report) -> list[exports.Rows]:
    unit_columns = [exports.Column("unit", _l("Unit code")), exports.Column("name", _l("Unit"))] + [
        exports.Column(key, label, "int") for key, label in MEASURES.items()]
    count_columns = [exports.Column("key", _l("Code")), exports.Column("label", _l("Name")),
                     exports.Column("count", _l("Received"), "int")]
    return [
        exports.Rows(unit_columns, unit_rows(report), _("Units")),
        exports.Rows(count_columns, count_rows(report.by_channel, CHANNELS), _("By channel")),
        exports.Rows(count_columns, count_rows(report.by_topic, TOPICS), _("By topic")),
        exports.Rows(count_columns, count_rows(report.by_status, STATUSES), _("By status")),
    ]


def chart(report: Report) -> charts.Chart:
    names = [each.name for each in report.units]
    series = [charts.Series("answered_on_time", _("Answered on time"), "ok"),
              charts.Series("answered_late", _("Answered late"), "bad"),
              charts.Series("late_transferred", _("Late, then transferred"), "muted"),
              charts.Series("open_overdue", _("Open and overdue at the end"), "warn")]
    values = {s.key: [report.lines[each.id][s.key] for each in report.units] for s in series}
    return charts.stacked_columns(
        names, series, values, chart_id="committee-report", category_header=_("Unit"),
        title=_("Items due in %(period)s, by unit", period=report.period.label),
        description=_("Answered on time, answered late, late then transferred, and open past the deadline."))


def pdf(report: Report) -> bytes:
    """The report in the state document format (always in Vietnamese)."""
    with force_locale("vi"):
        recipient = report.unit.parent if report.unit.parent is not None else report.unit
        return documents.render_pdf(
            "accountability/committee_report.html", report=report, unit=report.unit, parent=report.unit.parent,
            place=report.unit.document_place, today=report.made_on, chart=chart(report),
            rows=unit_rows(report), measures=MEASURES, channels=count_rows(report.by_channel, CHANNELS),
            topics=count_rows(report.by_topic, TOPICS), statuses=count_rows(report.by_status, STATUSES),
            addressee=recipient.name, symbol=f"BC-{report.unit.document_abbreviation}",
            head=report.unit.head)


def xlsx(report: Report) -> bytes:
    import io

    buffer = io.BytesIO()
    exports.write_xlsx(tables(report), buffer)
    return buffer.getvalue()
