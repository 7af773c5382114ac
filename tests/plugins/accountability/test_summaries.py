"""The monthly summaries of the on-time figures give exactly what counting every record gives:
for whole months, parts of months and years, by unit and by month, through the dashboard too; and
tick computes a closed month again when an item received in it reaches its unit later or is
recorded later."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.pluginmanager import run_tick
from feedback.plugins.accountability import stats, summaries
from feedback.plugins.accountability.models import FigureMonth, MonthlyFigures
from feedback.units.models import Unit

from .conftest import ANSWER, act, file_item, local, token

REASON = "Nội dung thuộc thẩm quyền của Ủy ban nhân dân xã"
PERIODS = [
    (dt.date(2026, 9, 1), dt.date(2026, 9, 30)),    # one closed month
    (dt.date(2026, 9, 1), dt.date(2026, 11, 30)),   # closed months, ending with one
    (dt.date(2026, 9, 14), dt.date(2026, 11, 17)),  # parts of months at both ends
    (dt.date(2026, 1, 1), dt.date(2026, 12, 9)),    # the year so far (the dashboard's default)
    (dt.date(2026, 10, 1), dt.date(2026, 12, 9)),   # up to today, in a month not closed yet
    (dt.date(2026, 12, 1), dt.date(2026, 12, 9)),   # the current month alone
]


@pytest.fixture
def history(client, db, people, clock):
    """Three months of items at the department (P.STP) and the commune (P.XA): answered on time,
    answered late, passed on late, open and overdue across month ends, escalated by tick, an item
    routed by the reception desk after its month ended; tick runs at each month's start."""
    head, xa = token(client, "head@example.vn"), token(client, "xa@example.vn")
    clock.set(local(2026, 9, 7, 9))
    on_time = file_item(client, token(client))["code"]
    late = file_item(client, token(client))["code"]
    file_item(client, token(client), unit="P.XA")  # never answered: overdue at every month's end
    transferred = file_item(client, token(client))["code"]
    clock.set(local(2026, 9, 9, 9))
    act(client, head, on_time, "respond", body=ANSWER)
    clock.set(local(2026, 9, 25, 9))  # due 21/09
    act(client, head, late, "respond", body=ANSWER)
    clock.set(local(2026, 9, 30, 18))
    unrouted = file_item(client, unit="")["code"]  # waits at the reception desk over the month's end
    clock.set(local(2026, 10, 1, 8))
    run_tick(local(2026, 10, 1, 8))
    clock.set(local(2026, 10, 2, 9))
    act(client, token(client), unrouted, "assign", unit="P.XA")  # late for the desk, in October
    # Passed on to the commune after its deadline (21/09): late for the department.
    act(client, head, transferred, "transfer", unit="P.XA", grounds="not_competent", reason=REASON)
    clock.set(local(2026, 10, 20, 9))
    act(client, xa, transferred, "respond", body=ANSWER)
    for day in (5, 12, 19, 26):
        clock.set(local(2026, 10, day, 10))
        file_item(client, token(client))
    clock.set(local(2026, 11, 2, 8))
    run_tick(local(2026, 11, 2, 8))
    clock.set(local(2026, 11, 10, 9))
    act(client, xa, unrouted, "respond", body=ANSWER)
    # A letter received on paper in October, recorded in November.
    file_item(client, token(client), received_at=local(2026, 10, 28, 10))
    clock.set(local(2026, 11, 20, 8))
    run_tick(local(2026, 11, 20, 8))
    clock.set(local(2026, 12, 1, 8))
    run_tick(local(2026, 12, 1, 8))
    clock.set(local(2026, 12, 9, 10))
    return {"unrouted": unrouted, "transferred": transferred}


