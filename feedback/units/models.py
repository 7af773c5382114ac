"""The unit tree: code, name, parent, head, the dates it exists, and its successor."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import UTCDateTime, local_today, utcnow

# The kinds of unit in the two-level local government (since 1 July 2025), and what the
# older seeds still call districts.
UNIT_KINDS = {
    "province": _l("Provincial People's Committee"),
    "department": _l("Department"),
    "sub_department": _l("Sub-department"),
    "division": _l("Division"),
    "service_centre": _l("Public administration service centre"),
    "commune": _l("Commune / ward"),
    "district": _l("District (before 1 July 2025)"),
    "other": _l("Other unit"),
}


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="valid_dates"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date, default=local_today)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Unit.code"
    )
    successor: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[successor_id])
    head = relationship("User", foreign_keys=[head_id], post_update=True)

    def exists_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def is_current(self) -> bool:
        return self.exists_on(local_today())

    @property
    def kind_label(self) -> str:
        return str(UNIT_KINDS.get(self.kind, self.kind))

    def ancestors(self) -> list[Unit]:
        """Parents from the nearest to the root (bounded: the tree has no cycles)."""
        chain, node, seen = [], self.parent, {self.id}
        while node is not None and node.id not in seen:
            chain.append(node)
            seen.add(node.id)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
