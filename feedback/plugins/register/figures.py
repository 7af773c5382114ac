"""What the register's downloads and dashboard show: the row definitions of the downloads (one for
CSV, XLSX and JSON alike) and the dashboard's charts, built with the core's exports and charts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from feedback.charts import Chart, Series, format_value, ranking, stacked_columns
from feedback.exports import Column, Rows


def _of(part: str, key: str):
    """Read ``key`` of the nested ``part`` of a public view (its unit, procedure or response)."""
    return lambda view: (view.get(part) or {}).get(key)


REGISTER_COLUMNS = (
    Column("code", _l("Tracking code")),
    Column("kind", _l("Kind")),
    Column("topic", _l("Topic")),
    Column("status", _l("Status")),
    Column("unit_code", _l("Unit code"), value=_of("unit", "code")),
    Column("unit", _l("Unit"), value=_of("unit", "name")),
    Column("procedure_code", _l("Procedure code"), value=_of("procedure", "code")),
    Column("procedure", _l("Procedure"), value=_of("procedure", "name")),
    Column("field", _l("Field"), value=_of("procedure", "field")),
    Column("received_at", _l("Received at"), "datetime"),
    Column("deadline_days", _l("Working days to answer"), "int"),
    Column("due_at", _l("Due at"), "datetime"),
    Column("responded_at", _l("Answered at"), "datetime"),
    Column("overdue", _l("Open past its deadline"), "bool"),
    Column("late", _l("Late"), "bool"),
    Column("late_days", _l("Working days late"), "int"),
    Column("extended", _l("Extended"), "bool"),
    Column("transferred", _l("Transferred"), "bool"),
    Column("title", _l("Title")),
    Column("body", _l("Content")),
    Column("answer", _l("Answer"), value=_of("response", "body")),
    Column("published_at", _l("Answer published at"), "datetime", value=_of("response", "published_at")),
    Column("answer_unit", _l("Answering unit"), value=_of("response", "unit")),
    Column("head_name", _l("Head who answered"), value=_of("response", "head_name")),
    Column("head_title", _l("Title of the head who answered"), value=_of("response", "head_title")),
    Column("rating", _l("Citizen's rating")),
)

UNIT_COLUMNS = (
    Column("unit", _l("Unit code")),
    Column("name", _l("Unit")),
    Column("received", _l("Received"), "int"),
    Column("answered", _l("Answered"), "int"),
    Column("answered_on_time", _l("Answered on time"), "int"),
    Column("answered_late", _l("Answered late"), "int"),
    Column("transferred_late", _l("Passed on late"), "int"),
    Column("open", _l("Open"), "int"),
    Column("open_overdue", _l("Open and overdue"), "int"),
    Column("escalated", _l("Escalations"), "int"),
    Column("counted", _l("Items the rate counts"), "int"),
    Column("on_time_rate", _l("On-time rate"), "percent"),
    Column("on_time_rate_low", _l("On-time rate, lower bound of the Wilson interval (95 per cent)"), "percent"),
    Column("on_time_rate_high", _l("On-time rate, upper bound of the Wilson interval (95 per cent)"), "percent"),
    Column("too_few", _l("Too few items to compare"), "bool"),
    Column("mean_working_days", _l("Mean working days to answer"), "float"),
    Column("p90_working_days", _l("Working days to answer 9 in 10 items"), "int"),
)

MONTH_COLUMNS = (
    Column("month", _l("Month"), "date"),
    Column("answered", _l("Answered"), "int"),
    Column("answered_on_time", _l("Answered on time"), "int"),
    Column("answered_late", _l("Answered late"), "int"),
    Column("transferred_late", _l("Passed on late"), "int"),
    Column("open_overdue", _l("Open and overdue"), "int"),
    Column("on_time_rate", _l("On-time rate"), "percent"),
    Column("on_time_rate_low", _l("On-time rate, lower bound of the Wilson interval (95 per cent)"), "percent"),
    Column("on_time_rate_high", _l("On-time rate, upper bound of the Wilson interval (95 per cent)"), "percent"),
)


def register_rows(views: Iterable[Mapping]) -> Rows:
    return Rows(REGISTER_COLUMNS, views, title=_("Public register"))


def unit_rows(units: list[Mapping]) -> Rows:
    """The figures by unit; what other plugins give (feedback_unit_statistics) beyond UNIT_COLUMNS
    follows, headed as those plugins say (feedback_unit_statistics_columns) or else by its key, so
    that every format holds every figure."""
    from feedback.pluginmanager import hook

    known = {column.key for column in UNIT_COLUMNS}
    labelled = {}
    for group in hook().feedback_unit_statistics_columns():
        for column in group or ():
            labelled.setdefault(column.key, column)
    extra = sorted({key for row in units for key in row} - known)
    columns = UNIT_COLUMNS + tuple(labelled.get(key) or Column(key, key, _type_of([row.get(key) for row in units]))
                                   for key in extra)
    return Rows(columns, units, title=_("Figures by unit"))


def _type_of(values: list) -> str:
    present = [value for value in values if value is not None]
    if present and all(isinstance(value, bool) for value in present):
        return "bool"
    if present and all(isinstance(value, int) and not isinstance(value, bool) for value in present):
        return "int"
    if present and all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in present):
        return "float"
    return "text"


def month_rows(months: Iterable[Mapping]) -> Rows:
    return Rows(MONTH_COLUMNS, months, title=_("Trend over the months"))


def ranking_chart(figures: Mapping) -> Chart:
    """Units by on-time rate over the period, best first, against the target."""
    target = figures["target"]
    return ranking(
        [(row["name"], row["on_time_rate"]) for row in figures["ranking"]], chart_id="ranking",
        title=_("On-time rate by unit (target %(target)s)", target=format_value(target, "percent")),
        description=_("Every unit that had items in the period, ranked by the lower bound of the Wilson interval "
                      "(95 per cent) of its on-time rate; the dashed line is the target."),
        category_header=_("Unit"), value_header=_("On-time rate"), target=target)


def trend_chart(months: list[Mapping], target: float) -> Chart:
    """Per month: items answered on time and late, stacked, with the on-time rate above."""
    notes = [None if m["on_time_rate"] is None else
             (format_value(m["on_time_rate"], "percent"), "ok" if m["on_time_rate"] >= target else "bad")
             for m in months]
    return stacked_columns(
        [m["month"] for m in months],
        [Series("answered_on_time", _("Answered on time"), "ok"), Series("answered_late", _("Answered late"), "bad")],
        {key: [m[key] for m in months] for key in ("answered_on_time", "answered_late")},
        chart_id="trend", title=_("Answers per month: on time and late"),
        description=_("For each of the last twelve months, the items answered on time and those answered late, "
                      "with the on-time rate above each column."),
        category_header=_("Month"), notes=notes, note_header=_("On-time rate"))
