"""The reports' seeded data set: the template survey, answered in the month before this one.

- P.STP (the department): 40 responses, each answering the 15 rated questions that show
  unconditionally with the same level: 30 responses "very satisfied" (5), 8 "neither" (3),
  2 "very unsatisfied" (1). The first 10 are about the procedure 1.000001. Three leave a comment.
- P.XA (the commune): 1 response, "satisfied" (4) on 13 questions and "neither" (3) on the two
  questions of ``XA_NEITHER`` (of the result criterion).
"""

from __future__ import annotations

import datetime as dt

import pytest

from feedback.extensions import db as _db
from tests.helpers import survey_answers

LOCAL = dt.timezone(dt.timedelta(hours=7))
XA_NEITHER = ("result_correct", "result_on_time")


def last_month() -> dt.date:
    today = dt.datetime.now(LOCAL).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def answered_in(month: dt.date, hour: int = 9) -> dt.datetime:
    """A moment on the 10th of ``month``, local time."""
    return dt.datetime.combine(month.replace(day=10), dt.time(hour), tzinfo=LOCAL)


def submit(survey_id: int, unit: str, value: int, when: dt.datetime, procedure: str = "", **by_name):
    from feedback.surveys.models import Survey
    from feedback.surveys.services import Answering, submit_response

    survey = _db.session.get(Survey, survey_id)
    return submit_response(Answering(survey=survey, unit=unit, procedure=procedure, source="json", channel="link",
                                     answers=survey_answers(survey_id, value, **by_name), submitted_at=when,
                                     sender="test"))


@pytest.fixture
def seeded(app, staff):
    """The data set above; returns the survey's id and the month."""
    from feedback.procedures.services import save_procedure
    from feedback.surveys.builder import create_from_template
    from feedback.units.services import get_unit

    month = last_month()
    with app.app_context():
        survey = create_from_template(publish_it=True)
        save_procedure(None, code="1.000001", name="Chứng thực bản sao", field="Chứng thực", unit=get_unit("P.STP"),
                       processing_days=1, fee=None, online_level=None, postal_return=False)
        for number in range(40):
            value = 5 if number < 30 else 3 if number < 38 else 1
            comment = "Cần thêm ghế chờ" if number % 15 == 0 else None
            submit(survey.id, "P.STP", value, answered_in(month) + dt.timedelta(minutes=number),
                   procedure="1.000001" if number < 10 else "", comment=comment)
        submit(survey.id, "P.XA", 4, answered_in(month), **{name: 3 for name in XA_NEITHER})
        _db.session.commit()
        return {"survey": survey.id, "month": month}
