"""Deadlines pinned to the day: N working days counted from the day of receipt (the next working
day when received on a day off or after 17:00), skipping weekends, Tết, 30/4-1/5 and National
Day, with make-up Saturdays counted; each explained on the item's pages."""

from __future__ import annotations

import datetime as dt

import pytest

from feedback.items.models import Item
from feedback.plugins.accountability.services import compute_deadline

from .conftest import file_item, item, local, login, parse, token

WEEKEND = {5: "Thứ Bảy", 6: "Chủ nhật"}


def weekend(*dates: str) -> list[list[str]]:
    return [[day, WEEKEND[dt.date.fromisoformat(day).weekday()]] for day in dates]


def staff_filing(client, clock, now, received, **fields) -> dict:
    """A reception officer records, at ``now``, an item that arrived at ``received``."""
    clock.set(now)
    return file_item(client, token(client), received_at=received, **fields)


# --- pinned cases, filed through the staff API -------------------------------------------------


def test_received_friday_morning_is_due_friday_two_weeks_later(client, db, people, clock):
    created = staff_filing(client, clock, local(2026, 11, 2, 9), local(2026, 10, 30, 10, 0))
    assert created["status"] == "assigned"
    assert parse(created["due_at"]) == local(2026, 11, 13, 17, 0)
    assert created["deadline_days"] == 10
    found = item(created["code"])
    assert found.due_at == local(2026, 11, 13, 17, 0)
    assert found.deadline_basis == {
        "days": 10, "legal_basis": "Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của đơn vị", "cause": "filed",
        "received_on": "2026-10-30", "counted_from": "2026-10-30", "moved": None, "closes_at": "17:00",
        "start_at": "2026-10-30T03:00:00+00:00",
        "days_off": weekend("2026-10-31", "2026-11-01", "2026-11-07", "2026-11-08"),
    }
    public = client.get(f"/api/v1/items/{created['code']}").get_json()
    assert parse(public["due_at"]) == local(2026, 11, 13, 17, 0)
    assert public["deadline_days"] == 10
    assert public["overdue"] is False


def test_a_petition_has_fifteen_working_days(client, db, people, clock):
    created = staff_filing(client, clock, local(2026, 11, 2, 9), local(2026, 10, 30, 10, 0), kind="petition")
    assert created["deadline_days"] == 15
    assert parse(created["due_at"]) == local(2026, 11, 20, 17, 0)


def test_received_on_saturday_counts_from_monday(client, db, people, clock):
    created = staff_filing(client, clock, local(2026, 11, 2, 9), local(2026, 10, 31, 14, 0))
    assert parse(created["due_at"]) == local(2026, 11, 16, 17, 0)
    basis = item(created["code"]).deadline_basis
    assert basis["received_on"] == "2026-10-31"
    assert basis["counted_from"] == "2026-11-02"
    assert basis["moved"] == "day_off"
    assert basis["days_off"] == weekend("2026-10-31", "2026-11-01", "2026-11-07", "2026-11-08",
                                        "2026-11-14", "2026-11-15")


@pytest.mark.parametrize(("hour", "minute", "due_day", "moved"), [
    (16, 59, 13, None),
    (17, 0, 16, "after_hours"),
    (17, 30, 16, "after_hours"),
])
def test_received_after_office_hours_counts_from_the_next_working_day(client, db, people, clock, hour, minute,
                                                                       due_day, moved):
    created = staff_filing(client, clock, local(2026, 11, 2, 9), local(2026, 10, 30, hour, minute))
    assert parse(created["due_at"]) == local(2026, 11, due_day, 17, 0)
    basis = item(created["code"]).deadline_basis
    assert basis["moved"] == moved
    assert basis["counted_from"] == ("2026-10-30" if moved is None else "2026-11-02")


