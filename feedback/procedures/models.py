"""An entry of the public catalogue of administrative procedures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, SmallInteger, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.text import fold
from feedback.timeutil import UTCDateTime, utcnow

ONLINE_LEVELS = (2, 3, 4)


class Procedure(db.Model):
    __tablename__ = "procedures"
    __table_args__ = (
        CheckConstraint("processing_days >= 0", name="processing_days_positive"),
        CheckConstraint("fee IS NULL OR fee >= 0", name="fee_positive"),
        CheckConstraint("online_level IS NULL OR online_level IN (2, 3, 4)", name="online_level_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(255), default="", index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # Legal processing time, in working days.
    processing_days: Mapped[int] = mapped_column(Integer, default=0)
    # In đồng; None when the catalogue gives no fixed fee.
    fee: Mapped[int | None] = mapped_column(BigInteger)
    online_level: Mapped[int | None] = mapped_column(SmallInteger)
    postal_return: Mapped[bool] = mapped_column(Boolean, default=False)
    # Code, name and field folded for search (feedback.text.fold); kept up to date on save.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit = relationship("Unit")

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


@event.listens_for(Procedure, "before_insert")
@event.listens_for(Procedure, "before_update")
def _fold_for_search(_mapper, _connection, procedure: Procedure) -> None:
    procedure.search_text = fold(" ".join(filter(None, (procedure.code, procedure.name, procedure.field))))
