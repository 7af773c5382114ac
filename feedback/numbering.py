"""The register of outgoing documents (sổ văn bản đi): numbers that run per unit and per year from 01,
without gaps, and the symbol of each document ("15/PXL-UBND"), for every plugin that issues one.

A number is taken inside the transaction that issues the document: the unit's counter row is
updated (``UPDATE … RETURNING``, which locks the row on PostgreSQL; on SQLite every writer holds the
database from its BEGIN IMMEDIATE), so that two transactions never take the same number, and a
transaction that rolls back gives its numbers back with everything else it did: no gap is left.
The unique constraint on (unit, year, number) is the last guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import UTCDateTime, utcnow

# The abbreviations of the kinds of document we issue (Decree 30/2020/ND-CP, Appendix III, and
# what the offices use for forms that the appendix does not name).
KINDS = {
    "PXL": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "BB": "Biên bản",
    "BC": "Báo cáo",
}


class DocumentCounter(db.Model):
    """The last number a unit gave in a year."""

    __tablename__ = "document_counters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class OutgoingDocument(db.Model):
    """One line of the register: the number, its symbol, what the document is and what it is about."""

    __tablename__ = "document_register"
    __table_args__ = (UniqueConstraint("unit_id", "year", "number", name="uq_document_register_number"),
                      Index("ix_document_register_owner", "owner_type", "owner_id", "kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    symbol: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(String(500), default="")
    # What the number was given to (an item, a dialogue session...), to find it again.
    owner_type: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")

    @property
    def reference(self) -> str:
        """"15/PXL-UBND": the number (two digits at least), then the symbol."""
        return reference(self.number, self.symbol)


@dataclass(frozen=True)
class Numbered:
    """A number taken from the register."""

    id: int
    unit_id: int
    year: int
    number: int
    symbol: str

    @property
    def reference(self) -> str:
        return reference(self.number, self.symbol)


def reference(number: int, symbol: str) -> str:
    return f"{number:02d}/{symbol}"


def symbol(kind: str, unit) -> str:
    """The symbol of a document of ``kind`` issued by ``unit``: "PXL-UBND"."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of document: {kind}")
    return f"{kind}-{unit.document_abbreviation}"


def _ensure_counter(unit_id: int, year: int) -> None:
    dialect = db.engine.dialect.name
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(build(DocumentCounter).values(unit_id=unit_id, year=year, last_number=0)
                       .on_conflict_do_nothing(index_elements=["unit_id", "year"]))


def take(unit, kind: str, issued_on: dt.date, summaries: Sequence[str] = ("",),
         owners: Sequence[tuple[str, int] | None] | None = None) -> list[Numbered]:
    """Take the next ``len(summaries)`` numbers of ``unit``'s register for ``issued_on``'s year, in this
    transaction, one document of ``kind`` for each summary (given to the owner at the same place of
    ``owners``, a (type, id) pair). Returned in order."""
    count = len(summaries)
    if count == 0:
        return []
    year = issued_on.year
    _ensure_counter(unit.id, year)
    last = db.session.execute(
        update(DocumentCounter).where(DocumentCounter.unit_id == unit.id, DocumentCounter.year == year)
        .values(last_number=DocumentCounter.last_number + count).returning(DocumentCounter.last_number)).scalar_one()
    first = last - count + 1
    sign = symbol(kind, unit)
    now = utcnow()
    owners = list(owners) if owners is not None else [None] * count
    if len(owners) != count:
        raise ValueError("one owner (or None) for each summary")
    rows = [{"unit_id": unit.id, "year": year, "number": first + offset, "kind": kind, "symbol": sign,
             "issued_on": issued_on, "summary": (summary or "")[:500], "created_at": now,
             "owner_type": owner[0] if owner else None, "owner_id": owner[1] if owner else None}
            for offset, (summary, owner) in enumerate(zip(summaries, owners))]
    db.session.execute(insert(OutgoingDocument), rows)
    ids = db.session.execute(select(OutgoingDocument.number, OutgoingDocument.id).where(
        OutgoingDocument.unit_id == unit.id, OutgoingDocument.year == year,
        OutgoingDocument.number.between(first, last))).all()
    by_number = dict(ids)
    return [Numbered(id=by_number[row["number"]], unit_id=unit.id, year=year, number=row["number"], symbol=sign)
            for row in rows]


def take_one(unit, kind: str, issued_on: dt.date, summary: str = "", owner: tuple[str, int] | None = None) -> Numbered:
    return take(unit, kind, issued_on, [summary], [owner])[0]


def given(kind: str, owner: tuple[str, int]) -> OutgoingDocument | None:
    """The first number of ``kind`` given to ``owner``, if any (so that a document keeps its number)."""
    return db.session.scalar(select(OutgoingDocument).where(
        OutgoingDocument.kind == kind, OutgoingDocument.owner_type == owner[0], OutgoingDocument.owner_id == owner[1])
        .order_by(OutgoingDocument.id).limit(1))


def register(unit, year: int):
    """The lines of ``unit``'s register for ``year``, in number order (a query to page through)."""
    return (select(OutgoingDocument).where(OutgoingDocument.unit_id == unit.id, OutgoingDocument.year == year)
            .order_by(OutgoingDocument.number))
