"""The outbox: every message, written with the change that causes it, sent by a job."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.extensions import db
from feedback.storage import StoredBytes
from feedback.timeutil import UTCDateTime, utcnow

STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "notify_outbox"
    __table_args__ = (Index("ix_notify_outbox_status_enqueued", "status", "enqueued_at"),
                      Index("ix_notify_outbox_owner", "owner_type", "owner_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Travels with every try: the SMS gateway's Idempotency-Key header, the e-mail's Message-ID.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str] = mapped_column(String(255), default="")
    attachment: Mapped[bytes | None] = mapped_column(StoredBytes, deferred=True)
    # What the message is about ("item" and its id, "survey"...), a label and a staff page to show.
    owner_type: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(64), default="")
    link: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sending_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def masked_recipient(self) -> str:
        return mask_address(self.recipient)


def mask_address(value: str) -> str:
    """0912***678 or a***@example.vn: enough for staff to recognise, nothing for a log reader."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{value[:4]}***{value[-3:]}" if len(value) > 7 else "***"
