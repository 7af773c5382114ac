"""The index as figures for other plugins' dashboards and agendas (feedback_unit_statistics): read
from the snapshots for frozen months, from the running figures for the others (usually this month:
as tick last counted them), never from the answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from feedback.extensions import db
from feedback.plugins.reports.index import ALL, Counts
from feedback.plugins.reports.models import ReportFigure, ReportMonth, RunningFigure, RunningMonth
from feedback.plugins.reports.results import default_survey


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
    # Months not frozen: their running figures (a month is frozen or running, never both).
    query = (select(RunningMonth.month, RunningFigure.unit_id, RunningFigure.responses, RunningFigure.answers,
                    RunningFigure.satisfied)
             .join(RunningFigure, RunningFigure.month_id == RunningMonth.id)
             .where(RunningMonth.survey_id == survey.id, RunningMonth.month >= first, RunningMonth.month <= last,
                    RunningMonth.month.not_in(select(ReportMonth.month).where(ReportMonth.survey_id == survey.id)),
                    RunningFigure.scope == "unit", RunningFigure.criterion == ALL, RunningFigure.answers > 0))
    if unit_ids is not None:
        query = query.where(RunningFigure.unit_id.in_(unit_ids or [-1]))
    for month, unit_id, responses, answers, satisfied in db.session.execute(query):
        per_month.setdefault(unit_id, {})[month] = Counts(responses, answers, satisfied)
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
