"""API v1 for surveys: the open surveys, their questions, and answering them."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from feedback.api.core import bearer_user, unauthorized
from feedback.errors import Invalid
from feedback.ratelimit import limited
from feedback.surveys import builder, services
from feedback.transaction import run

bp = Blueprint("api_surveys", __name__, url_prefix="/api/v1/surveys",
               description="Satisfaction surveys: their questions, and answering them (public)")


class SurveySummary(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"example": "sipas", "description": "The name in public links"})
    title = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True, metadata={"description": "Number of the version people answer now"})
    version_id = ma.fields.Integer(required=True, metadata={"description": "Its id (send it as `version`)"})
    unit = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "The unit whose units run it (with its sub-units); null: every unit"})


def summary(survey) -> dict:
    version = survey.published
    return {"id": survey.id, "code": survey.code, "title": version.title, "version": version.number,
            "version_id": version.id, "unit": survey.unit.code if survey.unit else None}


class SurveyList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SurveySummary), required=True)


class OptionOut(ma.Schema):
    value = ma.fields.Integer(required=True, metadata={"description": "The integer to send; scales run from low "
                                                                      "(1, very unsatisfied) to high"})
    label = ma.fields.String(required=True)
    satisfied = ma.fields.Boolean(required=True, metadata={"description": "Counts as satisfied in the index "
                                                                          "(rated questions only)"})


class ConditionOut(ma.Schema):
    question = ma.fields.Integer(attribute="depends_on_id", required=True,
                                 metadata={"description": "Id of an earlier question"})
    value = ma.fields.Integer(required=True, metadata={"description": "The value that question must have been "
                                                                      "given (or among those chosen)"})


class QuestionOut(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "The key of its answer in `answers`"})
    name = ma.fields.String(required=True, metadata={"description": "Stable name across versions"})
    type = ma.fields.String(required=True, metadata={
        "description": "scale5, scale3, single, rating10, yes_no: one option value (integer); multiple: a list of "
                       "option values; short_text (up to 200 characters), long_text (up to 2000): a string; or "
                       "a type a plugin adds"})
    required = ma.fields.Boolean(required=True, metadata={"description": "Must be answered when shown"})
    rated = ma.fields.Boolean(required=True, metadata={"description": "Counted in the satisfaction index"})
    label = ma.fields.String(required=True)
    hint = ma.fields.String(required=True)
    options = ma.fields.List(ma.fields.Nested(OptionOut), required=True)
    show_if = ma.fields.List(ma.fields.Nested(ConditionOut), attribute="conditions", required=True, metadata={
        "description": "Shown (and answerable) only when all of these hold; an answer to a hidden question is "
                       "refused"})


class SectionOut(ma.Schema):
    criterion = ma.fields.String(required=True, metadata={"example": "civil_servant"})
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    questions = ma.fields.List(ma.fields.Nested(QuestionOut), required=True)


class SurveyOut(SurveySummary):
    intro = ma.fields.String(required=True)
    sections = ma.fields.List(ma.fields.Nested(SectionOut), required=True)


class ResponseIn(ma.Schema):
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=32),
                            metadata={"description": "Code of the unit the answers are about (not with `code`)"})
    procedure = ma.fields.String(load_default="", validate=ma.validate.Length(max=64),
                                 metadata={"description": "Code of the procedure, if any"})
    item = ma.fields.String(load_default="", validate=ma.validate.Length(max=40),
                            metadata={"description": "Tracking code of an item of that unit, if the answers are "
                                                     "about it"})
    code = ma.fields.String(load_default="", validate=ma.validate.Length(max=services.CODE_INPUT_MAX),
                            metadata={"description": "A one-time invitation code (it names the unit and the item)"})
    version = ma.fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "`version_id` of the questions you show; a newer version is refused with 409"})
    # Each answer's own limits are its question type's (feedback.surveys.types); here only how many.
    answers = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=12)),
                             values=ma.fields.Raw(allow_none=True), required=True,
                             validate=ma.validate.Length(max=builder.QUESTIONS_MAX),
                             metadata={"description": "Question id → answer", "example": {"12": 5, "13": [1, 3],
                                                                                            "14": "Cần thêm ghế"}})
    submitted_at = ma.fields.AwareDateTime(metadata={"description": "Staff only (bearer token): when a paper form "
                                                                    "was filled in, up to 92 days ago"})


class ResponseCreated(ma.Schema):
    id = ma.fields.Integer(required=True)
    survey = ma.fields.Function(lambda response: response.survey.code, metadata={"type": "string"})
    version = ma.fields.Function(lambda response: response.version.number, metadata={"type": "integer"})
    unit = ma.fields.Function(lambda response: response.unit.code, metadata={"type": "string"})
    channel = ma.fields.String(required=True)
    submitted_at = ma.fields.DateTime(required=True)
    month = ma.fields.Date(required=True, metadata={"description": "First day of the local month it counts for"})
    answers = ma.fields.Function(lambda response: len(response.answers), metadata={
        "type": "integer", "description": "Rows stored (one per option chosen of a multiple choice)"})


def _has_valid_token() -> bool:
    return bearer_user() is not None


@bp.route("", methods=["GET"])
@bp.response(200, SurveyList)
def index():
    """The surveys people can answer now."""
    return {"items": [summary(survey) for survey in services.active_surveys()]}


@bp.route("/<ref>", methods=["GET"])
@bp.response(200, SurveyOut)
@bp.alt_response(404, response="NOT_FOUND")
def show(ref):
    """A survey's current version: sections (criteria) and questions with their options; `ref` is the id or code."""
    survey = services.open_survey(ref)
    version = services.load_version(survey.published.id)
    return {**summary(survey), "intro": version.intro, "sections": version.sections}


@bp.route("/<ref>/responses", methods=["POST"])
@limited("RATELIMIT_SURVEY", exempt_when=_has_valid_token)
@bp.arguments(ResponseIn)
@bp.response(201, ResponseCreated)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.doc(security=[{}, {"bearerAuth": []}])
def respond(body, ref):
    """Answer a survey about a unit (or with an invitation `code`). Refusals name the field, e.g. `answers.12`."""
    actor = None
    if request.headers.get("Authorization"):
        actor = bearer_user()
        if actor is None:
            raise unauthorized()
    elif body.get("submitted_at") is not None:
        raise Invalid(_("Only staff can date answers given earlier."),
                      {"submitted_at": _("Only staff can set this.")})
    survey = services.open_survey(ref)
    answering = services.Answering(
        survey=survey, unit=body["unit"], procedure=body["procedure"], item=body["item"], code=body["code"],
        version=body["version"], answers=body["answers"], source="json", channel="api",
        locale=_request_locale(), submitted_at=body.get("submitted_at"),
        sender=f"account:{actor.id}" if actor is not None else (request.remote_addr or ""))
    return run(lambda: services.submit_response(answering))


def _request_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "vi")

