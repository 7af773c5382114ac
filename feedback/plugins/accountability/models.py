"""The accountability plugin's tables: rules, delegations, and what tick has already done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.numbering import reference, symbol
from feedback.storage import StoredBytes
from feedback.timeutil import UTCDateTime, utcnow


class DeadlineRule(db.Model):
    """N working days for items of a kind, a topic and/or a procedure, with its legal basis.

    The most specific rule wins: procedure, then kind and topic, then topic, then kind.
    """

    __tablename__ = "accountability_deadline_rules"
    __table_args__ = (UniqueConstraint("kind", "topic", "procedure_id", name="uq_accountability_rule_scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(16))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    days: Mapped[int] = mapped_column(Integer)
    legal_basis: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    procedure = relationship("Procedure")

    @property
    def specificity(self) -> int:
        return (4 if self.procedure_id else 0) + (2 if self.topic else 0) + (1 if self.kind else 0)


class Delegation(db.Model):
    """While the head is away, a deputy receives the unit's items and may publish answers."""

    __tablename__ = "accountability_delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    delegate = relationship("User", foreign_keys=[delegate_id])


class Notice(db.Model):
    """A reminder or an escalation already given, so that tick never gives it twice.

    ``due_at`` is the deadline it was about: an extended deadline is a new one.
    """

    __tablename__ = "accountability_notices"
    __table_args__ = (UniqueConstraint("item_id", "kind", "due_at", name="uq_accountability_notice_once"),
                      # The escalations of a period, for the statistics.
                      Index("ix_accountability_notices_created", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # due_soon_assignee, due_today_head, escalated
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient = relationship("User")
    unit = relationship("Unit")


class ApologyLetter(db.Model):
    """One letter of apology per lateness (per item and missed deadline), as a PDF."""

    __tablename__ = "accountability_apology_letters"
    __table_args__ = (
        UniqueConstraint("item_id", "due_at", name="uq_accountability_letter_once"),
        UniqueConstraint("unit_id", "year", "number", name="uq_accountability_letter_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    new_appointment: Mapped[dt.date] = mapped_column(Date)
    answered_late: Mapped[bool] = mapped_column(Boolean)
    signer_name: Mapped[str] = mapped_column(String(255), default="")
    signer_title: Mapped[str] = mapped_column(String(255), default="")
    # The signature's form (Decree 30/2020/ND-CP): the collective body the head signs for ("TM. ỦY BAN
    # NHÂN DÂN"), and the head's title when a deputy signs for the head ("KT. GIÁM ĐỐC").
    signed_for: Mapped[str] = mapped_column(String(255), default="", server_default="")
    deputy_of: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # The symbol of its number in the unit's register of outgoing documents ("PXL-UBND").
    symbol: Mapped[str] = mapped_column(String(64), default="", server_default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document_register.id"))
    # Made by a job after the tick that numbered the letter committed; None until then.
    pdf: Mapped[bytes | None] = mapped_column(StoredBytes, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("Item")
    unit = relationship("Unit")

    @property
    def reference(self) -> str:
        """"15/PXL-UBND", as numbered in the unit's register of outgoing documents."""
        return reference(self.number, self.symbol or symbol("PXL", self.unit))


class Answer(db.Model):
    """An answered item, for the statistics: when, against which deadline, in how many working days."""

    __tablename__ = "accountability_answers"
    __table_args__ = (Index("ix_accountability_answers_unit_answered", "unit_id", "answered_at"),
                      # Every unit's answers of a period, with what the statistics read from them.
                      Index("ix_accountability_answers_answered", "answered_at", "unit_id", "working_days"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    on_time: Mapped[bool] = mapped_column(Boolean)
    working_days: Mapped[int] = mapped_column(Integer)


class FigureMonth(db.Model):
    """A closed month whose on-time figures are kept in :class:`MonthlyFigures`, so that dashboards
    read them instead of counting every item again (``flask tick`` keeps them;
    ``flask accountability rebuild-figures`` makes them again)."""

    __tablename__ = "accountability_figure_months"

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # its first day (local)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Items received in the month that had reached no unit when it was computed: until none is
    # left, tick computes the month again (they count as received by the first unit they reach).
    unrouted: Mapped[int] = mapped_column(Integer, default=0)
    # The last item recorded when it was computed: an item recorded later with a receipt in a
    # closed month (a letter received on paper) makes tick compute that month again.
    last_item_id: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyFigures(db.Model):
    """A unit's on-time figures of a closed month: counts that add up over months, the holdings open
    and overdue at the month's end, and the answers' working days (to get means and percentiles of
    any run of months)."""

    __tablename__ = "accountability_monthly_figures"
    __table_args__ = (UniqueConstraint("month", "unit_id", name="uq_accountability_monthly_figures"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(ForeignKey("accountability_figure_months.month"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    answered_on_time: Mapped[int] = mapped_column(Integer, default=0)
    answered_late: Mapped[int] = mapped_column(Integer, default=0)
    transferred_late: Mapped[int] = mapped_column(Integer, default=0)
    open_overdue: Mapped[int] = mapped_column(Integer, default=0)  # at the month's end
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    # Answers by working days to answer: {"4": 12, "11": 1}.
    working_days: Mapped[dict] = mapped_column(JSON, default=dict)
