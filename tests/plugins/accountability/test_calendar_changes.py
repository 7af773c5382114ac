"""Announced calendar changes recorded on /admin/calendar recount the deadlines of open items,
never those of answered or closed ones, and removing the change moves them back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from feedback import hookimpl
from feedback.items.models import ItemEvent
from feedback.workdays import CalendarChange

from .conftest import ANSWER, act, count, file_item, item, local, login, parse, token

STORM = "Nghỉ phòng chống bão số 13 theo Công điện của UBND tỉnh"


@pytest.fixture
def items(client, db, people, clock):
    """Items received Friday 30/10/2026 at 10:00 (due 13/11): one open, one answered, one closed,
    and one received Wednesday 4/11 (due 18/11); today is Thursday 5/11."""
    clock.set(local(2026, 11, 2, 9))
    staff = token(client)
    codes = {name: file_item(client, staff, received_at=local(2026, 10, 30, 10))["code"]
             for name in ("open", "answered", "closed")}
    clock.set(local(2026, 11, 4, 9))
    codes["later"] = file_item(client)["code"]
    assert item(codes["later"]).due_at == local(2026, 11, 18, 17)
    clock.set(local(2026, 11, 5, 9))
    head = token(client, "head@example.vn")
    act(client, head, codes["answered"], "respond", body=ANSWER)
    act(client, head, codes["closed"], "respond", body=ANSWER)
    act(client, head, codes["closed"], "close")
    login(client, "admin@example.vn")
    return codes


def change(client, day: str, working: str = "off", name: str = STORM, expect: int = 302):
    response = client.post("/admin/calendar", data={"day": day, "working": working, "name": name})
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    return response


def recalculated(code: str) -> list[ItemEvent]:
    return [event for event in item(code).events if event.action == "deadline_recalculated"]


def test_a_new_day_off_moves_open_deadlines_only(client, db, items):
    change(client, "2026-11-10")
    stored = db.session.scalar(select(CalendarChange))
    assert (stored.day, stored.working, stored.name, stored.created_by.email) == (
        dt.date(2026, 11, 10), False, STORM, "admin@example.vn")

    assert item(items["open"]).due_at == local(2026, 11, 16, 17)
    assert item(items["later"]).due_at == local(2026, 11, 19, 17)
    assert ["2026-11-10", STORM] in item(items["open"]).deadline_basis["days_off"]
    events = recalculated(items["open"])
    assert len(events) == 1
    assert events[0].actor.email == "admin@example.vn"
    assert events[0].from_status == events[0].to_status == "assigned"
    assert parse(events[0].data["due_before"]) == local(2026, 11, 13, 17)
    assert parse(events[0].data["due_after"]) == local(2026, 11, 16, 17)

    for name in ("answered", "closed"):
        assert item(items[name]).due_at == local(2026, 11, 13, 17), name
        assert recalculated(items[name]) == []
    public = client.get(f"/api/v1/items/{items['open']}").get_json()
    assert parse(public["due_at"]) == local(2026, 11, 16, 17)


def test_a_day_off_outside_an_items_window_leaves_it_alone(client, db, items):
    change(client, "2026-11-17")  # after 13/11, before 18/11
    assert item(items["open"]).due_at == local(2026, 11, 13, 17)
    assert recalculated(items["open"]) == []
    assert item(items["later"]).due_at == local(2026, 11, 19, 17)
    assert len(recalculated(items["later"])) == 1


def test_a_change_for_a_past_day_still_touches_only_open_items(client, db, items):
    change(client, "2026-11-03")  # Tuesday, already past: inside the 30/10 items' window, before 4/11
    assert item(items["open"]).due_at == local(2026, 11, 16, 17)
    assert item(items["later"]).due_at == local(2026, 11, 18, 17)
    assert recalculated(items["later"]) == []
    for name in ("answered", "closed"):
        assert item(items[name]).due_at == local(2026, 11, 13, 17)
        assert recalculated(items[name]) == []


def test_a_make_up_working_saturday_brings_deadlines_forward(client, db, items):
    change(client, "2026-11-07", working="working", name="Làm bù theo Thông báo số 45/TB-UBND")
    assert item(items["open"]).due_at == local(2026, 11, 12, 17)
    assert item(items["later"]).due_at == local(2026, 11, 17, 17)
    assert item(items["answered"]).due_at == local(2026, 11, 13, 17)


def test_deleting_the_change_moves_the_deadline_back(client, db, items):
    change(client, "2026-11-10")
    change_id = db.session.scalar(select(CalendarChange.id))
    response = client.post(f"/admin/calendar/{change_id}/delete")
    assert response.status_code == 302
    assert count(CalendarChange) == 0
    assert item(items["open"]).due_at == local(2026, 11, 13, 17)
    assert item(items["later"]).due_at == local(2026, 11, 18, 17)
    events = recalculated(items["open"])
    assert len(events) == 2
    assert parse(events[1].data["due_before"]) == local(2026, 11, 16, 17)
    assert parse(events[1].data["due_after"]) == local(2026, 11, 13, 17)
    assert item(items["answered"]).due_at == local(2026, 11, 13, 17)
    assert client.post(f"/admin/calendar/{change_id}/delete").status_code == 404


def test_the_calendar_page_lists_holidays_and_refuses_pointless_changes(client, db, items):
    page = client.get("/admin/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "01/09/2026: Quốc khánh" in html
    assert "24/11/2026: Ngày Văn hóa Việt Nam" in html
    assert "10/02/2027: Mùng năm Tết Nguyên Đán" in html
    change(client, "2026-11-10")
    change(client, "2026-11-10", expect=422)                   # this day has a change already
    change(client, "2026-11-08", expect=422)                   # a Sunday is already a day off
    change(client, "2026-11-09", working="working", expect=422)  # a Monday is already a working day
    change(client, "2026-11-11", name="", expect=422)            # a change needs its name
    assert count(CalendarChange) == 1
    assert STORM in client.get("/admin/calendar").get_data(as_text=True)


def test_only_administrators_change_the_calendar(client, db, people):
    login(client, "head@example.vn")
    assert client.post("/admin/calendar", data={"day": "2026-11-10", "working": "off", "name": STORM}).status_code == 403
    assert count(CalendarChange) == 0


def test_hook_feedback_calendar_changed(client, db, items, register_plugin):
    calls = []

    class Recorder:
        @hookimpl
        def feedback_calendar_changed(self, day, working, actor):
            calls.append((day, working, actor.email, count(CalendarChange)))

    register_plugin(Recorder(), name="calendar-recorder")
    change(client, "2026-11-10")
    change(client, "2026-11-14", working="working", name="Làm bù")
    change_id = db.session.scalar(select(CalendarChange.id).where(CalendarChange.day == dt.date(2026, 11, 10)))
    client.post(f"/admin/calendar/{change_id}/delete")
    # Called after the change is flushed (and after the removal), once each.
    assert calls == [(dt.date(2026, 11, 10), False, "admin@example.vn", 1),
                     (dt.date(2026, 11, 14), True, "admin@example.vn", 2),
                     (dt.date(2026, 11, 10), None, "admin@example.vn", 1)]
    change(client, "2026-11-09", working="working", expect=422)
    assert len(calls) == 3


def test_a_failing_calendar_plugin_does_not_stop_the_change(client, db, items, register_plugin, caplog):
    class Broken:
        @hookimpl
        def feedback_calendar_changed(self, day):
            raise RuntimeError("hỏng")

    register_plugin(Broken(), name="broken-calendar")
    change(client, "2026-11-10")
    assert count(CalendarChange) == 1
    assert item(items["open"]).due_at == local(2026, 11, 16, 17)
    assert "broken-calendar" in caplog.text


def test_a_day_off_on_the_day_of_receipt_moves_the_start_of_the_count(client, db, people, clock):
    clock.set(local(2026, 11, 2, 10))  # Monday 2/11: counted from today, due 16/11
    code = file_item(client)["code"]
    assert item(code).due_at == local(2026, 11, 16, 17)
    login(client, "admin@example.vn")
    change(client, "2026-11-02")
    # Received on what is now a day off: counted from Tuesday 3/11, as a new filing would be.
    assert item(code).deadline_basis["counted_from"] == "2026-11-03"
    assert item(code).due_at == local(2026, 11, 17, 17)


def test_a_recount_keeps_the_days_off_before_the_count_started(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), received_at=local(2026, 10, 31, 14))["code"]  # a Saturday
    assert item(code).deadline_basis["days_off"][:2] == [["2026-10-31", "Thứ Bảy"], ["2026-11-01", "Chủ nhật"]]
    login(client, "admin@example.vn")
    change(client, "2026-11-10")
    assert item(code).due_at == local(2026, 11, 17, 17)
    assert item(code).deadline_basis["days_off"][:2] == [["2026-10-31", "Thứ Bảy"], ["2026-11-01", "Chủ nhật"]]
