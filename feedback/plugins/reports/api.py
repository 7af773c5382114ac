"""GET /api/v1/surveys/{ref}/results: the satisfaction index of a month, as JSON, CSV or XLSX (public)."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint

from feedback import exports
from feedback.plugins.reports import downloads, results

bp = Blueprint("api_reports", __name__, url_prefix="/api/v1/surveys",
               description="The satisfaction index: results of a month per criterion and overall (public)")


class ResultsQuery(ma.Schema):
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=32),
                            metadata={"description": "Unit code; empty: every unit of the province"})
    period = ma.fields.String(load_default="", validate=ma.validate.Length(max=7), metadata={
        "description": "The month, YYYY-MM; empty: the latest frozen month", "example": "2026-10"})
    subunits = ma.fields.Boolean(load_default=True, metadata={
        "description": "With `unit`: count its sub-units' answers too (default) or only its own"})
    procedure = ma.fields.String(load_default="", validate=ma.validate.Length(max=64),
                                 metadata={"description": "Procedure code: only the answers about it"})


class FigureOut(ma.Schema):
    criterion = ma.fields.String(required=True, metadata={"description": "Criterion key; `*` for every rated answer"})
    label = ma.fields.String(metadata={"description": "Name of the criterion (per criterion only)"})
    responses = ma.fields.Integer(required=True, metadata={"description": "People who gave a rated answer"})
    answers = ma.fields.Integer(required=True, metadata={"description": "Rated answers counted"})
    satisfied = ma.fields.Integer(required=True, metadata={"description": "Rated answers that were satisfied"})
    satisfaction_rate = ma.fields.Float(required=True, allow_none=True,
                                        metadata={"description": "satisfied / answers, 0 to 1; null without answers"})
    ci_low = ma.fields.Float(required=True, allow_none=True, metadata={"description": "95% Wilson interval, low"})
    ci_high = ma.fields.Float(required=True, allow_none=True, metadata={"description": "95% Wilson interval, high"})
    mean = ma.fields.Float(required=True, allow_none=True, metadata={"description": "Mean score on a 1-5 scale"})
    target = ma.fields.Float(required=True, allow_none=True, metadata={"description": "The target rate, 0 to 1"})
    gap = ma.fields.Float(required=True, allow_none=True, metadata={"description": "Rate minus target"})
    enough_answers = ma.fields.Boolean(required=True, metadata={
        "description": "At least `min_sample` people answered; public pages show no figure otherwise"})
    frozen = ma.fields.Boolean(required=True, metadata={"description": "From the month's frozen snapshot"})


class PlaceOut(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class SurveyRef(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)


class ResultsOut(ma.Schema):
    survey = ma.fields.Nested(SurveyRef, required=True)
    period = ma.fields.String(required=True, metadata={"example": "2026-10"})
    unit = ma.fields.Nested(PlaceOut, allow_none=True, required=True)
    subunits = ma.fields.Boolean(required=True)
    procedure = ma.fields.Nested(PlaceOut, allow_none=True, required=True)
    frozen = ma.fields.Boolean(required=True, metadata={
        "description": "The month is frozen (published); otherwise figures are live and may change"})
    frozen_at = ma.fields.DateTime(allow_none=True, required=True)
    counted_at = ma.fields.DateTime(allow_none=True, required=True, metadata={
        "description": "A month not frozen: when its running figures were counted (every answer recorded before "
                       "is in them; they are counted again every few minutes); null when frozen or not counted yet"})
    versions = ma.fields.String(allow_none=True, required=True,
                                metadata={"description": "Versions of the survey the month's answers come from"})
    min_sample = ma.fields.Integer(required=True)
    late_responses = ma.fields.Integer(required=True, metadata={
        "description": "Responses about this month that arrived after it was frozen: not in the figures"})
    free_text_answers = ma.fields.Integer(required=True, metadata={"description": "Counted, never published"})
    overall = ma.fields.Nested(FigureOut, required=True, metadata={"description": "Every rated answer"})
    criteria = ma.fields.List(ma.fields.Nested(FigureOut), required=True)


def _results(ref, query) -> results.Results:
    survey = results.find_survey(ref)
    return results.results(survey, results.parse_period(query["period"]), unit=results.find_unit(query["unit"]),
                           subunits=query["subunits"], procedure=results.find_procedure(query["procedure"]))


@bp.route("/<ref>/results", methods=["GET"])
@bp.arguments(ResultsQuery, location="query")
@bp.response(200, ResultsOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def show(query, ref):
    """The index of a month per criterion and overall, for the province, a unit or a procedure.

    Figures are given even below the minimum sample, with `enough_answers` false. A month not frozen
    yet gives its running figures, counted from the answers every few minutes (`counted_at`)."""
    return _results(ref, query).as_dict()


@bp.route("/<ref>/results.<any(csv, xlsx):fmt>", methods=["GET"])
@bp.arguments(ResultsQuery, location="query")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@bp.doc(responses={"200": {"description": "The same figures as `results`, one row per criterion and one overall",
                           "content": {"text/csv": {}, exports.MIMETYPES["xlsx"]: {}}}})
def download(query, ref, fmt):
    """The same results as CSV or XLSX."""
    found = _results(ref, query)
    return exports.download(fmt, downloads.file_name(found), downloads.results_rows(found))
