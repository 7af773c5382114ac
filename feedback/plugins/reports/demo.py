"""Demo: the demo province's months of answers are frozen as ``flask tick`` would have frozen them,
and a few paper forms about the last frozen month are entered afterwards, so that the pages show
answers that came late."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from feedback.extensions import db
from feedback.plugins.reports.results import default_survey, latest_frozen
from feedback.plugins.reports.snapshot import freeze_due
from feedback.surveys.models import SurveyResponse
from feedback.timeutil import LOCAL_TZ, utcnow

LATE_PAPER_FORMS = 3


def freeze_demo_months() -> None:
    now = utcnow()
    if not freeze_due(now):
        return  # frozen by an earlier run: the late forms are there already
    survey = default_survey()
    if survey is None or survey.published is None:
        return
    month = latest_frozen(survey)
    if month is None:
        return
    # The unit with the most answers that month enters a few paper forms late.
    unit_id = db.session.scalar(
        select(SurveyResponse.unit_id).where(SurveyResponse.survey_id == survey.id,
                                             SurveyResponse.month == month.month)
        .group_by(SurveyResponse.unit_id).order_by(func.count().desc(), SurveyResponse.unit_id).limit(1))
    if unit_id is None:
        return
    from feedback.surveys.services import Answering, submit_response
    from feedback.units.models import Unit

    unit = db.session.get(Unit, unit_id)
    version = survey.published
    answered = dt.datetime.combine(month.month + dt.timedelta(days=20), dt.time(9, 30), tzinfo=LOCAL_TZ)
    if answered.astimezone(dt.timezone.utc) < now - dt.timedelta(days=90):
        return
    for number in range(LATE_PAPER_FORMS):
        answers = {str(question.id): 4 + (number + question.position) % 2
                   for question in version.ordered_questions() if question.type == "scale5"
                   and not question.conditions}
        submit_response(Answering(survey=survey, unit=unit.code, answers=answers, source="json", channel="link",
                                  locale="vi", submitted_at=answered + dt.timedelta(hours=number),
                                  sender=f"demo-paper-{number}"))
