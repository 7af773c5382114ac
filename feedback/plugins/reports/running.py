"""The running figures of a month not frozen yet: counted from the answers by ``flask tick`` (at most
every REPORTS_LIVE_REFRESH_MINUTES minutes), kept in ``reports_running_figures`` in the shape of a
frozen month's, and read by every request. No request counts a month from its answers: the API
says when the figures were counted (``counted_at``), and an answer recorded after that moment is in
the next count. When the month is frozen its running figures are removed.

The figures are counted by the very code that freezes a month (``snapshot.figure_rows``), so a month's
running figures, counted at a moment, are what freezing it at that moment would keep.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from feedback.extensions import db
from feedback.plugins.reports.models import ReportMonth, RunningFigure, RunningMonth
from feedback.surveys.models import Survey, SurveyResponse
from feedback.timeutil import LOCAL_TZ


def running_month(survey: Survey, month: dt.date) -> RunningMonth | None:
    return db.session.scalar(select(RunningMonth).where(RunningMonth.survey_id == survey.id,
                                                        RunningMonth.month == month))


def count_running(survey: Survey, month: dt.date, now: dt.datetime) -> RunningMonth:
    """Count ``survey``'s ``month`` from its answers now and keep the figures (replacing the last
    count); ``now``: a moment taken before counting (every answer recorded before it is counted)."""
    from feedback.plugins.reports.snapshot import figure_rows, month_responses

    month = month.replace(day=1)
    responses, versions = month_responses(survey, month)
    rows = figure_rows(survey, month)
    running = running_month(survey, month)
    if running is None:
        running = RunningMonth(survey_id=survey.id, month=month, counted_at=now, responses=responses,
                               versions=versions)
        try:
            with db.session.begin_nested():
                db.session.add(running)
                db.session.flush()
        except IntegrityError:  # another tick counted it at the same moment: replace its count
            running = running_month(survey, month)
    if running.id is not None:
        db.session.execute(delete(RunningFigure).where(RunningFigure.month_id == running.id))
    running.counted_at, running.responses, running.versions = now, responses, versions
    db.session.flush()
    if rows:
        db.session.execute(insert(RunningFigure.__table__), [{"month_id": running.id, **row} for row in rows])
    db.session.flush()
    return running


def running_due(now: dt.datetime) -> list[tuple[Survey, dt.date]]:
    """Count again every month with answers that is not frozen (this month, and the month before
    until it is frozen) whose figures are older than REPORTS_LIVE_REFRESH_MINUTES; returns them."""
    every = dt.timedelta(minutes=float(current_app.config["REPORTS_LIVE_REFRESH_MINUTES"]))
    this_month = now.astimezone(LOCAL_TZ).date().replace(day=1)
    done = []
    for survey in db.session.scalars(select(Survey).order_by(Survey.id)):
        frozen = select(ReportMonth.month).where(ReportMonth.survey_id == survey.id)
        months = db.session.scalars(
            select(SurveyResponse.month).where(SurveyResponse.survey_id == survey.id,
                                               SurveyResponse.month <= this_month,
                                               SurveyResponse.month >= _previous(this_month),
                                               SurveyResponse.month.not_in(frozen))
            .group_by(SurveyResponse.month).order_by(SurveyResponse.month)).all()
        for month in months:
            running = running_month(survey, month)
            if running is None or running.counted_at <= now - every:
                count_running(survey, month, now)
                done.append((survey, month))
    return done


def _previous(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)
