"""The dialogues' tables: sessions, their agenda, who registered, questions, attendance,
commitments, versions of the minutes, and the log of what happened to each session."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import UTCDateTime, utcnow

# A session is planned (staff only), announced (public, with its calendar file), held, or cancelled.
STATUSES = {
    "planned": _l("Planned"),
    "announced": _l("Announced"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
}
# Agenda entries: chosen by staff (a field, a procedure, a topic) or suggested from the data.
AGENDA_KINDS = {
    "field": _l("Field"),
    "procedure": _l("Procedure"),
    "topic": _l("Topic"),
    "many_items": _l("Procedure with many items"),
    "overdue_items": _l("Overdue items"),
    "low_satisfaction": _l("Low satisfaction"),
    "inter_agency": _l("Inter-agency dossiers"),
}
AGENDA_STATUSES = {"suggested": _l("Suggested"), "accepted": _l("On the agenda"), "dropped": _l("Dropped")}
QUESTION_SOURCES = {"web": _l("Website"), "api": _l("API"), "staff": _l("Staff"), "item": _l("Item")}
MINUTES_STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Awaiting the chair's approval"),
    "published": _l("Published"),
    "superseded": _l("Replaced by a correction"),
}
COMMITMENT_STATUSES = {"open": _l("Open"), "done": _l("Done")}
# What the session's log says, for people.
EVENT_LABELS = {
    "planned": _l("Planned"), "updated": _l("Changed"), "announced": _l("Announced"), "moved": _l("Moved"),
    "cancelled": _l("Cancelled"), "agenda_suggested": _l("Subjects suggested from the data"),
    "agenda_accepted": _l("Subject accepted"), "agenda_dropped": _l("Subject dropped"),
    "registered": _l("Someone registered"), "question": _l("Question received"),
    "questions_published": _l("Questions published"), "question_hidden": _l("Question kept off the public list"),
    "question_shown": _l("Question shown on the public list"), "answered": _l("Answer recorded"),
    "attendance": _l("Attendance recorded"), "commitment": _l("Commitment recorded"),
    "commitment_done": _l("Commitment done"), "commitment_reminder": _l("Reminder of a commitment"),
    "commitment_escalated": _l("Overdue commitment escalated"), "commitment_transferred": _l("Commitment transferred"),
    "held": _l("Held"), "minutes_saved": _l("Minutes saved"), "minutes_submitted": _l("Minutes sent to the chair"),
    "minutes_returned": _l("Minutes sent back"), "minutes_published": _l("Minutes published"),
    "minutes_correction": _l("Correction of the minutes started"), "minutes_reminder": _l("Reminder of the minutes"),
    "minutes_escalated": _l("Late minutes escalated"), "unit_merged": _l("Unit merged"),
}


class DialogueSession(db.Model):
    """One dialogue of a unit with citizens and businesses (đối thoại)."""

    __tablename__ = "dialogues_sessions"
    __table_args__ = (Index("ix_dialogues_sessions_unit_starts", "unit_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    # The chair is the head of unit; names and titles are kept as they were on the day.
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chair_name: Mapped[str] = mapped_column(String(200), default="")
    chair_title: Mapped[str] = mapped_column(String(200), default="")
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    secretary_name: Mapped[str] = mapped_column(String(200), default="")
    secretary_title: Mapped[str] = mapped_column(String(200), default="")
    # Organisations invited (names), in the order given.
    invited: Mapped[list] = mapped_column(JSON, default=list)
    # RFC 5545: incremented each time the announced event changes (moved, cancelled).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    announced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    questions_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Private persons who attended without giving their name.
    citizens_count: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    chair = relationship("User", foreign_keys=[chair_id])
    secretary = relationship("User", foreign_keys=[secretary_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    agenda: Mapped[list[AgendaEntry]] = relationship(back_populates="session", order_by="AgendaEntry.id",
                                                     cascade="all, delete-orphan")
    questions: Mapped[list[Question]] = relationship(back_populates="session", order_by="Question.number",
                                                     cascade="all, delete-orphan")
    registrations: Mapped[list[Registration]] = relationship(back_populates="session", order_by="Registration.id",
                                                             cascade="all, delete-orphan")
    attendance: Mapped[list[Attendance]] = relationship(back_populates="session", order_by="Attendance.id",
                                                        cascade="all, delete-orphan")
    commitments: Mapped[list[Commitment]] = relationship(back_populates="session", order_by="Commitment.id",
                                                         cascade="all, delete-orphan")
    minutes: Mapped[list[Minutes]] = relationship(back_populates="session", order_by="Minutes.version",
                                                  cascade="all, delete-orphan")
    events: Mapped[list[SessionEvent]] = relationship(back_populates="session", order_by="SessionEvent.id")

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def is_public(self) -> bool:
        return self.status in ("announced", "held", "cancelled") and self.announced_at is not None

    @property
    def accepted_agenda(self) -> list[AgendaEntry]:
        return [entry for entry in self.agenda if entry.status == "accepted"]

    @property
    def published_minutes(self) -> Minutes | None:
        published = [version for version in self.minutes if version.status == "published"]
        return published[-1] if published else None

    @property
    def working_minutes(self) -> Minutes | None:
        """The version being written or awaiting approval, if any."""
        pending = [version for version in self.minutes if version.status in ("draft", "submitted")]
        return pending[-1] if pending else None

    @property
    def participants(self) -> dict:
        """Who took part: organisations with their counts, persons named with consent, citizens counted."""
        organisations = [(row.name, row.count) for row in self.attendance if row.kind == "organisation"]
        persons = [row.name for row in self.attendance if row.kind == "person"]
        total = sum(count for _name, count in organisations) + len(persons) + self.citizens_count
        return {"organisations": organisations, "persons": persons, "citizens": self.citizens_count, "total": total}

    def __repr__(self) -> str:
        return f"<DialogueSession {self.id} {self.status}>"


class AgendaEntry(db.Model):
    """A subject of the session: chosen by staff, or suggested from the data with its figure."""

    __tablename__ = "dialogues_agenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogues_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    label: Mapped[str] = mapped_column(String(300))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    field: Mapped[str] = mapped_column(String(200), default="")
    # What the data says (e.g. 42 items in six months), and what the figure counts.
    figure: Mapped[float | None] = mapped_column(Float)
    figure_text: Mapped[str] = mapped_column(String(300), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[DialogueSession] = relationship(back_populates="agenda")
    procedure = relationship("Procedure")

    @property
    def kind_label(self) -> str:
        return str(AGENDA_KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(AGENDA_STATUSES.get(self.status, self.status))


class Registration(db.Model):
    """Someone who registered to attend: their contact data, kept apart and never published."""

    __tablename__ = "dialogues_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogues_sessions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    consent_text: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[DialogueSession] = relationship(back_populates="registrations")


class Question(db.Model):
    """A question sent before the day (or an item staff attached), and its answer at the session."""

    __tablename__ = "dialogues_questions"
    __table_args__ = (UniqueConstraint("session_id", "number", name="uq_dialogues_question_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogues_sessions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="web")
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What the public sees: personal data masked (feedback.redaction).
    public_title: Mapped[str] = mapped_column(String(400), default="")
    public_body: Mapped[str] = mapped_column(Text, default="")
    # Contact data of who asked (optional), with the words of their consent.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contact_email: Mapped[str] = mapped_column(String(255), default="")
    consent_text: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    # Staff may keep a question off the public list (abuse, duplicate), with a reason.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    public_answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[DialogueSession] = relationship(back_populates="questions")
    item = relationship("Item")

    @property
    def source_label(self) -> str:
        return str(QUESTION_SOURCES.get(self.source, self.source))


class Attendance(db.Model):
    """Who attended: an organisation and how many came from it, or a private person named with
    their consent (otherwise they only count in the session's ``citizens_count``)."""

    __tablename__ = "dialogues_attendance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogues_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # organisation, person
    name: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=1)
    consent_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[DialogueSession] = relationship(back_populates="attendance")


