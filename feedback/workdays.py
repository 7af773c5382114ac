"""The working-day calendar: Monday to Friday, less Vietnam's public holidays (lunar ones
included) from the `holidays` package, with its substitute days off and make-up working
Saturdays, and the changes an administrator records when the government announces them."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import holidays
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import UTCDateTime, utcnow

MAX_SPAN_DAYS = 5 * 366  # no count walks further than this: a bound, not a rule


class CalendarChange(db.Model):
    """An announced change: a day off on a weekday, or a working day on a weekend."""

    __tablename__ = "calendar_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")


class Calendar:
    """Answers "is this a working day, and if not why", for a span of years."""

    def __init__(self, changes: dict[dt.date, tuple[bool, str]] | None = None, language: str = "vi"):
        self.changes = changes or {}
        self.language = language

    @classmethod
    def load(cls, language: str = "vi") -> Calendar:
        rows = db.session.execute(select(CalendarChange.day, CalendarChange.working, CalendarChange.name))
        return cls({day: (working, name) for day, working, name in rows}, language)

    @cached_property
    def _holidays(self):
        return holidays.country_holidays("VN", language=self.language)

    def _official(self, day: dt.date):
        # The package fills a year in the first time a day of it is asked for.
        return self._holidays

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.changes:
            return self.changes[day][0]
        return self._official(day).is_working_day(day)

    def why_not_working(self, day: dt.date) -> str:
        """The name of the holiday or change, or the weekday, of a day off."""
        if day in self.changes:
            return self.changes[day][1]
        name = self._official(day).get(day)
        if name:
            return name
        if self.language == "vi":
            return "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật"
        return day.strftime("%A")

    def first_working_day_from(self, day: dt.date) -> tuple[dt.date, list[tuple[dt.date, str]]]:
        """``day`` if it is a working day, else the next one; with the days passed over."""
        skipped = []
        for _ in range(MAX_SPAN_DAYS):
            if self.is_working_day(day):
                return day, skipped
            skipped.append((day, self.why_not_working(day)))
            day += dt.timedelta(days=1)
        raise ValueError("no working day within five years")

    def add_working_days(self, day: dt.date, count: int) -> tuple[dt.date, list[tuple[dt.date, str]]]:
        """The ``count``-th working day after ``day``, with the days off passed over on the way."""
        skipped = []
        for _ in range(MAX_SPAN_DAYS):
            if count <= 0:
                return day, skipped
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
            else:
                skipped.append((day, self.why_not_working(day)))
        raise ValueError("span longer than five years")

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        if end <= start:
            return 0
        if (end - start).days > MAX_SPAN_DAYS:
            raise ValueError("span longer than five years")
        days, count = start, 0
        while days < end:
            days += dt.timedelta(days=1)
            count += self.is_working_day(days)
        return count