def test_the_summaries_give_what_counting_every_record_gives(app, client, history):
    with app.app_context():
        assert [month for month in _db.session.scalars(select(FigureMonth.month).order_by(FigureMonth.month))] == [
            dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
        rows = {(row.month, row.unit_id) for row in _db.session.scalars(select(MonthlyFigures))}
        assert len(rows) >= 4  # the summaries are read, not an empty table beside the records
        for date_from, date_to in PERIODS:
            counted = stats.unit_figures(date_from, date_to, summaries=False)
            assert stats.unit_figures(date_from, date_to) == counted, (date_from, date_to)
            assert stats.monthly_figures(date_from, date_to) == stats.monthly_figures(
                date_from, date_to, summaries=False), (date_from, date_to)
            for unit_id in counted:
                assert stats.unit_figures(date_from, date_to, {unit_id}) == {unit_id: counted[unit_id]}
    by_code = {row["unit"]: row for row in client.get(
        "/api/v1/stats/units?from=2026-09-01&to=2026-09-30").get_json()["units"]}
    # What the records say, by hand: the department received three and answered one on time and
    # one late in September; at its end the transferred item and the commune's were open and
    # overdue. The item routed in October counts as received in September (its receipt) by the
    # commune: September's summary was computed again.
    assert (by_code["P.STP"]["received"], by_code["P.STP"]["answered_on_time"], by_code["P.STP"]["answered_late"],
            by_code["P.STP"]["open_overdue"]) == (3, 1, 1, 1)
    assert (by_code["P.XA"]["received"], by_code["P.XA"]["open_overdue"]) == (2, 1)
    # October: the late transfer counts against the department, and it received four items and
    # the letter received on paper in October and recorded in November.
    by_code = {row["unit"]: row for row in client.get(
        "/api/v1/stats/units?from=2026-10-01&to=2026-10-31").get_json()["units"]}
    assert (by_code["P.STP"]["transferred_late"], by_code["P.STP"]["received"]) == (1, 5)
    # The dashboard and its download read the same figures.
    data = json.loads(client.get("/dashboard/stats.json?date_from=2026-09-01&date_to=2026-11-30").get_data(as_text=True))
    with app.app_context():
        counted = stats.unit_figures(dt.date(2026, 9, 1), dt.date(2026, 11, 30), summaries=False)
        codes = {unit.id: unit.code for unit in _db.session.scalars(select(Unit).where(Unit.id.in_(list(counted))))}
    shown = {row["unit"]: row for row in data["units"]}
    for unit_id, figures in counted.items():
        assert {name: shown[codes[unit_id]][name] for name in figures} == figures, codes[unit_id]


def test_tick_computes_a_closed_month_again_when_a_late_item_reaches_it(app, client, history):
    with app.app_context():
        months = {month.month: month for month in _db.session.scalars(select(FigureMonth))}
        # September was computed again on 2/11 (its waiting item was routed on 2/10), October on
        # 20/11 (a letter received in October was recorded on 10/11); no item waits any more.
        assert months[dt.date(2026, 9, 1)].computed_at == local(2026, 11, 2, 8)
        assert months[dt.date(2026, 10, 1)].computed_at == local(2026, 11, 20, 8)
        assert all(month.unrouted == 0 for month in months.values())
        # Nothing left to do: another tick computes no month.
        assert summaries.months_due(local(2026, 12, 9, 10))[0] == []


def test_the_rebuild_command_keeps_the_same_figures(app, client, runner, history):
    with app.app_context():
        before = {(row.month, row.unit_id): (row.received, row.answered_on_time, row.answered_late,
                                             row.transferred_late, row.open_overdue, row.escalated, row.working_days)
                  for row in _db.session.scalars(select(MonthlyFigures))}
    result = runner.invoke(args=["accountability", "rebuild-figures"])
    assert result.exit_code == 0, result.output
    assert "months of on-time figures kept" in result.output
    with app.app_context():
        _db.session.expire_all()
        after = {(row.month, row.unit_id): (row.received, row.answered_on_time, row.answered_late,
                                            row.transferred_late, row.open_overdue, row.escalated, row.working_days)
                 for row in _db.session.scalars(select(MonthlyFigures))}
    assert after == before and before
