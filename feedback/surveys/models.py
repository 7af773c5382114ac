"""Satisfaction surveys: surveys, their versions, sections (criteria), questions, options and
display conditions; the responses people send, one row per answer; and one-time invitations.

How the pieces fit, for whoever computes figures from them (the reports plugin):

- A :class:`Survey` has versions. A version is a draft until it is published; from then on it is
  frozen (its sections, questions, options and conditions can no longer change: the database
  refuses it, see ``_refuse_changes_to_published_versions``). Editing a published survey makes a
  new draft version; publishing it retires the previous one. At most one version of a survey is
  published and not retired: the one people answer.
- A :class:`SurveyResponse` points at the version it answered; each :class:`SurveyAnswer` at the
  question it answers, so that an answer always means what its question said when it was given.
- Answers are typed: ``value`` (an integer) for scales, ratings, yes/no and choices, ``text`` for
  free text; a multiple-choice question gives one row per option chosen. For the index, an answer
  to a *rated* question carries ``satisfied`` (true or false, copied from the option chosen when
  the answer was stored); every other answer has ``satisfied`` NULL. So the share of satisfied
  answers of a criterion is ``AVG(CASE WHEN satisfied THEN 1.0 ELSE 0 END)`` over the rows where
  ``satisfied IS NOT NULL``, joined to the question's section for its ``criterion``.
- Answers repeat the survey, unit, procedure and month of their response, so that the monthly
  figures per unit and criterion are one indexed scan of ``survey_answers`` (no join with
  ``survey_responses``, which only the count of responses and the late ones need).
- Months are local (Asia/Ho_Chi_Minh): ``month`` is the first day of the local month in which the
  person answered (``submitted_at``); ``recorded_at`` says when the answer reached us, so that
  answers recorded after a month was frozen can be counted as late.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, \
    event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from feedback.extensions import db
from feedback.timeutil import LOCAL_TZ, UTCDateTime, utcnow

# The five criteria of the national index (SIPAS), as stable keys: sections of the template carry
# them, so that figures per criterion compare across versions, units and provinces.
SIPAS_CRITERIA = {
    "access": _l("Access to the service"),
    "procedure": _l("The administrative procedure"),
    "civil_servant": _l("The civil servant"),
    "result": _l("The result of the service"),
    "feedback_handling": _l("The handling of feedback"),
}
# The key of the section that holds the overall satisfaction question and the comment.
OVERALL = "overall"

# How a response reached us.
RESPONSE_CHANNELS = {
    "link": _l("Public link or QR code"),
    "kiosk": _l("Kiosk"),
    "invitation": _l("Invitation after an answer"),
    "api": _l("API"),
}


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the local month (Asia/Ho_Chi_Minh) of an aware moment."""
    return moment.astimezone(LOCAL_TZ).date().replace(day=1)


class Survey(db.Model):
    """A survey that units run, e.g. the SIPAS-style satisfaction survey.

    Its content lives in its versions; the survey itself is the stable thing that public links,
    QR codes and reports name.
    """

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The short name in public links (/s/<code>/<unit>) and the XLSForm's form_id: a-z, 0-9, "-", "_".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The unit whose units (it and its sub-units) run the survey; None: every unit.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when an administrator archives the survey: no longer answered nor listed; its answers stay.
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")
    created_by = relationship("User")
    versions: Mapped[list[SurveyVersion]] = relationship(back_populates="survey", order_by="SurveyVersion.number",
                                                         cascade="all, delete-orphan")

    @property
    def published(self) -> SurveyVersion | None:
        """The version people answer now: published and not retired (at most one)."""
        for version in self.versions:
            if version.published_at is not None and version.retired_at is None:
                return version
        return None

    @property
    def draft(self) -> SurveyVersion | None:
        """The version being edited, if any (at most one)."""
        for version in self.versions:
            if version.published_at is None:
                return version
        return None

    @property
    def latest(self) -> SurveyVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def title(self) -> str:
        """The title of the published version (else the latest), in the visitor's language."""
        version = self.published or self.latest
        return version.title if version is not None else self.code

    @property
    def is_active(self) -> bool:
        return self.archived_at is None and self.published is not None

    def __repr__(self) -> str:
        return f"<Survey {self.code}>"


