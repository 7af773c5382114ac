"""Monthly publication: freezing a survey's past month into snapshot rows, and counting the answers
that reach a frozen month late.

On the first working day of a month, ``flask tick`` freezes the month before (and any earlier month
with answers that was never frozen). Freezing is idempotent: a month is frozen once, and the unique
(survey, month) row makes a second tick, or two ticks at once, do nothing. From then on the month's
figures are read from the snapshot; a response about it that arrives later is counted as late and
changes nothing else.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from feedback.extensions import db
from feedback.plugins.reports.index import ALL, live_counts, procedure_counts
from feedback.plugins.reports.models import LateResponses, ReportFigure, ReportMonth, RunningFigure, RunningMonth, \
    UnitTarget
from feedback.surveys.models import Survey, SurveyResponse, SurveyVersion
from feedback.timeutil import LOCAL_TZ
from feedback.workdays import Calendar


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def last_month_due(today: dt.date, calendar: Calendar) -> dt.date:
    """The latest month that may be frozen on ``today``: the month before, from the first working
    day of this month on; the month before that until then."""
    this_month = today.replace(day=1)
    first_working, _skipped = calendar.first_working_day_from(this_month)
    due = previous_month(this_month)
    return due if today >= first_working else previous_month(due)


def months_to_freeze(survey_id: int, up_to: dt.date) -> list[dt.date]:
    """The months up to ``up_to`` with responses and no snapshot yet, oldest first."""
    frozen = select(ReportMonth.month).where(ReportMonth.survey_id == survey_id)
    return list(db.session.scalars(
        select(SurveyResponse.month).where(SurveyResponse.survey_id == survey_id, SurveyResponse.month <= up_to,
                                           SurveyResponse.month.not_in(frozen))
        .group_by(SurveyResponse.month).order_by(SurveyResponse.month)))


def targets() -> tuple[float, dict[int, float]]:
    """The default target and the units' own targets."""
    default = float(current_app.config["REPORTS_TARGET"])
    return default, dict(db.session.execute(select(UnitTarget.unit_id, UnitTarget.target)).all())


def month_responses(survey: Survey, month: dt.date) -> tuple[int, str]:
    """The responses of ``survey``'s ``month``, and the versions of the survey they answered ("1, 2")."""
    responses = db.session.scalar(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.month == month)) or 0
    versions = db.session.scalars(
        select(SurveyVersion.number).where(SurveyVersion.id.in_(
            select(SurveyResponse.version_id).where(SurveyResponse.survey_id == survey.id,
                                                    SurveyResponse.month == month).distinct()))
        .order_by(SurveyVersion.number)).all()
    return responses, ", ".join(str(number) for number in versions)


def figure_rows(survey: Survey, month: dt.date) -> list[dict]:
    """The counts of ``survey``'s ``month`` counted from its answers, as rows of ``ReportFigure`` (or
    ``RunningFigure``) without their ``month_id``: per unit (alone and with its sub-units), per unit
    and procedure, and per criterion, with each unit's target."""
    default, own_targets = targets()
    rows = []
    for scope in ("unit", "tree", "procedure"):
        if scope == "procedure":
            counts = procedure_counts(survey.id, month, month)
        else:
            counts = {(unit_id, None): found for unit_id, found in
                      live_counts(survey.id, month, month, scope=scope).items()}
        for (unit_id, procedure_id), by_criterion in counts.items():
            for criterion, found in by_criterion.items():
                rows.append({"scope": scope, "unit_id": unit_id, "procedure_id": procedure_id,
                             "criterion": criterion, "responses": found.responses, "answers": found.answers,
                             "satisfied": found.satisfied, "score_sum": found.score_sum,
                             "texts": found.texts if criterion == ALL else 0,
                             "target": own_targets.get(unit_id, default)})
    return rows


def freeze_month(survey: Survey, month: dt.date, now: dt.datetime) -> ReportMonth | None:
    """Freeze ``survey``'s ``month``: its counts per unit (alone and with sub-units), per unit and
    procedure, and per criterion, with each unit's target. None if it was frozen already. The
    month's running figures go: from now on it is read from its snapshot."""
    month = month.replace(day=1)
    if db.session.scalar(select(ReportMonth.id).where(ReportMonth.survey_id == survey.id, ReportMonth.month == month)):
        return None
    responses, versions = month_responses(survey, month)
    frozen = ReportMonth(survey_id=survey.id, month=month, frozen_at=now, responses=responses,
                         min_sample=int(current_app.config["REPORTS_MIN_SAMPLE"]), versions=versions)
    try:
        with db.session.begin_nested():
            db.session.add(frozen)
            db.session.flush()
    except IntegrityError:
        return None  # another tick froze it at the same moment
    rows = [{"month_id": frozen.id, **row} for row in figure_rows(survey, month)]
    if rows:
        db.session.execute(insert(ReportFigure.__table__), rows)
    # Its running figures (feedback.plugins.reports.running) go: from now on it is read from here.
    running = select(RunningMonth.id).where(RunningMonth.survey_id == survey.id, RunningMonth.month == month)
    db.session.execute(delete(RunningFigure).where(RunningFigure.month_id.in_(running)))
    db.session.execute(delete(RunningMonth).where(RunningMonth.survey_id == survey.id, RunningMonth.month == month))
    db.session.flush()
    return frozen


def freeze_due(now: dt.datetime) -> list[tuple[Survey, dt.date]]:
    """Freeze every month that is due and not frozen yet, of every survey; returns what was frozen."""
    today = now.astimezone(LOCAL_TZ).date()
    up_to = last_month_due(today, Calendar.load())
    done = []
    for survey in db.session.scalars(select(Survey).order_by(Survey.id)):
        for month in months_to_freeze(survey.id, up_to):
            if freeze_month(survey, month, now) is not None:
                done.append((survey, month))
    return done


def count_if_late(response) -> None:
    """A response about a month already frozen is counted as late for its unit (nothing else changes)."""
    month_id = db.session.scalar(select(ReportMonth.id).where(ReportMonth.survey_id == response.survey_id,
                                                              ReportMonth.month == response.month))
    if month_id is None:
        return
    changed = db.session.execute(update(LateResponses).where(
        LateResponses.month_id == month_id, LateResponses.unit_id == response.unit_id)
        .values(responses=LateResponses.responses + 1)).rowcount
    if not changed:
        db.session.add(LateResponses(month_id=month_id, unit_id=response.unit_id, responses=1))
        db.session.flush()
