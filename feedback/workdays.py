"""The working-day calendar: Monday to Friday, less Vietnam's public holidays (lunar ones
included) from the `holidays` package, with its substitute days off and make-up working
Saturdays, and the changes an administrator records when the government announces them; and
deadlines counted in it (office closing time, the day counting starts, the days skipped)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from functools import cached_property

import holidays
from flask import current_app
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import LOCAL_TZ, UTCDateTime, utcnow

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


def record_calendar_change(day: dt.date, working: bool, name: str, actor) -> CalendarChange:
    """An administrator records an announced change of the calendar (feedback_calendar_changed
    follows, so that a deadline policy recounts open items); Invalid for a day changed already
    or a change that changes nothing."""
    from flask_babel import gettext as _

    from feedback.errors import Invalid
    from feedback.pluginmanager import fire_event

    if db.session.scalar(select(CalendarChange.id).where(CalendarChange.day == day)) is not None:
        message = _("This day has a change already: delete it first.")
        raise Invalid(message, {"day": message})
    if Calendar().is_working_day(day) == working:
        message = _("This day is already so in the official calendar.")
        raise Invalid(message, {"working": message})
    change = CalendarChange(day=day, working=working, name=name.strip(), created_by=actor)
    db.session.add(change)
    db.session.flush()
    fire_event("feedback_calendar_changed", day=day, working=working, actor=actor)
    return change


def remove_calendar_change(change: CalendarChange, actor) -> None:
    """An administrator removes a recorded change; the calendar is official again that day."""
    from feedback.pluginmanager import fire_event

    day = change.day
    db.session.delete(change)
    db.session.flush()
    fire_event("feedback_calendar_changed", day=day, working=None, actor=actor)


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
        # The official calendar's counts, made once per year and process; then the announced changes.
        count = sum(_official_counts(year)[-1] for year in range(start.year, end.year))
        count += _official_counts(end.year)[_day_of_year(end)] - _official_counts(start.year)[_day_of_year(start)]
        for day, (working, _name) in self.changes.items():
            if start < day <= end and working != _OFFICIAL.is_working_day(day):
                count += 1 if working else -1
        return count


# Which days are working days does not depend on the language of the holidays' names: one
# official calendar for the process, whose years are filled in once (under a lock: threads).
_OFFICIAL = holidays.country_holidays("VN")
_COUNTS: dict[int, tuple[int, ...]] = {}
_COUNTS_LOCK = threading.Lock()


def _day_of_year(day: dt.date) -> int:
    return day.timetuple().tm_yday - 1


def _official_counts(year: int) -> tuple[int, ...]:
    """Official working days from 1 January of ``year`` up to each of its days, inclusive."""
    counts = _COUNTS.get(year)
    if counts is None:
        with _COUNTS_LOCK:
            day, total, running = dt.date(year, 1, 1), 0, []
            while day.year == year:
                total += _OFFICIAL.is_working_day(day)
                running.append(total)
                day += dt.timedelta(days=1)
            counts = _COUNTS[year] = tuple(running)
    return counts


# --- deadlines in working days ---------------------------------------------------------------
# Whatever must be done by a date (an item's answer, a dialogue's minutes) counts the same way:
# from the day it starts (the next working day when it starts on a day off or after hours),
# N working days, due at the end of office hours of the last one.


@dataclass(frozen=True)
class Deadline:
    """What a deadline policy answers: the due time, the working days, and how it was counted."""

    due_at: dt.datetime
    days: int
    # For people: the rule and its legal basis, the day counting started, the days off skipped.
    explanation: dict = field(default_factory=dict)


def office_closes_at() -> dt.time:
    hours, minutes = current_app.config["OFFICE_CLOSES_AT"].split(":")
    return dt.time(int(hours), int(minutes))


def local_deadline(day: dt.date) -> dt.datetime:
    """The end of office hours of ``day``, in UTC."""
    return dt.datetime.combine(day, office_closes_at(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)


def counting_start(start: dt.datetime, calendar: Calendar) -> tuple[dt.date, str | None, list]:
    """The first day counted for something that started at ``start``: that day, or the next working
    day when it started on a day off (``moved`` "day_off") or after hours ("after_hours"); with the
    days off passed over before it."""
    local = start.astimezone(LOCAL_TZ)
    day, moved = local.date(), None
    if calendar.is_working_day(day) and local.time() >= office_closes_at():
        moved, day = "after_hours", day + dt.timedelta(days=1)
    elif not calendar.is_working_day(day):
        moved = "day_off"
    counted_from, skipped = calendar.first_working_day_from(day)
    return counted_from, moved, skipped


def days_off(skipped: list[tuple[dt.date, str]]) -> list[list[str]]:
    """Days passed over, as the explanation stores them: [["2026-11-24", "Ngày Văn hóa Việt Nam"], ...]."""
    return [[day.isoformat(), name] for day, name in skipped]


def count_working_days(start: dt.datetime, days: int, calendar: Calendar) -> Deadline:
    """``days`` working days counted from ``start``, explained day by day."""
    counted_from, moved, before = counting_start(start, calendar)
    due_day, skipped = calendar.add_working_days(counted_from, days)
    explanation = {
        "days": days, "received_on": start.astimezone(LOCAL_TZ).date().isoformat(),
        "counted_from": counted_from.isoformat(), "start_at": start.astimezone(dt.timezone.utc).isoformat(),
        "moved": moved, "closes_at": current_app.config["OFFICE_CLOSES_AT"], "days_off": days_off(before + skipped),
    }
    return Deadline(local_deadline(due_day), days, explanation)


def extend_by_working_days(deadline: Deadline, days: int, calendar: Calendar) -> Deadline:
    """``deadline`` moved ``days`` working days later, its explanation kept and completed."""
    base_day = deadline.due_at.astimezone(LOCAL_TZ).date()
    due_day, skipped = calendar.add_working_days(base_day, days)
    explanation = dict(deadline.explanation)
    explanation.update(extended_by=days, extended_from=base_day.isoformat(),
                       days_off=explanation.get("days_off", []) + days_off(skipped))
    return Deadline(local_deadline(due_day), deadline.days + days, explanation)


def recount(deadline: Deadline, calendar: Calendar) -> Deadline | None:
    """The same count again from its start, after the calendar changed; None if it cannot be
    recounted (no start recorded)."""
    explanation = dict(deadline.explanation)
    if "start_at" not in explanation:
        return None
    # From the moment it started: the day counting starts may have changed too.
    counted_from, moved, before = counting_start(dt.datetime.fromisoformat(explanation["start_at"]), calendar)
    due_day, skipped = calendar.add_working_days(counted_from, deadline.days)
    explanation.update(counted_from=counted_from.isoformat(), moved=moved, days_off=days_off(before + skipped))
    return Deadline(local_deadline(due_day), deadline.days, explanation)
