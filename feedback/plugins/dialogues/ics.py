"""A session as an iCalendar file (RFC 5545, with the ``icalendar`` package): one VEVENT in
Asia/Ho_Chi_Minh with its VTIMEZONE, a UID that stays the same for the session, a SEQUENCE that
grows each time it moves, and METHOD:CANCEL with STATUS:CANCELLED once it is cancelled."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import current_app

from feedback.timeutil import LOCAL_TZ

PRODID = "-//feedback//dialogues//VI"


def uid(session) -> str:
    """Stable for the life of the session, whatever changes: calendars match updates by it."""
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return f"dialogue-{session.id}@{host}"


def page_url(session) -> str:
    path = current_app.url_map.bind("", script_name="/").build("dialogues.session", {"session_id": session.id})
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def calendar_file(session, now: dt.datetime | None = None) -> bytes:
    from icalendar import Calendar, Event, Timezone

    from feedback.timeutil import utcnow

    cancelled = session.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    starts, ends = session.starts_at.astimezone(LOCAL_TZ), session.ends_at.astimezone(LOCAL_TZ)
    calendar.add_component(Timezone.from_tzid(str(LOCAL_TZ), first_date=starts.date() - dt.timedelta(days=366),
                                              last_date=ends.date() + dt.timedelta(days=366)))
    event = Event()
    event.add("uid", uid(session))
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", f"Đối thoại với người dân, doanh nghiệp: {session.unit.name}")
    where = "; ".join(part for part in (session.place, session.online_link) if part)
    if where:
        event.add("location", where)
    lines = [f"Chủ trì: {session.chair_name}"]
    agenda = [entry.label for entry in session.accepted_agenda]
    if agenda:
        lines.append("Nội dung: " + "; ".join(agenda))
    if cancelled and session.cancel_reason:
        lines.append(f"Hủy: {session.cancel_reason}")
    lines.append(page_url(session))
    event.add("description", "\n".join(lines))
    event.add("url", page_url(session))
    calendar.add_component(event)
    return calendar.to_ical()