def test_received_the_day_before_tet_2027(client, db, people, clock):
    # A citizen files on the web on Wednesday 3/2/2027 at 10:00: Tết is 4-10/2, so the ten working
    # days are 11, 12, 15-19, 22, 23 and 24 February.
    clock.set(local(2027, 2, 3, 10, 0))
    created = file_item(client, contact={"name": "Nguyễn Thị Hoa", "phone": "0912345678"}, consent=True)
    assert parse(created["received_at"]) == local(2027, 2, 3, 10, 0)
    assert parse(created["due_at"]) == local(2027, 2, 24, 17, 0)
    assert item(created["code"]).deadline_basis["days_off"] == [
        ["2027-02-04", "29 Tết"], ["2027-02-05", "Giao thừa Tết Nguyên Đán"], ["2027-02-06", "Tết Nguyên Đán"],
        ["2027-02-07", "Mùng hai Tết Nguyên Đán"], ["2027-02-08", "Mùng ba Tết Nguyên Đán"],
        ["2027-02-09", "Mùng bốn Tết Nguyên Đán"], ["2027-02-10", "Mùng năm Tết Nguyên Đán"],
        *weekend("2027-02-13", "2027-02-14", "2027-02-20", "2027-02-21"),
    ]


def test_received_during_tet_2027_counts_from_the_first_day_back(client, db, people, clock):
    created = staff_filing(client, clock, local(2027, 2, 11, 8), local(2027, 2, 6, 9, 0))
    basis = item(created["code"]).deadline_basis
    assert basis["moved"] == "day_off"
    assert basis["counted_from"] == "2027-02-11"
    # 12, 15-19, 22-25 February.
    assert parse(created["due_at"]) == local(2027, 2, 25, 17, 0)


def test_received_before_30_april_2027(client, db, people, clock):
    # After Wednesday 28/4: 29/4 (1), 30/4 to 3/5 off, 4-7/5 (5), 10-14/5 (10).
    created = staff_filing(client, clock, local(2027, 4, 28, 15), local(2027, 4, 28, 10, 0))
    assert parse(created["due_at"]) == local(2027, 5, 14, 17, 0)
    assert item(created["code"]).deadline_basis["days_off"] == [
        ["2027-04-30", "Ngày Chiến thắng"], ["2027-05-01", "Ngày Quốc tế Lao động"], ["2027-05-02", "Chủ nhật"],
        ["2027-05-03", "Ngày Quốc tế Lao động (nghỉ bù)"], *weekend("2027-05-08", "2027-05-09"),
    ]


def test_received_on_30_april_2027(client, db, people, clock):
    created = staff_filing(client, clock, local(2027, 5, 4, 8), local(2027, 4, 30, 9, 0))
    basis = item(created["code"]).deadline_basis
    assert basis["counted_from"] == "2027-05-04"
    assert basis["moved"] == "day_off"
    # 5-7/5 (3), 10-14/5 (8), 17-18/5 (10).
    assert parse(created["due_at"]) == local(2027, 5, 18, 17, 0)
    assert basis["days_off"][:4] == [["2027-04-30", "Ngày Chiến thắng"], ["2027-05-01", "Ngày Quốc tế Lao động"],
                                     ["2027-05-02", "Chủ nhật"], ["2027-05-03", "Ngày Quốc tế Lao động (nghỉ bù)"]]


def test_received_before_national_day_2026(client, db, people, clock):
    # After Thursday 27/8: 28/8 (1), 29/8-2/9 off, 3-4/9 (3), 7-11/9 (8), 14-15/9 (10).
    created = staff_filing(client, clock, local(2026, 8, 28, 9), local(2026, 8, 27, 10, 0))
    assert parse(created["due_at"]) == local(2026, 9, 15, 17, 0)
    assert item(created["code"]).deadline_basis["days_off"] == [
        *weekend("2026-08-29", "2026-08-30"), ["2026-08-31", "Ngày nghỉ (thay cho ngày 22/08/2026)"],
        ["2026-09-01", "Quốc khánh"], ["2026-09-02", "Quốc khánh"], *weekend("2026-09-05", "2026-09-06", "2026-09-12",
                                                                             "2026-09-13"),
    ]


