"""`flask tick`: reminders before the deadline, escalation to the parent unit's head, letters of
apology for late items; each exactly once per deadline, however often tick runs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from feedback import hookimpl
from feedback.extensions import db as _db
from feedback.items.models import ItemEvent
from feedback.pluginmanager import run_tick
from feedback.plugins.accountability import services
from feedback.plugins.accountability.models import ApologyLetter, Notice
from feedback.workdays import CalendarChange

from .conftest import ANSWER, act, count, file_item, item, local, login, parse, token, user_id

SUMMARY = "accountability: {} reminders, {} escalations, {} apology letters"


@pytest.fixture
def late(client, db, people, clock):
    """A complaint to the department received Friday 30/10/2026 at 10:00, due Friday 13/11 at 17:00."""
    clock.set(local(2026, 11, 2, 9))
    created = file_item(client, token(client), received_at=local(2026, 10, 30, 10),
                        contact={"name": "Nguyễn Thị Hoa", "phone": "0912345678"})
    assert parse(created["due_at"]) == local(2026, 11, 13, 17)
    return created["code"]


def tick(runner, clock, when) -> str:
    clock.set(when)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output


def notices(code: str) -> list[tuple[str, str | None, str]]:
    found = item(code)
    rows = _db.session.scalars(select(Notice).where(Notice.item_id == found.id).order_by(Notice.id))
    return [(n.kind, n.recipient.email if n.recipient else None, n.unit.code) for n in rows]


# --- reminders ------------------------------------------------------------------------------


def test_reminders_two_working_days_before_and_on_the_day(runner, late, clock):
    # Tuesday 10/11: the horizon is Thursday 12/11 at 17:00, the deadline is later.
    assert SUMMARY.format(0, 0, 0) in tick(runner, clock, local(2026, 11, 10, 8))
    # Wednesday 11/11: due within two working days (by Friday 13/11 at 17:00).
    assert SUMMARY.format(1, 0, 0) in tick(runner, clock, local(2026, 11, 11, 8))
    assert notices(late) == [("due_soon_assignee", "head@example.vn", "P.STP")]
    # Thursday: nothing new. Friday, the day itself: the head of unit is told too.
    assert SUMMARY.format(0, 0, 0) in tick(runner, clock, local(2026, 11, 12, 8))
    assert SUMMARY.format(1, 0, 0) in tick(runner, clock, local(2026, 11, 13, 8))
    assert notices(late) == [("due_soon_assignee", "head@example.vn", "P.STP"),
                             ("due_today_head", "head@example.vn", "P.STP")]
    reminders = [e for e in item(late).events if e.action == "reminder"]
    assert [(e.public, e.actor_kind, e.data["kind"]) for e in reminders] == [
        (False, "system", "due_soon_assignee"), (False, "system", "due_today_head")]


def test_the_horizon_counts_working_days(runner, client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), received_at=local(2026, 10, 31, 14))["code"]  # due Monday 16/11
    assert item(code).due_at == local(2026, 11, 16, 17)
    # Wednesday 11/11: two working days reach Friday 13/11 only.
    assert SUMMARY.format(0, 0, 0) in tick(runner, clock, local(2026, 11, 11, 8))
    # Thursday 12/11: Friday and Monday are the next two working days, over the weekend.
    assert SUMMARY.format(1, 0, 0) in tick(runner, clock, local(2026, 11, 12, 8))
    assert notices(code) == [("due_soon_assignee", "head@example.vn", "P.STP")]


def test_no_reminder_for_an_answered_item_nor_after_the_deadline(runner, client, late, clock):
    clock.set(local(2026, 11, 10, 9))
    act(client, token(client, "head@example.vn"), late, "respond", body=ANSWER)
    assert SUMMARY.format(0, 0, 0) in tick(runner, clock, local(2026, 11, 11, 8))
    assert SUMMARY.format(0, 0, 0) in tick(runner, clock, local(2026, 11, 16, 8))
    assert notices(late) == []


def test_the_deputy_is_reminded_and_the_head_on_the_day(runner, client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    login(client, "head@example.vn")
    client.post("/staff/delegation", data={"delegate": str(user_id("pho@example.vn")), "starts_on": "2026-11-02",
                                           "ends_on": "2026-11-20", "reason": "Nghỉ phép"})
    code = file_item(client, token(client), received_at=local(2026, 10, 30, 10))["code"]
    assert item(code).assignee.email == "pho@example.vn"
    tick(runner, clock, local(2026, 11, 13, 8))
    assert notices(code) == [("due_soon_assignee", "pho@example.vn", "P.STP"),
                             ("due_today_head", "head@example.vn", "P.STP")]


# --- escalation and letters -------------------------------------------------------------------


def test_an_overdue_item_is_escalated_and_gets_a_letter(runner, late, clock):
    output = tick(runner, clock, local(2026, 11, 16, 8))
    assert SUMMARY.format(0, 1, 1) in output
    assert notices(late) == [("escalated", "tinh@example.vn", "P")]
    found = item(late)
    escalations = [e for e in found.events if e.action == "escalate"]
    assert [(e.data, e.actor_kind, e.public) for e in escalations] == [
        ({"to_unit": "P", "to_unit_name": "Ủy ban nhân dân tỉnh Thử nghiệm", "level": 1}, "system", True)]
    letter = _db.session.scalar(select(ApologyLetter))
    assert letter.item_id == found.id
    assert letter.unit.code == "P.STP"
    assert (letter.year, letter.number, letter.reference) == (2026, 1, "01/PXL-P.STP")
    assert letter.due_at == local(2026, 11, 13, 17)
    assert letter.answered_late is False
    # Five working days after Monday 16/11: 17-20/11 and 23/11.
    assert letter.new_appointment == dt.date(2026, 11, 23)
    assert (letter.signer_name, letter.signer_title) == ("Nguyễn Văn Trưởng", "Giám đốc")
    assert letter.pdf.startswith(b"%PDF")
    issued = [e for e in found.events if e.action == "apology_issued"]
    assert len(issued) == 1
    assert issued[0].data == {"letter": letter.id, "reference": "01/PXL-P.STP", "new_appointment": "2026-11-23"}


def test_an_item_answered_late_gets_a_letter(runner, client, late, clock):
    clock.set(local(2026, 11, 16, 9))
    out = act(client, token(client, "head@example.vn"), late, "respond", body=ANSWER)
    assert out["item"]["status"] == "responded"
    assert SUMMARY.format(0, 0, 1) in tick(runner, clock, local(2026, 11, 16, 10))
    letter = _db.session.scalar(select(ApologyLetter))
    assert letter.answered_late is True
    assert letter.new_appointment == dt.date(2026, 11, 16)  # the day it was answered
    assert notices(late) == []  # an answered item is not escalated


def test_an_item_answered_on_time_gets_no_letter(runner, client, late, clock):
    clock.set(local(2026, 11, 13, 16, 59))
    act(client, token(client, "head@example.vn"), late, "respond", body=ANSWER)
    assert SUMMARY.format(0, 0, 0) in tick(runner, clock, local(2027, 3, 1, 8))
    assert count(ApologyLetter) == 0


def test_tick_twice_does_nothing_the_second_time(runner, client, late, clock):
    clock.set(local(2026, 11, 16, 9))
    staff = token(client)
    answered_late = file_item(client, staff, received_at=local(2026, 10, 30, 10))["code"]
    # Received Thursday 12/11: 13/11 (1), 16-20/11 (6), 23/11 (7), 25-27/11 (10) since 24/11 is a holiday.
    due_soon = file_item(client, staff, received_at=local(2026, 11, 12, 10))["code"]
    assert item(due_soon).due_at == local(2026, 11, 27, 17)
    act(client, token(client, "head@example.vn"), answered_late, "respond", body=ANSWER)

    first = tick(runner, clock, local(2026, 11, 25, 8))
    assert SUMMARY.format(1, 1, 2) in first
    counts = (count(Notice), count(ApologyLetter), count(ItemEvent, ItemEvent.action == "escalate"),
              count(ItemEvent, ItemEvent.action == "apology_issued"), count(ItemEvent, ItemEvent.action == "reminder"))
    assert counts == (2, 2, 1, 2, 1)
    assert notices(due_soon) == [("due_soon_assignee", "head@example.vn", "P.STP")]

    second = tick(runner, clock, local(2026, 11, 25, 8, 30))
    assert SUMMARY.format(0, 0, 0) in second
    assert (count(Notice), count(ApologyLetter), count(ItemEvent, ItemEvent.action == "escalate"),
            count(ItemEvent, ItemEvent.action == "apology_issued"),
            count(ItemEvent, ItemEvent.action == "reminder")) == counts
    # Letters are numbered per unit and year.
    assert sorted(_db.session.scalars(select(ApologyLetter.number))) == [1, 2]


def test_an_extension_then_a_second_lateness_gives_a_second_letter(runner, client, late, clock):
    assert SUMMARY.format(0, 1, 1) in tick(runner, clock, local(2026, 11, 16, 8))
    clock.set(local(2026, 11, 16, 9))
    out = act(client, token(client, "head@example.vn"), late, "extend", days=2,
              reason="Chờ kết quả xác minh của Ủy ban nhân dân xã")
    assert parse(out["item"]["due_at"]) == local(2026, 11, 17, 17)
    # Before the new deadline: reminders about it, no letter.
    assert SUMMARY.format(1, 0, 0) in tick(runner, clock, local(2026, 11, 16, 10))
    assert SUMMARY.format(1, 0, 0) in tick(runner, clock, local(2026, 11, 17, 8))
    assert count(ApologyLetter) == 1
    # Late again: a second escalation and a second letter, about the new deadline.
    assert SUMMARY.format(0, 1, 1) in tick(runner, clock, local(2026, 11, 18, 8))
    assert SUMMARY.format(0, 0, 0) in tick(runner, clock, local(2026, 11, 19, 8))
    letters = _db.session.scalars(select(ApologyLetter).order_by(ApologyLetter.id)).all()
    assert [(letter.number, letter.due_at) for letter in letters] == [
        (1, local(2026, 11, 13, 17)), (2, local(2026, 11, 17, 17))]
    # Five working days after Wednesday 18/11: 19, 20, 23, 25 and 26/11 (24/11 is a holiday).
    assert letters[1].new_appointment == dt.date(2026, 11, 26)
    assert [kind for kind, _to, _unit in notices(late)].count("escalated") == 2


def test_an_item_without_a_parent_unit_is_not_escalated(runner, client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), received_at=local(2026, 10, 30, 10), unit="P")
    assert SUMMARY.format(0, 0, 1) in tick(runner, clock, local(2026, 11, 16, 8))
    assert notices(code["code"]) == []


def test_services_tick_with_a_far_future_now(db, late):
    summary = services.tick(local(2027, 6, 1, 8))
    assert summary == "0 reminders, 1 escalations, 1 apology letters"
    letter = _db.session.scalar(select(ApologyLetter))
    assert letter.year == 2027
    assert letter.reference == "01/PXL-P.STP"
    # Five working days after Tuesday 1/6/2027.
    assert letter.new_appointment == dt.date(2027, 6, 8)
    _db.session.commit()
    assert services.tick(local(2027, 6, 1, 9)) == "0 reminders, 0 escalations, 0 apology letters"


# --- hooks ------------------------------------------------------------------------------------


def test_hook_feedback_item_reminded(runner, late, clock, register_plugin):
    calls = []

    class Recorder:
        @hookimpl
        def feedback_item_reminded(self, item, recipient, kind):
            calls.append((item.code, recipient.email, kind, item.status))

    register_plugin(Recorder(), name="reminder-recorder")
    tick(runner, clock, local(2026, 11, 11, 8))
    tick(runner, clock, local(2026, 11, 11, 9))
    assert calls == [(late, "head@example.vn", "due_soon_assignee", "assigned")]
    tick(runner, clock, local(2026, 11, 13, 8))
    assert calls[1:] == [(late, "head@example.vn", "due_today_head", "assigned")]


def test_hook_feedback_item_escalated(runner, late, clock, register_plugin):
    calls = []

    class Recorder:
        @hookimpl
        def feedback_item_escalated(self, item, unit, head):
            calls.append((item.code, unit.code, head.email if head else None))

    register_plugin(Recorder(), name="escalation-recorder")
    tick(runner, clock, local(2026, 11, 16, 8))
    tick(runner, clock, local(2026, 11, 17, 8))
    assert calls == [(late, "P", "tinh@example.vn")]


def test_hook_feedback_apology_issued(runner, late, clock, register_plugin):
    calls = []

    class Recorder:
        @hookimpl
        def feedback_apology_issued(self, item, letter):
            calls.append((item.code, letter.id, letter.reference, letter.answered_late, letter.pdf[:5]))

    register_plugin(Recorder(), name="apology-recorder")
    tick(runner, clock, local(2026, 11, 16, 8))
    tick(runner, clock, local(2026, 11, 16, 9))
    letter_id = _db.session.scalar(select(ApologyLetter.id))
    assert calls == [(late, letter_id, "01/PXL-P.STP", False, b"%PDF-")]


def test_a_failing_event_plugin_does_not_stop_tick(runner, late, clock, register_plugin, caplog):
    class Broken:
        @hookimpl
        def feedback_apology_issued(self, item):
            raise RuntimeError("không gửi được thư")

    register_plugin(Broken(), name="broken-mailer")
    assert SUMMARY.format(0, 1, 1) in tick(runner, clock, local(2026, 11, 16, 8))
    assert count(ApologyLetter) == 1
    assert "broken-mailer" in caplog.text


def test_hook_feedback_tick(runner, db, late, clock, register_plugin, caplog):
    seen = []

    class Sweeper:
        @hookimpl
        def feedback_tick(self, now):
            seen.append(now)
            return "đã dọn 3 bản ghi"

    class Broken:
        @hookimpl
        def feedback_tick(self):
            _db.session.add(CalendarChange(day=dt.date(2026, 12, 1), working=False, name="Không được lưu"))
            _db.session.flush()
            raise RuntimeError("hỏng")

    register_plugin(Sweeper(), name="sweeper")
    register_plugin(Broken(), name="broken-tick")
    output = tick(runner, clock, local(2026, 11, 16, 8))
    assert "sweeper: đã dọn 3 bản ghi" in output
    assert "broken-tick: failed" in output
    assert SUMMARY.format(0, 1, 1) in output
    assert seen == [local(2026, 11, 16, 8)]
    assert seen[0].utcoffset() == dt.timedelta(0)
    # The failing plugin's work is rolled back; the others' is kept.
    assert count(CalendarChange) == 0
    assert count(ApologyLetter) == 1
    assert "broken-tick" in caplog.text

    # run_tick() with an explicit now.
    results = dict(run_tick(local(2026, 11, 17, 8)))
    assert results["sweeper"] == "đã dọn 3 bản ghi"
    assert results["accountability"] == "0 reminders, 0 escalations, 0 apology letters"
    assert results["broken-tick"] == "failed"
    assert seen[1] == local(2026, 11, 17, 8)
