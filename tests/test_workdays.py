"""The working-day calendar against the `holidays` package: Tết, 30/4 and 1/5, National Day with
its substitute day off and make-up Saturday, and the changes an administrator records (no database)."""

from __future__ import annotations

import datetime as dt

import random

import pytest

from feedback.workdays import MAX_SPAN_DAYS, Calendar

D = dt.date


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


@pytest.fixture(scope="module")
def vi():
    return Calendar()


# --- the official calendar ------------------------------------------------------------------


TET_2027 = [
    (D(2027, 2, 4), "29 Tết"),
    (D(2027, 2, 5), "Giao thừa Tết Nguyên Đán"),
    (D(2027, 2, 6), "Tết Nguyên Đán"),
    (D(2027, 2, 7), "Mùng hai Tết Nguyên Đán"),
    (D(2027, 2, 8), "Mùng ba Tết Nguyên Đán"),
    (D(2027, 2, 9), "Mùng bốn Tết Nguyên Đán"),
    (D(2027, 2, 10), "Mùng năm Tết Nguyên Đán"),
]


def test_tet_2027_is_four_to_ten_february_with_its_names(vi):
    for day, name in TET_2027:
        assert not vi.is_working_day(day), day
        assert vi.why_not_working(day) == name
    # The days either side are ordinary working days.
    assert vi.is_working_day(D(2027, 2, 3))
    assert vi.is_working_day(D(2027, 2, 11))
    assert vi.is_working_day(D(2027, 2, 12))


def test_tet_2027_in_english():
    calendar = Calendar(language="en")
    assert calendar.why_not_working(D(2027, 2, 5)) == "Lunar New Year's Eve"
    assert calendar.why_not_working(D(2027, 2, 10)) == "Fifth Day of Lunar New Year"
    assert calendar.why_not_working(D(2027, 2, 13)) == "Saturday"
    assert calendar.why_not_working(D(2027, 2, 14)) == "Sunday"


def test_weekends_are_named_in_vietnamese(vi):
    assert vi.why_not_working(D(2026, 10, 31)) == "Thứ Bảy"
    assert vi.why_not_working(D(2026, 11, 1)) == "Chủ nhật"
    assert not vi.is_working_day(D(2026, 10, 31))
    assert vi.is_working_day(D(2026, 10, 30))


def test_30_april_and_1_may_2027_with_the_observed_monday(vi):
    assert not vi.is_working_day(D(2027, 4, 30))
    assert vi.why_not_working(D(2027, 4, 30)) == "Ngày Chiến thắng"
    # 1 May 2027 is a Saturday: the holiday is observed on Monday 3 May.
    assert D(2027, 5, 1).weekday() == 5
    assert vi.why_not_working(D(2027, 5, 1)) == "Ngày Quốc tế Lao động"
    assert not vi.is_working_day(D(2027, 5, 3))
    assert vi.why_not_working(D(2027, 5, 3)) == "Ngày Quốc tế Lao động (nghỉ bù)"
    assert vi.is_working_day(D(2027, 4, 29))
    assert vi.is_working_day(D(2027, 5, 4))


def test_national_day_2026_with_substitute_day_and_make_up_saturday(vi):
    # 31 August 2026 (Monday) is a day off, made up by working on Saturday 22 August.
    assert not vi.is_working_day(D(2026, 8, 31))
    assert vi.why_not_working(D(2026, 8, 31)) == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert D(2026, 8, 22).weekday() == 5
    assert vi.is_working_day(D(2026, 8, 22))
    assert not vi.is_working_day(D(2026, 8, 23))  # the Sunday after stays a day off
    for day in (D(2026, 9, 1), D(2026, 9, 2)):
        assert not vi.is_working_day(day)
        assert vi.why_not_working(day) == "Quốc khánh"
    assert vi.is_working_day(D(2026, 9, 3))


def test_national_day_2027_is_two_and_three_september(vi):
    for day in (D(2027, 9, 2), D(2027, 9, 3)):
        assert not vi.is_working_day(day)
        assert vi.why_not_working(day) == "Quốc khánh"
    assert vi.is_working_day(D(2027, 9, 1))
    assert vi.is_working_day(D(2027, 9, 6))
    assert not vi.is_working_day(D(2027, 9, 4))  # an ordinary Saturday


