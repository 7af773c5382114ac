"""The reports' tables: frozen months, the figures frozen with them, answers that came late, the
targets set per unit, and the PDF reports made from a frozen month.

A frozen month keeps counts only (responses, rated answers, satisfied answers, the sum of scores,
free-text answers); the rate, the mean and the interval follow from them by fixed arithmetic
(:mod:`feedback.plugins.reports.index`), so that what was published can always be recomputed and
checked. The target in force when the month was frozen is kept with it: raising a target later
does not change an old month's gap.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from feedback.extensions import db
from feedback.storage import StoredBytes
from feedback.timeutil import UTCDateTime, utcnow

# The criterion key of the figures over every rated answer, whatever its criterion (the index).
ALL = "*"
# Scopes of a figure: a unit's own answers; the unit with its sub-units; a unit's answers about one procedure.
SCOPES = ("unit", "tree", "procedure")


class FigureCounts:
    """The counts of one criterion (or ``ALL``) of one unit, alone (``unit``), with its sub-units
    (``tree``) or about one procedure (``procedure``): a frozen month's and a running month's alike."""

    scope: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    criterion: Mapped[str] = mapped_column(String(40))
    # People who gave at least one rated answer of this criterion.
    responses: Mapped[int] = mapped_column(Integer)
    # Rated answers, those that were satisfied, and the sum of their scores on a 1-5 scale.
    answers: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[float] = mapped_column(Float)
    # Free-text answers (counted, never published); on ALL rows only, else 0.
    texts: Mapped[int] = mapped_column(Integer, default=0)
    # The unit's target when the month was counted (frozen, for a frozen month).
    target: Mapped[float] = mapped_column(Float)


class SurveyMonth:
    """A survey's month as counted: its first local day, the responses counted in it and the
    versions of the survey they answered ("1, 2"); one row per survey and month."""

    @declared_attr.directive
    def __table_args__(cls):  # noqa: N805 - a declared attribute takes the class
        return (UniqueConstraint("survey_id", "month"),)  # one constraint per table

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    # First day of the local month.
    month: Mapped[dt.date] = mapped_column(Date)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    versions: Mapped[str] = mapped_column(String(100), default="")


class ReportMonth(SurveyMonth, db.Model):
    """One survey's month, frozen: from then on its figures are read from ``reports_figures``."""

    __tablename__ = "reports_months"

    frozen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The minimum of responses a figure needed to be published and ranked when it was frozen.
    min_sample: Mapped[int] = mapped_column(Integer)

    survey = relationship("Survey")


class ReportFigure(FigureCounts, db.Model):
    """The counts of one criterion (or ``ALL``) of one unit (alone, with its sub-units, or about one
    procedure) in a frozen month."""

    __tablename__ = "reports_figures"
    __table_args__ = (
        Index("ix_reports_figures_month_scope", "month_id", "scope", "unit_id"),
        Index("ix_reports_figures_unit", "unit_id", "scope", "month_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("reports_months.id"))

    month = relationship("ReportMonth")


class LateResponses(db.Model):
    """Responses about a frozen month that reached us after it was frozen (paper forms entered later,
    a kiosk that was offline): counted when they arrive, never added to the frozen figures."""

    __tablename__ = "reports_late_responses"
    __table_args__ = (UniqueConstraint("month_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("reports_months.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    responses: Mapped[int] = mapped_column(Integer, default=0)


class UnitTarget(db.Model):
    """A unit's own target for its satisfaction rate (e.g. 0.98), instead of ``REPORTS_TARGET``."""

    __tablename__ = "reports_unit_targets"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    target: Mapped[float] = mapped_column(Float)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")


class ReportDocument(db.Model):
    """The PDF report of a frozen month, for the province (``unit_id`` NULL) or a unit, made once."""

    __tablename__ = "reports_documents"
    __table_args__ = (UniqueConstraint("month_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("reports_months.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    pdf: Mapped[bytes] = mapped_column(StoredBytes)


class RunningMonth(SurveyMonth, db.Model):
    """A survey's month not frozen yet, counted by ``flask tick`` (at most every
    REPORTS_LIVE_REFRESH_MINUTES): requests read its figures, never the answers. Removed when the
    month is frozen."""

    __tablename__ = "reports_running_months"

    # The moment the answers were counted: every answer recorded before it is in the figures.
    counted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RunningFigure(FigureCounts, db.Model):
    """The counts of one criterion of one unit (alone, with its sub-units, or about one procedure) in
    a month not frozen yet, as ``ReportFigure`` keeps them for a frozen month."""

    __tablename__ = "reports_running_figures"
    __table_args__ = (Index("ix_reports_running_figures_month_scope", "month_id", "scope", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("reports_running_months.id", ondelete="CASCADE"))
