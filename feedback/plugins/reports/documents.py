"""The monthly report as a PDF in the state document format (Decree 30/2020), through the core's
one door to PDFs (feedback.documents). A frozen month's report never changes, so it is made once
and kept (``reports_documents``); late answers are told as of when it was made."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedback import documents
from feedback.extensions import db
from feedback.plugins.reports import results, shown
from feedback.plugins.reports.models import ReportDocument, ReportMonth
from feedback.surveys.models import Survey
from feedback.timeutil import LOCAL_TZ, utcnow
from feedback.units.models import Unit


def report_pdf(survey: Survey, month: ReportMonth, unit: Unit | None) -> bytes:
    """The PDF of ``month`` for ``unit`` (None: the province), made the first time it is asked for
    and kept (the caller commits)."""
    query = select(ReportDocument.pdf).where(ReportDocument.month_id == month.id)
    query = query.where(ReportDocument.unit_id.is_(None) if unit is None else ReportDocument.unit_id == unit.id)
    kept = db.session.scalar(query.limit(1))
    if kept is not None:
        return kept
    pdf = render(survey, month, unit)
    try:
        with db.session.begin_nested():
            db.session.add(ReportDocument(month_id=month.id, unit_id=unit.id if unit else None, made_at=utcnow(),
                                         pdf=pdf))
    except IntegrityError:
        pass  # made at the same moment by another request: theirs is the same
    return pdf


def _province_unit(survey: Survey) -> Unit | None:
    if survey.unit is not None:
        return survey.unit
    return db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))


def render(survey: Survey, month: ReportMonth, unit: Unit | None) -> bytes:
    """State documents are written in Vietnamese, whatever the visitor's language."""
    with force_locale("vi"):
        issuer = unit or _province_unit(survey)
        subunits = unit is not None and bool(unit.children)
        figures = results.results(survey, month.month, unit=unit, subunits=subunits)
        province = results.province_month(survey, month) if unit is None else None
        target = figures.target if figures.target is not None else float(current_app.config["REPORTS_TARGET"])
        trend = results.unit_trend(survey, unit, subunits) if unit is not None else []
        head = issuer.head if issuer is not None else None
        return documents.render_pdf(
            "reports/report.html", survey=survey, month=month, unit=unit, issuer=issuer, figures=figures,
            province=province, subunits=subunits, head=head,
            place=documents.place_name(issuer) if issuer is not None else None,
            day=month.frozen_at.astimezone(LOCAL_TZ).date(),
            ranking=shown.ranking_chart(province, target) if province else None,
            criteria_chart=shown.criteria_chart(figures.criteria, target, chart_id="criteria"),
            trend=shown.trend_chart(trend, target) if len(trend) > 1 else None, percent=shown.percent)
