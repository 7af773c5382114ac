"""Marks of change of what processes render once and keep: a change writes a new mark in the same
transaction, and every process compares the mark it rendered at with the database's before serving
its copy, so that no process serves an old copy once the change is committed. A mark is random, not
a count: a change rolled back leaves no mark that a later change could write again.
"""

from __future__ import annotations

import secrets

from sqlalchemy import String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from feedback.extensions import db


class CacheVersion(db.Model):
    """One mark per kind of kept rendering (``units``: the unit pickers)."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    mark: Mapped[str] = mapped_column(String(32), default="")


def bump(session: Session, name: str) -> None:
    """Mark one change of ``name``, in ``session``'s transaction."""
    mark = secrets.token_hex(16)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # One statement, whether the row exists or not (two first changes at once do not collide).
    session.execute(insert(CacheVersion).values(name=name, mark=mark)
                    .on_conflict_do_update(index_elements=[CacheVersion.name], set_={"mark": mark}))


def mark(name: str):
    """A scalar subquery of the mark of ``name`` (NULL before its first change)."""
    return select(CacheVersion.mark).where(CacheVersion.name == name).scalar_subquery()


def watch(model, name: str) -> None:
    """Mark a change of ``name`` whenever a flush adds, changes or deletes a ``model`` row."""

    @event.listens_for(Session, "before_flush")
    def changed(session, _context, _instances):
        touched = [obj for obj in session.new | session.deleted if isinstance(obj, model)]
        touched += [obj for obj in session.dirty if isinstance(obj, model) and session.is_modified(obj)]
        if touched:
            bump(session, name)
