"""Items, their contact data, attachments, responses, and the append-only event log."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from feedback.extensions import db
from feedback.storage import StoredBytes
from feedback.text import fold
from feedback.timeutil import UTCDateTime, utcnow

KINDS = {"complaint": _l("Complaint"), "petition": _l("Petition")}
TOPICS = {
    "procedure": _l("Administrative procedure"),
    "regulation": _l("Regulation"),
    "conduct": _l("Staff conduct"),
    "other": _l("Other"),
}
CHANNELS = {
    "web": _l("Website"),
    "kiosk": _l("Kiosk"),
    "hotline": _l("Hotline"),
    "mailbox": _l("Mailbox / paper"),
    "in_person": _l("In person"),
    "email": _l("E-mail"),
    "api": _l("API"),
}
STAFF_CHANNELS = ("hotline", "mailbox", "in_person", "email")


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_unit_status_received", "unit_id", "status", "received_at"),
        Index("ix_items_received_id", "received_at", "id"),
        # The dashboards' open items: those open now, and those answered or closed after a moment.
        Index("ix_items_open", "unit_id", "received_at", sqlite_where=text("responded_at IS NULL AND closed_at IS NULL"),
              postgresql_where=text("responded_at IS NULL AND closed_at IS NULL")),
        Index("ix_items_responded_at", "responded_at"),
        Index("ix_items_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    topic: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The filer agreed that the title and text be published once personal data is masked.
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The deadline of the item's latest obligation to answer (feedback.obligations), kept here by
    # the items' services for indexes, lists and the register; None while no policy gives one.
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    access_key_hash: Mapped[str] = mapped_column(String(64))
    # Code and title folded for the staff search (feedback.text.fold); kept up to date on save.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # When the filer's personal data was removed (at their request, or after the retention period).
    personal_data_erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit", foreign_keys=[unit_id])
    procedure = relationship("Procedure")
    assignee = relationship("User", foreign_keys=[assignee_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    original = relationship("Item", remote_side=[id])
    contact: Mapped[ItemContact | None] = relationship(back_populates="item", uselist=False,
                                                       cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="item", order_by="Attachment.id",
                                                         cascade="all, delete-orphan")
    events: Mapped[list[ItemEvent]] = relationship(back_populates="item", order_by="ItemEvent.id")
    responses: Mapped[list[Response]] = relationship(back_populates="item", order_by="Response.id")
    # Its obligations, one per unit that held it, oldest first: the reception desk's routing while
    # it waited for its unit, then the answer.
    obligations = relationship(
        "Obligation", viewonly=True, order_by="Obligation.id",
        primaryjoin="and_(Obligation.owner_type == 'item', foreign(Obligation.owner_id) == Item.id, "
                    "Obligation.kind.in_(('answer', 'routing')))")

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def topic_label(self) -> str:
        return str(TOPICS.get(self.topic, self.topic))

    @property
    def channel_label(self) -> str:
        return str(CHANNELS.get(self.channel, self.channel))

    @property
    def status_label(self) -> str:
        from feedback.items.states import STATUSES

        return str(STATUSES.get(self.status, self.status))

    @property
    def published_response(self) -> Response | None:
        published = [response for response in self.responses if response.published_at is not None]
        return published[-1] if published else None

    @property
    def pending_draft(self) -> Response | None:
        drafts = [response for response in self.responses if response.published_at is None and not response.discarded]
        return drafts[-1] if drafts else None

    @property
    def deadline_basis(self) -> dict:
        """How the current deadline was counted, for people: rule and legal basis, start day, days skipped."""
        return dict(self.obligations[-1].basis or {}) if self.obligations else {}

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Late and still open: derived from the deadline and the clock, never stored."""
        from feedback.items.states import OPEN_STATUSES

        return self.due_at is not None and self.status in OPEN_STATUSES and (now or utcnow()) > self.due_at

    def __repr__(self) -> str:
        return f"<Item {self.code}>"


class ItemContact(db.Model):
    """The filer's personal data, kept apart so that it can be shown, corrected and retired."""

    __tablename__ = "item_contacts"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)
    email: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    # Explicit consent, with the exact words the filer agreed to and when.
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The channels the filer wants news on, and the language to write to them in.
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="vi")

    item: Mapped[Item] = relationship(back_populates="contact")

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.email or self.address)


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(StoredBytes, deferred=True)
    added_by_filer: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="attachments")


class Response(db.Model):
    """An answer: drafted by an officer or the head, published once the head approves it."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # What the public register shows: personal data masked, reviewable by staff.
    public_body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    discarded: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship(back_populates="responses")
    author = relationship("User", foreign_keys=[author_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    unit = relationship("Unit")


class ItemEvent(db.Model):
    """One row per thing that happened to an item: append-only, the source of timelines and figures."""

    __tablename__ = "item_events"
    __table_args__ = (Index("ix_item_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # "citizen", "staff", "system" or a plugin's name: who acted when there is no account.
    actor_kind: Mapped[str] = mapped_column(String(32), default="staff")
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Whether the public timeline may show this event (never the reason of an internal note).
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The chain of the audit log (feedback.items.audit): the hash of the row before, and of this one.
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))

    item: Mapped[Item] = relationship(back_populates="events")
    actor = relationship("User")
    unit = relationship("Unit")
    # What the filer wrote with this event (added information, why they withdrew), kept outside
    # the log so that it can be erased (FilerText).
    filer_text: Mapped[FilerText | None] = relationship(back_populates="event", uselist=False)


class FilerText(db.Model):
    """Text a filer wrote after filing (information they added, why they withdrew) and the names of
    the files they added with it: personal data, so not in the append-only event log, where nothing
    can be erased. The event says what happened and keeps ``data["filer_text"]``, a hash of the text
    keyed by ``salt`` (:func:`feedback.items.services.seal`): while the text is here it can be checked
    against the log; once erased (with the filer's personal data, at their request or after the
    retention period), the key goes too and the hash says nothing of what was written."""

    __tablename__ = "item_filer_texts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("item_events.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    file_names: Mapped[list] = mapped_column(JSON, default=list)
    salt: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[ItemEvent] = relationship(back_populates="filer_text")


class Submission(db.Model):
    """A one-time form token or API Idempotency-Key, so that a repeat files nothing twice."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("Item")


@event.listens_for(Item, "before_insert")
@event.listens_for(Item, "before_update")
def _fold_for_search(_mapper, _connection, item: Item) -> None:
    item.search_text = fold(f"{item.code} {item.title}")


class AppendOnly(Exception):
    pass


@event.listens_for(ItemEvent, "before_update")
@event.listens_for(ItemEvent, "before_delete")
def _refuse_changes(_mapper, _connection, target) -> None:
    raise AppendOnly(f"the event log is append-only (event {target.id})")


@event.listens_for(ItemEvent, "before_insert")
def _refuse_unchained(_mapper, _connection, target) -> None:
    if not target.row_hash:
        raise AppendOnly("an event is written through feedback.items.services.log, which chains it (feedback.items.audit)")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """Bulk UPDATE and DELETE statements bypass the mapper events: refuse them on the log too."""
    if (state.is_update or state.is_delete) and any(
            getattr(mapper, "class_", None) is ItemEvent for mapper in state.all_mappers):
        raise AppendOnly("the event log is append-only")


class KeptAttachment(db.Model):
    """A file sent with a filing form that was refused for another field: kept for a short while
    under the form's token (only its hash is stored), so that the citizen need not attach it again."""

    __tablename__ = "kept_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(StoredBytes, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