class Commitment(db.Model):
    """A promise made at the session: what, which unit, by when (an obligation in working days),
    public until done and then with its evidence."""

    __tablename__ = "dialogues_commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogues_sessions.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("dialogues_questions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    public_text: Mapped[str] = mapped_column(Text, default="")
    days: Mapped[int] = mapped_column(Integer)
    # Mirrors the open obligation's deadline (feedback.obligations) for lists and figures.
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Written once when it is done: whether it was done after its deadline.
    late: Mapped[bool | None] = mapped_column(Boolean)
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    evidence_filename: Mapped[str] = mapped_column(String(255), default="")
    evidence_type: Mapped[str] = mapped_column(String(100), default="")
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[DialogueSession] = relationship(back_populates="commitments")
    unit = relationship("Unit")
    question = relationship("Question")

    @property
    def status_label(self) -> str:
        return str(COMMITMENT_STATUSES.get(self.status, self.status))

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.status == "open" and (now or utcnow()) > self.due_at


class Minutes(db.Model):
    """One version of the minutes (biên bản). Its content is frozen when it goes to the chair; a
    published version is never changed: a correction is a new version that says what changed."""

    __tablename__ = "dialogues_minutes"
    __table_args__ = (UniqueConstraint("session_id", "version", name="uq_dialogues_minutes_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogues_sessions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    summary: Mapped[str] = mapped_column(Text, default="")
    closing_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # For a correction: what changed from the version before.
    changes: Mapped[str] = mapped_column(Text, default="")
    # Everything the document shows, frozen when the version goes to the chair.
    content: Mapped[dict | None] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64), default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    # The content's hash the PDF was made from: rendered again only when it differs.
    rendered_sha256: Mapped[str] = mapped_column(String(64), default="")
    rendered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    return_note: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[DialogueSession] = relationship(back_populates="minutes")
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    @property
    def status_label(self) -> str:
        return str(MINUTES_STATUSES.get(self.status, self.status))


class SessionEvent(db.Model):
    """What happened to a session (planned, announced, moved, reminded, escalated…): append-only."""

    __tablename__ = "dialogues_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogues_sessions.id"), index=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("dialogues_commitments.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    session: Mapped[DialogueSession] = relationship(back_populates="events")
    actor = relationship("User")


class PublishedMinutesChanged(Exception):
    pass


@event.listens_for(SessionEvent, "before_update")
@event.listens_for(SessionEvent, "before_delete")
def _log_is_append_only(_mapper, _connection, target) -> None:
    raise PublishedMinutesChanged(f"the dialogue log is append-only (event {target.id})")


FROZEN = ("summary", "closing_at", "changes", "content", "content_sha256", "version", "session_id")


@event.listens_for(Session, "before_flush")
def _published_minutes_are_never_edited(session, _context, _instances) -> None:
    """A published (or superseded) version keeps its words: only its PDF and status may be written."""
    from sqlalchemy import inspect

    for target in session.dirty:
        if not isinstance(target, Minutes):
            continue
        state = inspect(target)
        before = state.attrs.status.history.deleted
        was = before[0] if before else target.status
        if was not in ("published", "superseded"):
            continue
        changed = [name for name in FROZEN if state.attrs[name].history.has_changes()]
        if changed:
            raise PublishedMinutesChanged(f"published minutes {target.id} cannot be edited ({', '.join(changed)})")
