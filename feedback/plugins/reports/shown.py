"""What the public pages and the PDF show of a frozen month: the charts (through feedback.charts)
and the scorecard's figures (through feedback_unit_statistics, never another plugin's modules)."""

from __future__ import annotations

import calendar
import datetime as dt

from flask_babel import gettext as _

from feedback.charts import Chart, columns, format_value, ranking
from feedback.pluginmanager import hook
from feedback.units.models import Unit


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def ranking_chart(shown: dict, target: float) -> Chart:
    """The ranked units' satisfaction rates, in the order of the ranking (by the interval's lower bound)."""
    rows = [(f"{row.rank}. {row.unit.name}", row.overall.satisfaction_rate) for row in shown["rows"] if row.rank]
    return ranking(rows, chart_id="ranking", title=_("Satisfaction rate of the ranked units"),
                   description=_("Units with enough answers, ranked by the lower bound of the 95 percent interval of their "
                                 "satisfaction rate (so that a few answers do not outrank many); the bars show the "
                                 "rate and the dashed line the target."),
                   category_header=_("Unit"), value_header=_("Satisfaction rate"), target=target)


def criteria_chart(criteria: list, target: float | None, chart_id: str = "criteria") -> Chart:
    """The rate of each criterion (None when not enough answers)."""
    rows = [(label, figure.satisfaction_rate if figure.enough else None) for _key, label, figure in criteria]
    return ranking(rows, chart_id=chart_id, title=_("Satisfaction rate by criterion"),
                   description=_("The share of satisfied answers for each criterion of the survey; a dash where "
                                 "too few people answered."),
                   category_header=_("Criterion"), value_header=_("Satisfaction rate"), target=target)


def trend_chart(trend: list, target: float | None) -> Chart:
    """The unit's rate month by month (a gap where too few people answered)."""
    return columns([month for month, _figure in trend],
                   [figure.satisfaction_rate if figure.enough else None for _month, figure in trend],
                   chart_id="trend", title=_("Satisfaction rate month by month"),
                   description=_("The share of satisfied answers in each published month; a gap where too few "
                                 "people answered; the dashed line is the target."),
                   category_header=_("Month"), value_header=_("Satisfaction rate"), value_kind="percent",
                   target=target, line=True)


def percent(value) -> str:
    return format_value(value, "percent")


def scorecard_figures(unit: Unit, month: dt.date, dialogue_months: int) -> dict:
    """What other plugins say about ``unit``: its answers on time in ``month`` and its dialogues in
    the ``dialogue_months`` months up to the end of ``month`` (each None when no plugin gives them).
    When several plugins give the same figures, the first answer wins: pluggy asks the plugins
    registered later first, so an installed plugin overrides a built-in one."""
    end = month_end(month)
    on_time = None
    for answer in hook().feedback_unit_statistics(units=[unit], date_from=month, date_to=end, by_month=False,
                                                   names=None):
        figures = (answer or {}).get(unit.id) or {}
        if on_time is None and ("on_time_rate" in figures or "answered_on_time" in figures):
            on_time = figures
    start = month
    for _index in range(dialogue_months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    dialogues = None
    for answer in hook().feedback_unit_statistics(units=[unit], date_from=start, date_to=end, by_month=False,
                                                   names=None):
        figures = (answer or {}).get(unit.id) or {}
        if dialogues is None and "dialogues_held" in figures:
            dialogues = figures
    return {"on_time": on_time, "dialogues": dialogues, "dialogues_from": start, "to": end}
