"""Attachments kept between two tries of a filing form: when a filing is refused for another field
(or the unit's procedures are asked for without JavaScript), the files sent stay on the server for
KEPT_MINUTES under a random token that only the form carries; the next try files them with the rest."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select

from feedback.extensions import db
from feedback.items.models import KeptAttachment
from feedback.timeutil import utcnow

KEPT_MINUTES = 120


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fresh(token: str):
    since = utcnow() - dt.timedelta(minutes=KEPT_MINUTES)
    return select(KeptAttachment).where(KeptAttachment.token_hash == _hash(token), KeptAttachment.created_at >= since)


def listed(token: str) -> list[KeptAttachment]:
    """The files kept under ``token`` (none once expired, or for a token never given)."""
    if not token:
        return []
    return list(db.session.scalars(_fresh(token).order_by(KeptAttachment.id)))


def keep(token: str, files: list) -> str:
    """Keep ``files`` (name, content) with those already under ``token``; returns the token (a new
    one when none was given). The caller commits."""
    token = token or secrets.token_urlsafe(24)
    for entry in files:
        # A file checked on arrival (feedback.items.attachments.CheckedFile) or a (name, content) pair.
        filename, data = (entry.filename, entry.data) if hasattr(entry, "data") else entry
        db.session.add(KeptAttachment(token_hash=_hash(token), filename=filename[:255], size=len(data), data=data))
    db.session.flush()
    return token


def drop(token: str, ids: list[int]) -> None:
    """Forget the kept files ``ids`` (the citizen removed them). The caller commits."""
    if token and ids:
        db.session.execute(delete(KeptAttachment).where(KeptAttachment.token_hash == _hash(token),
                                                        KeptAttachment.id.in_(ids)))


def files(token: str) -> list[tuple[str, bytes]]:
    """(name, content) of the files kept under ``token``, to file with the item."""
    return [(kept.filename, kept.data) for kept in listed(token)]


def forget(token: str) -> None:
    """The item was filed with them: the kept copies go. The caller commits."""
    if token:
        db.session.execute(delete(KeptAttachment).where(KeptAttachment.token_hash == _hash(token)))


def purge(now: dt.datetime) -> int:
    """Forget every file kept longer than KEPT_MINUTES (tick)."""
    result = db.session.execute(delete(KeptAttachment).where(
        KeptAttachment.created_at < now - dt.timedelta(minutes=KEPT_MINUTES)))
    return result.rowcount or 0
