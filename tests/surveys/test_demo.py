"""The demo province answers the template for six months: a spread per unit, a few quiet units,
one unit clearly below the 85% target; loading it twice adds nothing."""

from __future__ import annotations

import random

from sqlalchemy import case, func, select

from feedback.extensions import db as _db
from feedback.surveys.demo import load_demo_answers, write_answers
from feedback.surveys.models import Survey, SurveyAnswer, SurveyResponse
from feedback.timeutil import utcnow
from feedback.units.models import Unit
from feedback.units.services import create_unit, get_unit


def test_demo_answers_have_a_realistic_spread(app, sipas):
    with app.app_context():
        province = get_unit("P")
        units = [province, get_unit("P.STP"), get_unit("P.XA")]
        units += [create_unit(f"P.X{n}", f"Xã {n}", "commune", parent=province, valid_from=province.valid_from)
                  for n in range(9)]
        written = write_answers(_db.session.get(Survey, sipas), units, {}, random.Random(7), utcnow(),
                                lagging="P.STP")
        months = _db.session.scalars(select(SurveyResponse.month).distinct().order_by(SurveyResponse.month)).all()
        assert len(months) == 7  # six full months and this one so far
        rate = func.avg(case((SurveyAnswer.satisfied, 1.0), else_=0.0))
        per_unit = dict(_db.session.execute(select(Unit.code, rate).join(Unit, Unit.id == SurveyAnswer.unit_id)
                                            .where(SurveyAnswer.satisfied.is_not(None)).group_by(Unit.code)).all())
        assert per_unit.pop("P.STP") < 0.75
        assert all(0.8 < value < 1 for value in per_unit.values()), per_unit
        counts = _db.session.execute(select(SurveyResponse.unit_id, SurveyResponse.month, func.count())
                                     .group_by(SurveyResponse.unit_id, SurveyResponse.month)).all()
        assert any(count < 10 for *_key, count in counts) and any(count >= 25 for *_key, count in counts)
        # Every answer repeats its response's unit and month; free text is rare; conditions hold.
        assert _db.session.scalar(select(func.count()).select_from(SurveyAnswer).join(SurveyResponse).where(
            (SurveyAnswer.month != SurveyResponse.month) | (SurveyAnswer.unit_id != SurveyResponse.unit_id))) == 0
        assert written == _db.session.scalar(select(func.count(SurveyResponse.id)))
        load_demo_answers(province)  # the survey has answers already: nothing more
        assert written == _db.session.scalar(select(func.count(SurveyResponse.id)))
        _db.session.rollback()