class SurveyVersion(db.Model):
    """One version of a survey's content. A draft (``published_at`` NULL) is edited; a published
    version is frozen for good; a retired one (``retired_at`` set) was replaced by a newer one."""

    __tablename__ = "survey_versions"
    __table_args__ = (
        UniqueConstraint("survey_id", "number"),
        CheckConstraint("retired_at IS NULL OR published_at IS NOT NULL", name="retired_after_published"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    # 1, 2, 3... in the order the versions were made; the XLSForm's "version".
    number: Mapped[int] = mapped_column(Integer)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    # The words above the questions: who runs the survey, why, and that answers are anonymous.
    intro_vi: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship(back_populates="versions")
    published_by = relationship("User")
    sections: Mapped[list[SurveySection]] = relationship(back_populates="version",
                                                         order_by="SurveySection.position",
                                                   cascade="all, delete-orphan")
    questions: Mapped[list[SurveyQuestion]] = relationship(back_populates="version",
                                                           order_by="SurveyQuestion.position",
                                                     cascade="all, delete-orphan", overlaps="section,questions")

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def title(self) -> str:
        return localised(self.title_vi, self.title_en)

    @property
    def intro(self) -> str:
        return localised(self.intro_vi, self.intro_en)

    def ordered_questions(self) -> list[SurveyQuestion]:
        """Every question in the order people see them: by section, then by position."""
        return [question for section in self.sections for question in section.questions]

    def __repr__(self) -> str:
        return f"<SurveyVersion {self.survey_id} v{self.number}>"


class SurveySection(db.Model):
    """A group of questions about one criterion (access, procedure, civil servant, result, feedback
    handling for the SIPAS template; ``overall`` for the overall question and the comment)."""

    __tablename__ = "survey_sections"
    __table_args__ = (UniqueConstraint("version_id", "criterion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    # Stable key of the criterion (SIPAS_CRITERIA, OVERALL or an administrator's own, a-z0-9_):
    # the same key in every version, so that figures per criterion compare over time. It is the
    # XLSForm group's name.
    criterion: Mapped[str] = mapped_column(String(40))
    # Order within the version, from 1.
    position: Mapped[int] = mapped_column(Integer)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    # Words shown under the title (an XLSForm note at the start of the group).
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[SurveyVersion] = relationship(back_populates="sections")
    questions: Mapped[list[SurveyQuestion]] = relationship(back_populates="section",
                                                           order_by="SurveyQuestion.position",
                                                     overlaps="questions,version")

    @property
    def title(self) -> str:
        return localised(self.title_vi, self.title_en)

    @property
    def description(self) -> str:
        return localised(self.description_vi, self.description_en)

    @property
    def criterion_label(self) -> str:
        known = SIPAS_CRITERIA.get(self.criterion)
        return str(known) if known is not None else self.title


class SurveyQuestion(db.Model):
    """A question. Its ``type`` names a question type given by the hook ``feedback_question_types``
    (built in: scale5, scale3, single, multiple, rating10, yes_no, short_text, long_text)."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("survey_sections.id"), index=True)
    # Stable name within the survey (a-z0-9_), the same in every version for the same question:
    # the XLSForm's "name", and what display conditions refer to.
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    # Position across the whole version (1, 2, 3...), so that "an earlier question" is plain.
    position: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Counted in the satisfaction index: its options say which answers are "satisfied", and its
    # answers carry ``satisfied``. Fixed by the type when the question is made.
    rated: Mapped[bool] = mapped_column(Boolean, default=False)
    label_vi: Mapped[str] = mapped_column(String(500))
    label_en: Mapped[str] = mapped_column(String(500), default="")
    hint_vi: Mapped[str] = mapped_column(String(500), default="")
    hint_en: Mapped[str] = mapped_column(String(500), default="")

    version: Mapped[SurveyVersion] = relationship(back_populates="questions", overlaps="questions,section")
    section: Mapped[SurveySection] = relationship(back_populates="questions", overlaps="questions,version")
    options: Mapped[list[SurveyOption]] = relationship(back_populates="question", order_by="SurveyOption.position",
                                                 cascade="all, delete-orphan")
    # Shown only when every one of these holds (an XLSForm "relevant" joined with "and").
    conditions: Mapped[list[SurveyCondition]] = relationship(back_populates="question",
                                                             foreign_keys="SurveyCondition.question_id",
                                                       order_by="SurveyCondition.id", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return localised(self.label_vi, self.label_en)

    @property
    def hint(self) -> str:
        return localised(self.hint_vi, self.hint_en)

    def option(self, value: int) -> SurveyOption | None:
        for option in self.options:
            if option.value == value:
                return option
        return None

    def __repr__(self) -> str:
        return f"<SurveyQuestion {self.name} ({self.type})>"


class SurveyOption(db.Model):
    """A possible answer of a scale, rating, yes/no or choice question: an integer value stored in
    the answers, its labels, and whether it counts as satisfied (rated questions only).

    Scale values run from low to high: 1 (very unsatisfied) to 5 (very satisfied) on a 5-level
    scale, 1 to 3 on a 3-level one, 1 to 10 for a rating; yes is 1 and no is 0.
    """

    __tablename__ = "survey_options"
    __table_args__ = (UniqueConstraint("question_id", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    value: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    label_vi: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    # Counts as a satisfied answer in the index (e.g. the top two levels of a 5-level scale).
    satisfied: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[SurveyQuestion] = relationship(back_populates="options")

    @property
    def label(self) -> str:
        return localised(self.label_vi, self.label_en)


class SurveyCondition(db.Model):
    """Show ``question`` only when the earlier question ``depends_on`` was answered with ``value``
    (for a multiple choice: when ``value`` is among the options chosen). A question with several
    conditions is shown when all of them hold."""

    __tablename__ = "survey_conditions"
    __table_args__ = (UniqueConstraint("question_id", "depends_on_id", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    depends_on_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    value: Mapped[int] = mapped_column(Integer)

    question: Mapped[SurveyQuestion] = relationship(back_populates="conditions", foreign_keys=[question_id])
    depends_on: Mapped[SurveyQuestion] = relationship(foreign_keys=[depends_on_id])


class SurveyInvitation(db.Model):
    """A one-time invitation to answer, sent to the filer of an item once it was answered.

    Only the SHA-256 of its code is kept; the code travels in the message. It takes one answer.
    """

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    # The unit the answer is about: the one that answered the item.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set when the one answer it allows arrived.
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    survey = relationship("Survey")
    item = relationship("Item")
    unit = relationship("Unit")


class SurveyResponse(db.Model):
    """One person's answers to one version of a survey, about one unit (and maybe a procedure or an
    item). Anonymous: nothing about the sender is kept but a keyed hash of their address."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_survey_month_unit", "survey_id", "month", "unit_id"),
        Index("ix_survey_responses_unit_submitted", "unit_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    # The invitation it used, if any: one response per invitation.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("survey_invitations.id"), unique=True)
    # One of RESPONSE_CHANNELS.
    channel: Mapped[str] = mapped_column(String(16))
    # The language the person answered in.
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    # When the person answered (UTC); the month it counts for follows from it.
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # First day of the local month of submitted_at.
    month: Mapped[dt.date] = mapped_column(Date)
    # When the answer reached us (UTC); later than submitted_at for answers entered afterwards
    # (paper forms, a kiosk that was offline). Answers recorded after a month was frozen are late.
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # HMAC-SHA256 (keyed with the app's secret key) of the sender's network address, or of the API
    # account; never the address itself. Lets staff see floods without knowing who answered.
    sender_hash: Mapped[str] = mapped_column(String(64), default="")

    survey = relationship("Survey")
    version = relationship("SurveyVersion")
    unit = relationship("Unit")
    procedure = relationship("Procedure")
    item = relationship("Item")
    invitation = relationship("SurveyInvitation")
    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="response", order_by="SurveyAnswer.id",
                                                 cascade="all, delete-orphan")


class SurveyAnswer(db.Model):
    """One answer to one question (one row per option chosen for a multiple choice).

    ``value`` holds the option's integer for scales, ratings, yes/no and choices; ``text`` holds
    free text (staff read it; it is never published). ``satisfied`` is set only for rated
    questions. ``survey_id``, ``unit_id``, ``procedure_id`` and ``month`` repeat the response's,
    for the aggregations.
    """

    __tablename__ = "survey_answers"
    __table_args__ = (
        # The index per survey, month, unit and question, with what is counted, so that the
        # monthly figures can be read from the index alone.
        Index("ix_survey_answers_aggregate", "survey_id", "month", "unit_id", "question_id", "value", "satisfied"),
        Index("ix_survey_answers_question_month", "question_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    month: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question = relationship("SurveyQuestion")

    @property
    def answered_at(self) -> dt.datetime:
        """When the person answered (the response's ``submitted_at``)."""
        return self.response.submitted_at


def localised(vi: str, en: str) -> str:
    """The English text for English visitors when there is one; Vietnamese otherwise."""
    from flask import has_request_context
    from flask_babel import get_locale

    if en and has_request_context() and str(get_locale() or "vi") == "en":
        return en
    return vi


# --- published versions are frozen --------------------------------------------------------------


class FrozenVersion(Exception):
    """A published version's content was about to change: its answers would change meaning."""


FROZEN_MODELS = (SurveySection, SurveyQuestion, SurveyOption, SurveyCondition)


def _version_published(connection, version_id: int | None) -> bool:
    if version_id is None:
        return False
    table = SurveyVersion.__table__
    return connection.scalar(select(table.c.published_at).where(table.c.id == version_id)) is not None


@event.listens_for(SurveySection, "before_update")
@event.listens_for(SurveySection, "before_delete")
@event.listens_for(SurveyQuestion, "before_update")
@event.listens_for(SurveyQuestion, "before_delete")
@event.listens_for(SurveyOption, "before_update")
@event.listens_for(SurveyOption, "before_delete")
@event.listens_for(SurveyCondition, "before_update")
@event.listens_for(SurveyCondition, "before_delete")
@event.listens_for(SurveySection, "before_insert")
@event.listens_for(SurveyQuestion, "before_insert")
@event.listens_for(SurveyOption, "before_insert")
@event.listens_for(SurveyCondition, "before_insert")
def _refuse_changes_to_published_versions(_mapper, connection, target) -> None:
    if _version_published(connection, target.version_id):
        raise FrozenVersion(f"version {target.version_id} is published: its content cannot change")


@event.listens_for(SurveyVersion, "before_update")
def _refuse_changes_to_published_texts(_mapper, connection, version: SurveyVersion) -> None:
    """Of a published version, only ``retired_at`` may change (titles and intros are frozen too)."""
    from sqlalchemy import inspect

    state = inspect(version)
    if not _version_published(connection, version.id):
        return
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if changed - {"retired_at", "sections", "questions"}:
        raise FrozenVersion(f"version {version.id} is published: only its retirement may change")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """Bulk UPDATE and DELETE statements bypass the mapper events: refuse them on frozen content."""
    if (state.is_update or state.is_delete) and any(
            getattr(mapper, "class_", None) in FROZEN_MODELS for mapper in state.all_mappers):
        raise FrozenVersion("survey content is changed one row at a time, through the services")
