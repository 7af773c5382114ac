"""The obligation tables: one row per holding, its history of changes, and the notices given."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import UTCDateTime, utcnow
from feedback.workdays import Deadline

STATUSES = ("open", "met", "cancelled", "superseded")
NOTICE_KINDS = ("due_soon", "due_today", "overdue")


class Obligation(db.Model):
    """Something an owner (an item...) must have done by ``due_at``, held by one unit."""

    __tablename__ = "obligations"
    __table_args__ = (
        Index("ix_obligations_owner", "owner_type", "owner_id", "kind"),
        Index("ix_obligations_status_due", "status", "due_at"),
        # The holdings that ended in a period (met on time or late, passed on late), for the statistics.
        Index("ix_obligations_ended", "ended_at", "unit_id"),
        # At most one open row per owner and kind: a new holding ends the previous one.
        Index("uq_obligations_one_open", "owner_type", "owner_id", "kind", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # How it was counted, for people: rule and legal basis, start day, days off skipped.
    basis: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Written once, when the row ends (met, cancelled or superseded): never recomputed.
    late: Mapped[bool | None] = mapped_column(Boolean)
    # The holding this one follows (after a transfer); None for the first.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    assignee = relationship("User")
    previous = relationship("Obligation", remote_side=[id])
    changes: Mapped[list[ObligationChange]] = relationship(back_populates="obligation",
                                                           order_by="ObligationChange.id")

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.due_at, self.days, dict(self.basis or {}))

    def __repr__(self) -> str:
        return f"<Obligation {self.owner_type}:{self.owner_id} {self.kind} {self.status} due {self.due_at}>"


class ObligationChange(db.Model):
    """One change of an obligation's deadline or holder: an extension, a recount, a transfer."""

    __tablename__ = "obligation_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # extended, recounted, transferred
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Whether the deadline before the change had already passed: lateness that happened.
    past_due: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    obligation: Mapped[Obligation] = relationship(back_populates="changes")
    actor = relationship("User")


class ObligationNotice(db.Model):
    """A reminder or an escalation point already signalled, so that it is signalled once."""

    __tablename__ = "obligation_notices"
    __table_args__ = (UniqueConstraint("obligation_id", "kind", "due_at", name="uq_obligation_notice_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # due_soon, due_today, overdue
    # The deadline it was about: an extended deadline is a new one.
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    obligation: Mapped[Obligation] = relationship()
