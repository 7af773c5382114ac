"""Failed attempts counted in the database: per account at sign-in, per item when a filer proves
their access key or phone number.

The per-address limits (Flask-Limiter, Redis in production) see addresses; these see what is
attacked, whatever the addresses, in every process, and hold when Redis is down. What is counted is
stored as a hash only (e-mails and codes never sit in this table).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from flask import current_app
from flask_babel import gettext as _
from limits import parse
from sqlalchemy import Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from feedback.errors import ServiceError
from feedback.extensions import db
from feedback.timeutil import UTCDateTime, utcnow

# Settings that name a limit of failures per thing, and what is counted under each.
LIMITS = {"login": "RATELIMIT_LOGIN_ACCOUNT", "filer": "RATELIMIT_ITEM_ACCESS"}


class Throttle(db.Model):
    """How many attempts on one thing failed since its window opened."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class TooManyAttempts(ServiceError):
    """Too many failures on this account or item: wait ``retry_after`` seconds."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message, fields=None, retry_after: int = 60):
        super().__init__(message, fields)
        self.retry_after = retry_after


def _key(scope: str, what: str) -> str:
    return hashlib.sha256(f"{scope}\0{what}".encode()).hexdigest()


def _limit(scope: str):
    item = parse(current_app.config[LIMITS[scope]])
    return item.amount, dt.timedelta(seconds=item.get_expiry())


def check(scope: str, what: str) -> None:
    """Refuse (TooManyAttempts) while ``what`` has failed too often in its window."""
    amount, window = _limit(scope)
    row = db.session.execute(select(Throttle.window_start, Throttle.failures)
                             .where(Throttle.key == _key(scope, what))).first()
    if row is None:
        return
    ends = row.window_start + window
    now = utcnow()
    if row.failures >= amount and ends > now:
        minutes = math.ceil((ends - now).total_seconds() / 60)
        message = (_("Too many failed sign-ins for this account: try again in %(minutes)s minutes.", minutes=minutes)
                   if scope == "login" else
                   _("Too many wrong keys or phone numbers for this item: try again in %(minutes)s minutes.",
                     minutes=minutes))
        raise TooManyAttempts(message, retry_after=math.ceil((ends - now).total_seconds()))


def failed(scope: str, what: str) -> None:
    """Count one failure; a window that has ended starts again. One statement, so concurrent
    failures all count (an upsert on SQLite and PostgreSQL)."""
    _amount, window = _limit(scope)
    now = utcnow()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Throttle).values(key=_key(scope, what), window_start=now, failures=1)
    expired = Throttle.window_start <= now - window
    db.session.execute(statement.on_conflict_do_update(index_elements=[Throttle.key], set_={
        "failures": case((expired, 1), else_=Throttle.failures + 1),
        "window_start": case((expired, statement.excluded.window_start), else_=Throttle.window_start),
    }))


def cleared(scope: str, what: str) -> None:
    """Forget the failures on ``what`` (its owner got in)."""
    db.session.execute(delete(Throttle).where(Throttle.key == _key(scope, what)))


def sweep(now: dt.datetime) -> int:
    """Delete the counts whose windows have all ended; returns how many."""
    longest = max(_limit(scope)[1] for scope in LIMITS)
    return db.session.execute(delete(Throttle).where(Throttle.window_start < now - longest)).rowcount