def test_a_whole_year_counts_its_weekdays_off(vi):
    # 2027: 261 weekdays; off on weekdays: 1/1, 4-5/2, 8-10/2, 16/4, 30/4, 3/5, 2-3/9, 24/11 (12 days).
    weekdays = [day for day in days(D(2027, 1, 1), D(2027, 12, 31)) if day.weekday() < 5]
    assert len(weekdays) == 261
    assert vi.working_days_between(D(2026, 12, 31), D(2027, 12, 31)) == 261 - 12


# --- counting -------------------------------------------------------------------------------


def test_add_working_days_on_ordinary_weeks(vi):
    due, skipped = vi.add_working_days(D(2026, 10, 30), 10)
    assert due == D(2026, 11, 13)
    assert skipped == [(D(2026, 10, 31), "Thứ Bảy"), (D(2026, 11, 1), "Chủ nhật"),
                       (D(2026, 11, 7), "Thứ Bảy"), (D(2026, 11, 8), "Chủ nhật")]
    assert vi.add_working_days(D(2026, 10, 30), 0) == (D(2026, 10, 30), [])


def test_add_working_days_across_tet_2027(vi):
    # After Wednesday 3/2: Tết takes 4-10/2, then 11, 12, 15-19, 22, 23, 24 are the ten working days.
    due, skipped = vi.add_working_days(D(2027, 2, 3), 10)
    assert due == D(2027, 2, 24)
    assert skipped == TET_2027 + [(D(2027, 2, 13), "Thứ Bảy"), (D(2027, 2, 14), "Chủ nhật"),
                                  (D(2027, 2, 20), "Thứ Bảy"), (D(2027, 2, 21), "Chủ nhật")]


def test_add_working_days_across_30_april_and_1_may_2027(vi):
    # After Wednesday 28/4: 29/4 (1), 30/4-3/5 off, 4/5 (2), 5/5 (3).
    due, skipped = vi.add_working_days(D(2027, 4, 28), 3)
    assert due == D(2027, 5, 5)
    assert skipped == [(D(2027, 4, 30), "Ngày Chiến thắng"), (D(2027, 5, 1), "Ngày Quốc tế Lao động"),
                       (D(2027, 5, 2), "Chủ nhật"), (D(2027, 5, 3), "Ngày Quốc tế Lao động (nghỉ bù)")]


def test_add_working_days_across_national_day_2026(vi):
    # After Friday 28/8: 29-30/8 weekend, 31/8 substitute day, 1-2/9 National Day; 3/9 (1), 4/9 (2).
    due, skipped = vi.add_working_days(D(2026, 8, 28), 2)
    assert due == D(2026, 9, 4)
    assert [day for day, _name in skipped] == days(D(2026, 8, 29), D(2026, 9, 2))
    assert skipped[2] == (D(2026, 8, 31), "Ngày nghỉ (thay cho ngày 22/08/2026)")


def test_the_make_up_saturday_counts(vi):
    # After Thursday 20/8/2026: 21/8 (1), Saturday 22/8 (2), Sunday 23/8 off, 24/8 (3).
    due, skipped = vi.add_working_days(D(2026, 8, 20), 3)
    assert due == D(2026, 8, 24)
    assert skipped == [(D(2026, 8, 23), "Chủ nhật")]


def test_first_working_day_from(vi):
    assert vi.first_working_day_from(D(2027, 2, 3)) == (D(2027, 2, 3), [])
    start, skipped = vi.first_working_day_from(D(2027, 2, 6))
    assert start == D(2027, 2, 11)
    assert skipped == TET_2027[2:]
    assert vi.first_working_day_from(D(2026, 8, 22)) == (D(2026, 8, 22), [])


def test_working_days_between(vi):
    assert vi.working_days_between(D(2026, 10, 30), D(2026, 11, 13)) == 10
    assert vi.working_days_between(D(2027, 2, 3), D(2027, 2, 24)) == 10
    assert vi.working_days_between(D(2027, 2, 3), D(2027, 2, 10)) == 0  # all of Tết
    assert vi.working_days_between(D(2027, 4, 28), D(2027, 5, 5)) == 3
    assert vi.working_days_between(D(2026, 8, 20), D(2026, 8, 24)) == 3  # with the make-up Saturday
    assert vi.working_days_between(D(2026, 8, 28), D(2026, 9, 4)) == 2
    assert vi.working_days_between(D(2026, 11, 13), D(2026, 11, 13)) == 0
    assert vi.working_days_between(D(2026, 11, 13), D(2026, 10, 30)) == 0


