"""The index as figures for other plugins' dashboards and agendas (feedback_unit_statistics): read
from the snapshots for frozen months, counted from the answers for the others (usually this month)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from feedback.extensions import db
from feedback.plugins.reports.index import ALL, Counts, live_counts
from feedback.plugins.reports.models import ReportFigure, ReportMonth
from feedback.plugins.reports.results import default_survey


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def unit_figures(units, date_from: dt.date, date_to: dt.date, by_month: bool) -> dict | None:
    """Per unit (its own answers): ``survey_responses``, ``satisfaction_answers``,
    ``satisfaction_satisfied`` and ``satisfaction_rate`` of REPORTS_SURVEY over the whole months
    from ``date_from``'s to ``date_to``'s; None without the survey or without answers."""
    survey = default_survey()
    if survey is None:
        return None
    first, last = date_from.replace(day=1), date_to.replace(day=1)
    unit_ids = None if units is None else [unit.id for unit in units]
    per_month: dict[int, dict[dt.date, Counts]] = {}
    query = (select(ReportMonth.month, ReportFigure.unit_id, ReportFigure.responses, ReportFigure.answers,
                    ReportFigure.satisfied)
             .join(ReportFigure, ReportFigure.month_id == ReportMonth.id)
             .where(ReportMonth.survey_id == survey.id, ReportMonth.month >= first, ReportMonth.month <= last,
                    ReportFigure.scope == "unit", ReportFigure.criterion == ALL))
    if unit_ids is not None:
        query = query.where(ReportFigure.unit_id.in_(unit_ids or [-1]))
    for month, unit_id, responses, answers, satisfied in db.session.execute(query):
        per_month.setdefault(unit_id, {})[month] = Counts(responses, answers, satisfied)
    frozen = set(db.session.scalars(select(ReportMonth.month).where(
        ReportMonth.survey_id == survey.id, ReportMonth.month >= first, ReportMonth.month <= last)))
    for month in _months(first, last):
        if month in frozen:
            continue
        for unit_id, by_criterion in live_counts(survey.id, month, month, unit_ids=unit_ids).items():
            counts = by_criterion.get(ALL)
            if counts is not None and counts.answers:
                per_month.setdefault(unit_id, {})[month] = counts
    result: dict = {}
    for unit_id, months in per_month.items():
        if by_month:
            result[unit_id] = {month: _figures(counts) for month, counts in months.items()}
        else:
            total = Counts()
            for counts in months.values():
                total = total + counts
            result[unit_id] = _figures(total)
    return result or None


def _figures(counts: Counts) -> dict:
    return {"survey_responses": counts.responses, "satisfaction_answers": counts.answers,
            "satisfaction_satisfied": counts.satisfied,
            "satisfaction_rate": round(counts.satisfied / counts.answers, 4) if counts.answers else None}
