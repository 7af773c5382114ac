"""The register's tables: the public index of items, staff-reviewed public texts, and citizens' ratings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import UTCDateTime, utcnow


class RegisterEntry(db.Model):
    """One row per item in the public register: only public data, rebuilt from the item on each event.

    ``search_text`` is the folded public text (feedback.text.fold: no case, no diacritics), so that
    "thu tuc dat dai" finds "thủ tục đất đai"; nothing that is not shown publicly is in it.
    """

    __tablename__ = "register_entries"
    __table_args__ = (
        Index("ix_register_entries_received", "received_at", "item_id"),
        Index("ix_register_entries_unit_received", "unit_id", "received_at", "item_id"),
        Index("ix_register_entries_published", "published_at", "item_id"),
        # Substring search on PostgreSQL (LIKE '%word%' served by trigrams). SQLite cannot use an index
        # for it and scans the folded column: there the index is an empty partial one, so that the
        # schema is the same on both (the migration does the same when pg_trgm is not available).
        Index("ix_register_entries_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}, sqlite_where=text("0")),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    field: Mapped[str] = mapped_column(String(200), default="", index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the answer shown was published (the feed's order) and by which unit, signed by which title.
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Working days past the deadline when answered (0: on time); None while unanswered.
    late_days: Mapped[int | None] = mapped_column(Integer)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    transferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # Public texts: masked automatically, or as reviewed by staff; None when the filer did not agree.
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answer_unit: Mapped[str] = mapped_column(String(255), default="")
    head_name: Mapped[str] = mapped_column(String(255), default="")
    head_title: Mapped[str] = mapped_column(String(255), default="")
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    search_text: Mapped[str] = mapped_column(Text, default="")

    unit = relationship("Unit")
    procedure = relationship("Procedure")


class PublicText(db.Model):
    """Staff's review of the public version of an item's text and of its answer; originals stay on the item.

    Under ``REGISTER_PUBLICATION = "review"`` the item's title and text are public only once
    ``reviewed_at`` is set, and an answer's text only once ``answer_reviewed_at`` is set for that
    answer (``answer_response_id``). A review time without a reviewer was set by the upgrade that
    introduced reviews, for items that were already public then.
    """

    __tablename__ = "register_public_texts"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    # The reviewed public title and text; None: the automatic (masked) version.
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    # The public answer reviewed before publication, for the draft it was written for.
    answer: Mapped[str | None] = mapped_column(Text)
    answer_response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    edited_by = relationship("User", foreign_keys=[edited_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])


class Rating(db.Model):
    """A filer's rating of a published answer: once per answer."""

    __tablename__ = "register_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), unique=True)
    satisfied: Mapped[bool] = mapped_column(Boolean)
    # Staff only: free text from the filer may hold personal data.
    comment: Mapped[str] = mapped_column(Text, default="")
    # What the platform did: "" (satisfied), "reopened" or "escalated".
    outcome: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("Item")