def test_counts_are_bounded():
    calendar = Calendar(changes={D(2026, 1, 1) + dt.timedelta(days=n): (False, "Nghỉ") for n in range(MAX_SPAN_DAYS + 2)})
    with pytest.raises(ValueError):
        calendar.add_working_days(D(2025, 12, 31), 1)
    with pytest.raises(ValueError):
        calendar.first_working_day_from(D(2026, 1, 1))
    with pytest.raises(ValueError):
        Calendar().working_days_between(D(2020, 1, 1), D(2020, 1, 1) + dt.timedelta(days=MAX_SPAN_DAYS + 1))


# --- announced changes override the package, both ways ---------------------------------------


def test_an_announced_day_off_overrides_a_working_day():
    storm = D(2026, 11, 10)
    assert Calendar().is_working_day(storm)
    calendar = Calendar(changes={storm: (False, "Nghỉ phòng chống bão số 13")})
    assert not calendar.is_working_day(storm)
    assert calendar.why_not_working(storm) == "Nghỉ phòng chống bão số 13"
    due, skipped = calendar.add_working_days(D(2026, 10, 30), 10)
    assert due == D(2026, 11, 16)
    assert (storm, "Nghỉ phòng chống bão số 13") in skipped
    assert calendar.working_days_between(D(2026, 10, 30), D(2026, 11, 13)) == 9


def test_an_announced_working_day_overrides_a_holiday_and_a_weekend():
    calendar = Calendar(changes={
        D(2027, 2, 4): (True, "Làm việc bình thường theo Thông báo số 12/TB-UBND"),
        D(2027, 2, 20): (True, "Làm bù cho ngày 10/02/2027"),
    })
    assert calendar.is_working_day(D(2027, 2, 4))
    assert calendar.is_working_day(D(2027, 2, 20))
    assert not calendar.is_working_day(D(2027, 2, 5))  # the rest of Tết is untouched
    due, skipped = calendar.add_working_days(D(2027, 2, 3), 10)
    # 4/2 (1), 11, 12, 15-19 (8), Saturday 20/2 (9), 22/2 (10).
    assert due == D(2027, 2, 22)
    assert D(2027, 2, 4) not in [day for day, _ in skipped]
    assert D(2027, 2, 20) not in [day for day, _ in skipped]


def test_an_announced_change_can_cancel_the_packages_make_up_saturday():
    calendar = Calendar(changes={D(2026, 8, 22): (False, "Hủy làm bù"), D(2026, 8, 31): (True, "Đi làm")})
    assert not calendar.is_working_day(D(2026, 8, 22))
    assert calendar.why_not_working(D(2026, 8, 22)) == "Hủy làm bù"
    assert calendar.is_working_day(D(2026, 8, 31))
    assert calendar.add_working_days(D(2026, 8, 20), 3)[0] == D(2026, 8, 25)
    assert calendar.add_working_days(D(2026, 8, 28), 1)[0] == D(2026, 8, 31)


# --- the count by yearly totals agrees with walking day by day --------------------------------


def walked(calendar: Calendar, start: dt.date, end: dt.date) -> int:
    return sum(calendar.is_working_day(day) for day in days(start + dt.timedelta(days=1), end)) if end > start else 0


def test_working_days_between_agrees_with_walking_the_days():
    rng = random.Random(14)
    for _ in range(300):
        start = D(2020, 1, 1) + dt.timedelta(days=rng.randrange(11 * 365))
        end = start + dt.timedelta(days=rng.randrange(-10, 1200))
        changes = {start + dt.timedelta(days=rng.randrange(-30, 1300)): (rng.random() < 0.5, "Thay đổi")
                   for _ in range(rng.randrange(6))}
        calendar = Calendar(changes=changes)
        assert calendar.working_days_between(start, end) == walked(calendar, start, end), (start, end, changes)
