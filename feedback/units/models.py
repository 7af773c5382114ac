"""The unit tree: code, name, parent, head, the dates it exists, and its successor."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import UTCDateTime, local_today, utcnow
from feedback.versions import watch

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

# A People's Committee is a collective body: its head signs "TM. ỦY BAN NHÂN DÂN".
PEOPLES_COMMITTEES = ("province", "commune", "district")
# The words before a place's name in a unit's name, longest first.
PLACE_MARKERS = ("thành phố ", "thị trấn ", "đặc khu ", "phường ", "huyện ", "tỉnh ", "quận ", "thị xã ", "xã ")


def _place_in_name(name: str) -> str:
    lowered = name.lower()
    for marker in PLACE_MARKERS:
        at = lowered.find(marker)
        if at >= 0:
            return name[at + len(marker):].strip()
    return ""


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
    # What its documents say (Decree 30/2020/ND-CP): the abbreviation in their symbols ("UBND" of
    # "15/PXL-UBND") and the locality before their date ("Cô Tô, ngày …"). Empty: derived (below).
    abbreviation: Mapped[str] = mapped_column(String(32), default="", server_default="")
    locality: Mapped[str] = mapped_column(String(128), default="", server_default="")
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

    @property
    def collective_body(self) -> str | None:
        """The collective body the head signs for ("TM. ỦY BAN NHÂN DÂN"), if the unit is a People's Committee."""
        return "Ủy ban nhân dân" if self.kind in PEOPLES_COMMITTEES else None

    @property
    def document_abbreviation(self) -> str:
        """The unit's part of a document's symbol: set by an administrator, else "UBND" for a People's
        Committee, else the last part of its code ("STP" of "QN.STP")."""
        if self.abbreviation:
            return self.abbreviation
        if self.kind in PEOPLES_COMMITTEES:
            return "UBND"
        return self.code.rsplit(".", 1)[-1].upper()

    @property
    def document_place(self) -> str:
        """The locality written before a document's date: set by an administrator, else the place a
        People's Committee is named after ("Cô Tô" of "Ủy ban nhân dân xã Cô Tô"), else that of the
        nearest People's Committee above the unit."""
        if self.locality:
            return self.locality
        for unit in [self, *self.ancestors()]:
            if unit.locality:
                return unit.locality
            place = _place_in_name(unit.name)
            if place and unit.kind in PEOPLES_COMMITTEES:
                return place
        root = ([self, *self.ancestors()])[-1]
        return _place_in_name(root.name) or root.name

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


# The unit pickers are rendered once per change of the units (feedback.forms.unit_picker).
watch(Unit, "units")
