"""Monthly publication: tick freezes the past month on the first working day of the next one, once;
late answers are counted and change nothing frozen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.plugins.reports import results
from feedback.plugins.reports.models import ReportFigure, ReportMonth, RunningFigure, RunningMonth
from feedback.pluginmanager import run_tick
from feedback.units.services import get_unit
from feedback.workdays import Calendar
from tests.plugins.reports.conftest import LOCAL, answered_in, submit


def _first_working_day_after(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Calendar.load().first_working_day_from(following)[0]


def _ticks(app, day: dt.date) -> dict:
    with app.app_context():
        return dict(run_tick(dt.datetime.combine(day, dt.time(8), tzinfo=LOCAL)))


def run_tick_now(app):
    with app.app_context():
        return run_tick(dt.datetime.now(dt.timezone.utc))


def _frozen(app) -> list:
    with app.app_context():
        return list(_db.session.execute(select(ReportMonth.month, func.count(ReportFigure.id))
                                        .join(ReportFigure, ReportFigure.month_id == ReportMonth.id)
                                        .group_by(ReportMonth.month)))


def test_tick_freezes_the_past_month_on_the_first_working_day_once(app, seeded):
    month = seeded["month"]
    with app.app_context():
        first = _first_working_day_after(month)
    # Not yet: the month's running figures are counted instead, and not again within the interval.
    assert _ticks(app, first - dt.timedelta(days=1))["reports"] == "1 running month(s) counted"
    assert _ticks(app, first - dt.timedelta(days=1))["reports"] == "ok"
    assert _frozen(app) == []
    assert _ticks(app, first)["reports"] == "1 month(s) frozen"
    frozen = _frozen(app)
    assert [row[0] for row in frozen] == [month]
    with app.app_context():  # frozen: its running figures are gone
        assert _db.session.scalar(select(func.count(RunningMonth.id))) == 0
        assert _db.session.scalar(select(func.count(RunningFigure.id))) == 0
    assert _ticks(app, first)["reports"] == "ok"  # idempotent
    assert _ticks(app, first + dt.timedelta(days=3))["reports"] == "ok"
    assert _frozen(app) == frozen


def test_late_answers_never_change_a_frozen_month(app, client, seeded):
    month = seeded["month"]
    with app.app_context():
        first = _first_working_day_after(month)
    _ticks(app, first)
    before = client.get(f"/api/v1/surveys/sipas/results?period={month:%Y-%m}&unit=P.STP").get_json()
    assert before["frozen"] is True and before["late_responses"] == 0
    with app.app_context():
        # A paper form about that month entered now, and an answer of this month.
        submit(seeded["survey"], "P.STP", 1, answered_in(month, hour=15))
        submit(seeded["survey"], "P.STP", 1, dt.datetime.now(LOCAL) - dt.timedelta(minutes=1))
        _db.session.commit()
    after = client.get(f"/api/v1/surveys/sipas/results?period={month:%Y-%m}&unit=P.STP").get_json()
    assert after["late_responses"] == 1
    assert {key: after[key] for key in ("overall", "criteria")} == {key: before[key] for key in ("overall", "criteria")}
    assert after["overall"]["answers"] == 600
    province = client.get(f"/api/v1/surveys/sipas/results?period={month:%Y-%m}").get_json()
    assert province["late_responses"] == 1 and province["overall"]["answers"] == 615
    commune = client.get(f"/api/v1/surveys/sipas/results?period={month:%Y-%m}&unit=P.XA").get_json()
    assert commune["late_responses"] == 0
    # The running figures of a month that is not frozen do move, when tick counts them again.
    _ticks_now = dict(run_tick_now(app))
    assert "running month(s) counted" in _ticks_now["reports"]
    with app.app_context():
        survey = results.find_survey(seeded["survey"])
        this_month = dt.datetime.now(LOCAL).date().replace(day=1)
        live = results.results(survey, this_month, unit=get_unit("P.STP"))
        assert not live.is_frozen and live.overall.answers == 15 and live.overall.satisfied == 0
        assert live.counted_at is not None


def test_freeze_command(app, runner, seeded):
    month = seeded["month"]
    result = runner.invoke(args=["reports", "freeze", "--month", f"{month:%Y-%m}"])
    assert result.exit_code == 0 and "frozen, 41 responses" in result.output, result.output
    again = runner.invoke(args=["reports", "freeze", "--month", f"{month:%Y-%m}"])
    assert again.exit_code == 0 and "already frozen" in again.output
    this_month = dt.date.today().replace(day=1)
    refused = runner.invoke(args=["reports", "freeze", "--month", f"{this_month:%Y-%m}"])
    assert refused.exit_code != 0 and "month" in refused.output
    assert runner.invoke(args=["reports", "freeze", "--month", "2026-13"]).exit_code != 0
    assert len(_frozen(app)) == 1
