"""Public pages of the satisfaction index: the province's month, a unit's month, downloads, the
PDF report, and the unit scorecard. Only frozen (published) months are shown; no JavaScript."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_babel import gettext as _
from markupsafe import Markup

from feedback import exports
from feedback.charts import format_category
from feedback.errors import NotFound
from feedback.plugins.reports import documents, downloads, results, shown
from feedback.plugins.reports.cache import remembered
from feedback.plugins.reports.models import ReportMonth
from feedback.surveys.models import Survey
from feedback.transaction import run
from feedback.units.models import Unit

bp = Blueprint("reports", __name__, template_folder="templates")

DIALOGUE_MONTHS = 6  # every unit holds a dialogue every six months (DOMAIN)


@bp.context_processor
def helpers():
    return {"percent": shown.percent, "month_label": format_category}


def _survey(code: str) -> Survey:
    return results.find_survey(code)


def _month(survey: Survey, months: list[ReportMonth] | None = None) -> ReportMonth:
    """The frozen month asked for (``period``), by default the latest one; NotFound if not published.
    ``months``: the survey's frozen months, newest first, when the caller has them."""
    wanted = results.parse_period(request.args.get("period"))
    if months is not None:
        month = next((each for each in months if each.month == wanted), None) if wanted else \
            (months[0] if months else None)
    else:
        month = results.frozen_month(survey, wanted) if wanted else results.latest_frozen(survey)
    if month is None:
        raise NotFound(_("The results of this month are not published yet: they are published on the first working "
                         "day of the next month."))
    return month


def _unit(code: str) -> Unit:
    return results.find_unit(code)


def _subunits() -> bool:
    return request.args.get("subunits", "1") not in ("0", "false", "no")


@bp.route("/results")
def index():
    """The surveys with published results; straight to the main survey's latest month when it has one."""
    survey = results.default_survey()
    if survey is not None and results.latest_frozen(survey) is not None:
        return redirect(url_for("reports.province", survey=survey.code))
    from sqlalchemy import select

    from feedback.extensions import db

    published = list(db.session.scalars(select(Survey).where(Survey.id.in_(select(ReportMonth.survey_id)))
                                        .order_by(Survey.code)))
    return render_template("reports/index.html", surveys=published)


@bp.route("/results/<survey>")
def province(survey: str):
    """The province's month. Its body is made once per process, language and count of late answers:
    the snapshot it is read from never changes. For a visitor who is not signed in and has no
    message waiting, the whole page is kept too (its layout depends on nothing else but the query,
    which must then hold nothing but ``period`` and ``lang``)."""
    found = _survey(survey)
    months, late_to = results.frozen_months_and_late(found)
    month = _month(found, months)
    late = late_to[month.id]
    target = float(current_app.config["REPORTS_TARGET"])
    key = ("province", found.id, month.id, month.frozen_at, months[0].id, str(get_locale()), late, target)

    def page() -> str:
        # Our own template's output, escaped by Jinja when it was rendered.
        body = remembered(key, lambda: Markup(render_template("reports/_province.html",  # nosec B704
                                                              **_province(found, month, months, target))))
        return render_template("reports/province.html", survey=found, month=month, body=body)

    if current_user.is_authenticated or session.get("_flashes") or not set(request.args) <= {"period", "lang"}:
        return page()
    return remembered((*key, "page", request.args.get("period"), request.args.get("lang"),
                       current_app.config.get("AUTHORITY_NAME")), page)


def _province(found: Survey, month: ReportMonth, months: list[ReportMonth], target: float) -> dict:
    month_figures = results.province_month(found, month)
    criteria = [(key, label, month_figures["province"][key]) for key, label in month_figures["labels"].items()]
    return dict(survey=found, month=month, shown=month_figures, target=target, criteria=criteria,
                overall=month_figures["province"]["*"], months=months,
                ranking=shown.ranking_chart(month_figures, target), criteria_chart=shown.criteria_chart(criteria, target))


@bp.route("/results/<survey>/units/<unit>")
def unit(survey: str, unit: str):
    found = _survey(survey)
    month = _month(found)
    place = _unit(unit)
    subunits = _subunits() and bool(place.children)
    figures = results.results(found, month.month, unit=place, subunits=subunits)
    trend = results.unit_trend(found, place, subunits)
    return render_template(
        "reports/unit.html", survey=found, month=month, unit=place, figures=figures, subunits=subunits,
        months=results.frozen_months(found), procedures=results.unit_procedures(month, place),
        criteria_chart=shown.criteria_chart(figures.criteria, figures.target),
        trend=shown.trend_chart(trend, figures.target) if trend else None)


@bp.route("/results/<survey>/download.<any(csv, xlsx, json):fmt>")
def download(survey: str, fmt: str):
    """The province's month: every unit's figures (CSV, XLSX, JSON); XLSX and JSON add the criteria."""
    found = _survey(survey)
    month = _month(found)
    units = downloads.unit_rows(results.province_month(found, month))
    totals = downloads.results_rows(results.results(found, month.month))
    name = f"{found.code}-province-{month.month:%Y-%m}"
    return exports.download(fmt, name, units, sheets=[units, totals], document={
        "survey": found.code, "period": month.month.strftime("%Y-%m"), "frozen_at": month.frozen_at,
        "min_sample": month.min_sample, "late_responses": results.late_responses(month), "province": totals,
        "units": units})


@bp.route("/results/<survey>/units/<unit>/download.<any(csv, xlsx, json):fmt>")
def unit_download(survey: str, unit: str, fmt: str):
    """A unit's month, overall and per criterion (the API's results as a file)."""
    found = _survey(survey)
    month = _month(found)
    place = _unit(unit)
    figures = results.results(found, month.month, unit=place, subunits=_subunits() and bool(place.children))
    rows = downloads.results_rows(figures)
    return exports.download(fmt, downloads.file_name(figures), rows, document={
        "survey": found.code, "period": month.month.strftime("%Y-%m"), "unit": place.code,
        "subunits": figures.subunits, "late_responses": figures.late_responses, "criteria": rows})


@bp.route("/results/<survey>/report.pdf")
def report(survey: str):
    """The month's report in the state document format, for the province or ``?unit=CODE``."""
    found = _survey(survey)
    month = _month(found)
    place = _unit(request.args.get("unit", "")) if request.args.get("unit") else None
    pdf = run(lambda: documents.report_pdf(found, month, place))
    response = current_app.response_class(pdf, mimetype="application/pdf")
    name = f"{found.code}-{place.code if place else 'province'}-{month.month:%Y-%m}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.route("/scorecard/<unit>")
def scorecard(unit: str):
    """One unit side by side: answers on time, satisfaction, dialogues held."""
    place = _unit(unit)
    survey = results.default_survey()
    month = None
    if survey is not None:
        wanted = results.parse_period(request.args.get("period"))
        month = results.frozen_month(survey, wanted) if wanted else results.latest_frozen(survey)
        if wanted and month is None:
            raise NotFound(_("The results of this month are not published yet: they are published on the first "
                             "working day of the next month."))
    figures = results.results(survey, month.month, unit=place, subunits=False) if month else None
    from feedback.timeutil import local_today

    period = month.month if month else local_today().replace(day=1)
    others = shown.scorecard_figures(place, period, DIALOGUE_MONTHS)
    return render_template("reports/scorecard.html", unit=place, survey=survey, month=month, figures=figures,
                           period=period, others=others, months=results.frozen_months(survey) if survey else [])
