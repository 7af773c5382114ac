"""The demo's months of answers are frozen as tick would have frozen them, and a few paper forms
about the last frozen month come late, so that the pages show something real."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.plugins.reports.demo import LATE_PAPER_FORMS, freeze_demo_months
from feedback.plugins.reports.models import LateResponses, ReportMonth
from feedback.plugins.reports.snapshot import last_month_due
from feedback.surveys.builder import create_from_template
from feedback.surveys.demo import write_answers
from feedback.timeutil import local_today, utcnow
from feedback.units.services import create_unit, get_unit
from feedback.workdays import Calendar


def test_the_demo_months_are_frozen_and_some_answers_come_late(app, client, staff):
    with app.app_context():
        survey = create_from_template(publish_it=True)
        province = get_unit("P")
        units = [province, get_unit("P.STP"), get_unit("P.XA")]
        units += [create_unit(f"P.X{n}", f"Xã {n}", "commune", parent=province, valid_from=province.valid_from)
                  for n in range(6)]
        write_answers(survey, units, {}, random.Random(7), utcnow(), lagging="P.STP")
        freeze_demo_months()
        _db.session.commit()
        months = _db.session.scalars(select(ReportMonth.month).order_by(ReportMonth.month)).all()
        due = last_month_due(local_today(), Calendar.load())
        assert months[-1] == due and len(months) in (5, 6)  # six before the first working day of a month
        assert _db.session.scalar(select(func.sum(LateResponses.responses))) == LATE_PAPER_FORMS
        freeze_demo_months()  # again: nothing more is frozen, no more late forms
        assert _db.session.scalar(select(func.count(ReportMonth.id))) == len(months)
        assert _db.session.scalar(select(func.sum(LateResponses.responses))) == LATE_PAPER_FORMS
    page = client.get("/results/sipas")
    assert page.status_code == 200 and "sau khi chốt số liệu: 3 (" in page.text
