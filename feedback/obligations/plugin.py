"""The obligations' hook implementations: the set-based pass of every tick, and recounts when the
calendar changes."""

from __future__ import annotations

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_tick(now):
    from feedback.obligations.services import give_notices, summary

    return summary(give_notices(now))


@hookimpl
def feedback_calendar_changed(day, working, actor):
    from feedback.obligations.services import recount_open
    from feedback.timeutil import utcnow

    recount_open(actor, utcnow())
