"""Obligations on their own, for an owner that is not an item (a commitment made at a dialogue,
registered by a test plugin): the deadline in working days, the reminders and the escalation point
signalled once per deadline and per owner type in one call, lateness written when it ends and kept
through a transfer, recounts when the calendar changes, and types that no enabled plugin owns."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from feedback import hookimpl
from feedback.obligations import services
from feedback.obligations.models import Obligation, ObligationChange, ObligationNotice
from feedback.workdays import Calendar, CalendarChange, count_working_days
from tests.helpers import count, local


class Dialogues:
    """What a dialogues plugin would do: own commitments, and record who it would tell."""

    def __init__(self):
        self.due: list[tuple[str, list[tuple[str, int]], dt.datetime]] = []
        self.recounted: list[tuple[str, list[tuple[int, dt.datetime, dt.datetime]]]] = []

    @hookimpl
    def feedback_obligation_types(self):
        return [services.ObligationType("commitment", "done", "Cam kết tại hội nghị đối thoại")]

    @hookimpl
    def feedback_obligations_due(self, owner_type, notices, now):
        if owner_type == "commitment":
            self.due.append((owner_type, [(notice.kind, notice.obligation.owner_id) for notice in notices], now))

    @hookimpl
    def feedback_obligations_recounted(self, owner_type, changes, actor):
        if owner_type == "commitment":
            self.recounted.append((owner_type, [(change.obligation.owner_id, change.due_before, change.due_after)
                                                for change in changes]))


@pytest.fixture
def dialogues(db, register_plugin):
    return register_plugin(Dialogues(), name="test-dialogues")


def commit_to(owner_id: int, start: dt.datetime, days: int = 10, unit_id=None) -> Obligation:
    deadline = count_working_days(start, days, Calendar.load())
    return services.open_obligation("commitment", owner_id, "done", deadline, start_at=start, unit_id=unit_id)


def test_a_commitment_is_due_in_working_days_explained(dialogues, db):
    # Made on Friday 30/10/2026 at 10:00: ten working days, over two weekends.
    obligation = commit_to(1, local(2026, 10, 30))
    db.session.commit()
    stored = db.session.get(Obligation, obligation.id)
    assert (stored.owner_type, stored.owner_id, stored.kind, stored.status) == ("commitment", 1, "done", "open")
    assert stored.due_at == local(2026, 11, 13, 17)
    assert stored.days == 10 and stored.start_at == local(2026, 10, 30)
    assert stored.basis["counted_from"] == "2026-10-30"
    assert stored.basis["days_off"] == [["2026-10-31", "Thứ Bảy"], ["2026-11-01", "Chủ nhật"],
                                        ["2026-11-07", "Thứ Bảy"], ["2026-11-08", "Chủ nhật"]]
    assert stored.ended_at is None and stored.late is None
    assert services.current("commitment", 1, "done").id == obligation.id
    # Made after office hours on a Friday: counted from Monday.
    late_start = commit_to(2, local(2026, 10, 30, 17, 30))
    assert late_start.basis["moved"] == "after_hours" and late_start.basis["counted_from"] == "2026-11-02"
    assert late_start.due_at == local(2026, 11, 16, 17)


def test_a_type_no_enabled_plugin_owns_is_refused(db, staff):
    deadline = count_working_days(local(2026, 10, 30), 10, Calendar.load())
    with pytest.raises(services.UnknownObligationType):
        services.open_obligation("commitment", 1, "done", deadline, start_at=local(2026, 10, 30))
    assert count(Obligation) == 0


def test_hook_feedback_obligation_types(db, register_plugin):
    assert ("item", "answer") in services.types()  # the items core owns the answer to an item
    assert ("commitment", "done") not in services.types()
    register_plugin(Dialogues(), name="test-dialogues")
    assert services.types()[("commitment", "done")].label == "Cam kết tại hội nghị đối thoại"


def test_hook_feedback_obligations_due(dialogues, db):
    due_13 = commit_to(1, local(2026, 10, 30))          # due Friday 13/11 17:00
    due_16 = commit_to(2, local(2026, 10, 31, 14))      # a Saturday: due Monday 16/11 17:00
    commit_to(3, local(2026, 11, 5))                    # due Thursday 19/11 17:00
    db.session.commit()

    # Tuesday 10/11: the horizon (two working days) is Thursday 12/11 17:00: nothing yet.
    assert services.give_notices(local(2026, 11, 10, 8)) == {}
    # Wednesday 11/11: the first is due within two working days.
    services.give_notices(local(2026, 11, 11, 8))
    assert dialogues.due == [("commitment", [("due_soon", 1)], local(2026, 11, 11, 8))]
    # Again the same morning: nothing twice.
    services.give_notices(local(2026, 11, 11, 9))
    assert len(dialogues.due) == 1
    # Friday 13/11: the first is due today; the second is due soon (Monday, over the weekend).
    services.give_notices(local(2026, 11, 13, 8))
    assert dialogues.due[1][1] == [("due_soon", 2), ("due_today", 1)]
    # Monday 16/11 in the morning: the first is overdue, the second due today; one call for both.
    services.give_notices(local(2026, 11, 16, 8))
    assert dialogues.due[2][1] == [("due_today", 2), ("overdue", 1)]
    assert count(ObligationNotice) == 5
    db.session.commit()

    # An extension is a new deadline: reminded and escalated again about it.
    services.extend(due_13, count_working_days(local(2026, 11, 16, 9), 2, Calendar.load()),
                    at=local(2026, 11, 16, 9), reason="Chờ ý kiến của Sở Tài chính")
    services.give_notices(local(2026, 11, 17, 8))  # due Wednesday 18/11: due soon
    assert ("due_soon", 1) in dialogues.due[-1][1]
    services.give_notices(local(2026, 11, 19, 8))
    assert ("overdue", 1) in dialogues.due[-1][1]
    assert count(ObligationNotice, ObligationNotice.obligation_id == due_13.id,
                 ObligationNotice.kind == "overdue") == 2
    # Met obligations are left alone.
    services.end(due_16, "met", local(2026, 11, 16, 16))
    calls = len(dialogues.due)
    services.give_notices(local(2026, 11, 20, 8))
    assert len(dialogues.due) == calls + 1 and ("overdue", 2) not in dialogues.due[-1][1]


def test_each_owner_type_hears_only_of_its_own(dialogues, db, register_plugin):
    heard = []

    class Surveys:
        @hookimpl
        def feedback_obligation_types(self):
            return [services.ObligationType("survey", "results", "Công khai kết quả khảo sát")]

        @hookimpl
        def feedback_obligations_due(self, owner_type, notices, now):
            heard.append((owner_type, [notice.obligation.owner_id for notice in notices]))

    register_plugin(Surveys(), name="test-surveys")
    commit_to(1, local(2026, 10, 30))
    commit_to(2, local(2026, 10, 30))
    deadline = count_working_days(local(2026, 10, 30), 5, Calendar.load())
    services.open_obligation("survey", 9, "results", deadline, start_at=local(2026, 10, 30))
    services.give_notices(local(2026, 11, 16, 8))
    # One call per owner type, with all of its notices.
    assert sorted(heard) == [("commitment", [1, 2]), ("survey", [9])]
    assert dialogues.due[0][1] == [("overdue", 1), ("overdue", 2)]


def test_a_type_switched_off_is_not_reminded(dialogues, db, app):
    commit_to(1, local(2026, 10, 30))
    db.session.commit()
    app.extensions["feedback.plugins"].unregister(name="test-dialogues")
    try:
        assert services.give_notices(local(2026, 11, 16, 8)) == {}
        assert count(ObligationNotice) == 0
    finally:
        app.extensions["feedback.plugins"].register(dialogues, name="test-dialogues")
    # Back on: it hears of it then.
    services.give_notices(local(2026, 11, 16, 8))
    assert dialogues.due[0][1] == [("overdue", 1)]


def test_lateness_is_written_when_it_ends_and_a_transfer_keeps_it(dialogues, db, staff):
    from feedback.units.services import get_unit

    dept, commune = get_unit("P.STP"), get_unit("P.XA")
    on_time = commit_to(1, local(2026, 10, 30), unit_id=dept.id)
    services.end(on_time, "met", local(2026, 11, 13, 16, 59))
    assert (on_time.status, on_time.late, on_time.ended_at) == ("met", False, local(2026, 11, 13, 16, 59))
    with pytest.raises(ValueError):
        services.end(on_time, "met", local(2026, 11, 20))  # ended once, never again

    late = commit_to(2, local(2026, 10, 30), unit_id=dept.id)
    # Passed to the commune on Monday 16/11, after its deadline: the count starts again there...
    moved = services.transfer(late, unit_id=commune.id, assignee_id=None, at=local(2026, 11, 16, 9),
                              deadline=count_working_days(local(2026, 11, 16, 9), 10, Calendar.load()),
                              reason="Thuộc thẩm quyền của xã")
    assert (late.status, late.late, late.ended_at) == ("superseded", True, local(2026, 11, 16, 9))
    assert (moved.status, moved.unit_id, moved.previous_id) == ("open", commune.id, late.id)
    assert moved.due_at == local(2026, 12, 1, 17)  # 17-20/11, 23/11, 25-27/11, 30/11, 1/12: 24/11 is off
    # ...and the commune answers in time by its own deadline: the lateness at the department stays.
    services.end(moved, "met", local(2026, 11, 25, 10))
    db.session.commit()
    rows = db.session.scalars(select(Obligation).where(Obligation.owner_id == 2).order_by(Obligation.id)).all()
    assert [(row.unit_id, row.status, row.late) for row in rows] == [(dept.id, "superseded", True),
                                                                     (commune.id, "met", False)]
    change = db.session.scalar(select(ObligationChange).where(ObligationChange.obligation_id == late.id))
    assert (change.action, change.past_due, change.reason) == ("transferred", True, "Thuộc thẩm quyền của xã")
    assert change.data == {"from_unit": dept.id, "to_unit": commune.id, "to_obligation": moved.id, "kept": False}

    # Kept deadline: the next holding has the same one.
    kept = commit_to(3, local(2026, 10, 30), unit_id=dept.id)
    successor = services.transfer(kept, unit_id=commune.id, assignee_id=None, deadline=None,
                                  at=local(2026, 11, 10, 9))
    assert (kept.late, successor.due_at, successor.days, successor.basis) == (
        False, kept.due_at, kept.days, kept.basis)
    cancelled = commit_to(4, local(2026, 10, 30))
    services.end(cancelled, "cancelled", local(2026, 11, 20))
    assert (cancelled.status, cancelled.late) == ("cancelled", True)


def test_extension_history_says_whether_the_deadline_had_passed(dialogues, db):
    obligation = commit_to(1, local(2026, 10, 30))
    change = services.extend(obligation, count_working_days(local(2026, 11, 16, 9), 3, Calendar.load()),
                             at=local(2026, 11, 16, 9), reason="Bổ sung hồ sơ")
    assert (change.action, change.past_due) == ("extended", True)
    assert (change.due_before, change.due_after) == (local(2026, 11, 13, 17), local(2026, 11, 19, 17))
    assert obligation.due_at == local(2026, 11, 19, 17) and obligation.days == 3
    assert obligation.status == "open" and obligation.late is None


def test_hook_feedback_obligations_recounted(dialogues, db, staff, client, auth):
    open_one = commit_to(1, local(2026, 10, 30))    # due 13/11
    ended = commit_to(2, local(2026, 10, 30))
    services.end(ended, "met", local(2026, 11, 16, 9))
    db.session.commit()
    auth.login()
    response = client.post("/admin/calendar", data={"day": "2026-11-10", "working": "off",
                                                   "name": "Nghỉ phòng chống bão"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Obligation, open_one.id).due_at == local(2026, 11, 16, 17)
    assert ["2026-11-10", "Nghỉ phòng chống bão"] in db.session.get(Obligation, open_one.id).basis["days_off"]
    # An ended obligation keeps its deadline and its lateness.
    assert (db.session.get(Obligation, ended.id).due_at, db.session.get(Obligation, ended.id).late) == (
        local(2026, 11, 13, 17), True)
    assert dialogues.recounted == [("commitment", [(1, local(2026, 11, 13, 17), local(2026, 11, 16, 17))])]
    assert count(ObligationChange, ObligationChange.action == "recounted") == 1
    assert count(CalendarChange) == 1
