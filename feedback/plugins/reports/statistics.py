"""The index as figures for other plugins' dashboards and agendas (feedback_unit_statistics)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select

from feedback.extensions import db
from feedback.plugins.reports.results import default_survey
from feedback.surveys.models import SurveyAnswer


def unit_figures(units, date_from: dt.date, date_to: dt.date, by_month: bool) -> dict | None:
    """Per unit (its own answers): responses, rated answers, satisfied answers and the rate, over the
    months from ``date_from``'s to ``date_to``'s (answers are counted by month); None without a survey
    or without answers."""
    survey = default_survey()
    if survey is None:
        return None
    first, last = date_from.replace(day=1), date_to.replace(day=1)
    satisfied = func.sum(case((SurveyAnswer.satisfied.is_(True), 1), else_=0))
    keys = [SurveyAnswer.unit_id] + ([SurveyAnswer.month] if by_month else [])
    query = (select(*keys, func.count(func.distinct(SurveyAnswer.response_id)), func.count(), satisfied)
             .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.month >= first, SurveyAnswer.month <= last,
                    SurveyAnswer.satisfied.is_not(None))
             .group_by(*keys))
    if units is not None:
        query = query.where(SurveyAnswer.unit_id.in_([unit.id for unit in units] or [-1]))
    result: dict = {}
    for row in db.session.execute(query):
        responses, answers, happy = row[-3:]
        figures = {"survey_responses": int(responses), "satisfaction_answers": int(answers),
                   "satisfaction_satisfied": int(happy),
                   "satisfaction_rate": round(int(happy) / int(answers), 4) if answers else None}
        if by_month:
            result.setdefault(row[0], {})[row[1]] = figures
        else:
            result[row[0]] = figures
    return result or None