@pytest.mark.parametrize(("received", "counted_from", "due"), [
    # Friday 21/8: Saturday 22/8 is a make-up working day (1), 24-28/8 (6), 3-4/9 (8), 7-8/9 (10).
    (local(2026, 8, 21, 10), "2026-08-21", local(2026, 9, 8, 17)),
    # Received on the make-up Saturday itself: counted from that day.
    (local(2026, 8, 22, 10), "2026-08-22", local(2026, 9, 9, 17)),
    # After hours on the make-up Saturday: Sunday is off, so counted from Monday 24/8.
    (local(2026, 8, 22, 18), "2026-08-24", local(2026, 9, 10, 17)),
])
def test_the_make_up_saturday_is_a_working_day(client, db, people, clock, received, counted_from, due):
    created = staff_filing(client, clock, local(2026, 8, 25, 9), received)
    assert parse(created["due_at"]) == due
    basis = item(created["code"]).deadline_basis
    assert basis["counted_from"] == counted_from
    assert "2026-08-22" not in [day for day, _name in basis["days_off"]]


# --- the service, directly --------------------------------------------------------------------


def test_compute_deadline_for_an_item_not_yet_stored(app, db, staff):
    draft = Item(kind="complaint", topic="procedure", procedure_id=None)
    deadline = compute_deadline(draft, local(2027, 2, 3, 10, 0), "filed", None)
    assert deadline.due_at == local(2027, 2, 24, 17, 0)
    assert deadline.due_at.tzinfo is not None
    assert deadline.days == 10
    assert deadline.explanation["cause"] == "filed"
    deadline = compute_deadline(draft, local(2026, 10, 30, 17, 30), "filed", None)
    assert deadline.due_at == local(2026, 11, 16, 17, 0)


def test_office_hours_come_from_the_settings(make_app, staff):
    app = make_app(OFFICE_CLOSES_AT="16:30")
    with app.app_context():
        draft = Item(kind="complaint", topic="procedure", procedure_id=None)
        deadline = compute_deadline(draft, local(2026, 10, 30, 16, 45), "filed", None)
        assert deadline.explanation["moved"] == "after_hours"
        assert deadline.due_at == local(2026, 11, 16, 16, 30)


# --- how the deadline is shown ----------------------------------------------------------------


def test_the_staff_page_explains_the_deadline_with_the_holidays_skipped(client, db, people, clock):
    created = staff_filing(client, clock, local(2026, 8, 28, 9), local(2026, 8, 27, 10, 0))
    login(client, "head@example.vn")
    page = client.get(f"/staff/items/{created['code']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "15/09/2026 17:00" in html
    assert "27/08/2026" in html
    for name in ("Ngày nghỉ (thay cho ngày 22/08/2026)", "Quốc khánh", "31/08/2026", "01/09/2026", "02/09/2026",
                 "Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của đơn vị"):
        assert name in html, name


def test_the_staff_page_lists_tet(client, db, people, clock):
    clock.set(local(2027, 2, 3, 10, 0))
    code = file_item(client)["code"]
    login(client, "head@example.vn")
    html = client.get(f"/staff/items/{code}").get_data(as_text=True)
    assert "24/02/2027 17:00" in html
    for _day, name in [("04/02/2027", "29 Tết"), ("05/02/2027", "Giao thừa Tết Nguyên Đán"),
                       ("10/02/2027", "Mùng năm Tết Nguyên Đán")]:
        assert f"{_day}: {name}" in html


def test_the_public_tracking_page_shows_the_deadline(client, db, people, clock):
    created = staff_filing(client, clock, local(2026, 11, 2, 9), local(2026, 10, 31, 14, 0))
    html = client.get(f"/track/{created['code']}").get_data(as_text=True)
    assert "16/11/2026 17:00" in html
    assert "02/11/2026" in html  # counting starts on Monday
