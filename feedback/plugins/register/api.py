"""GET /api/v1/register (search the public register) and POST /api/v1/items/{code}/rating (the filer's rating)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from feedback.items import services as items
from feedback.items.models import KINDS, TOPICS
from feedback.items.states import STATUSES
from feedback.plugins.register import services
from feedback.ratelimit import limited
from feedback.transaction import run

register_bp = Blueprint("api_register", __name__, url_prefix="/api/v1/register",
                        description="The public register of items and answers (public)")
rating_bp = Blueprint("api_register_rating", __name__, url_prefix="/api/v1/items",
                      description="The filer's rating of an answer")


class RegisterQuery(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=services.Q_MAX),
                         metadata={"description": "Words, with or without Vietnamese accents, or a tracking code"})
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=64), metadata={"description": "Unit code"})
    field = ma.fields.String(load_default="", validate=ma.validate.Length(max=200),
                             metadata={"description": "Field (lĩnh vực) of the procedure"})
    procedure = ma.fields.String(load_default="", validate=ma.validate.Length(max=64), metadata={"description": "Procedure code"})
    kind = ma.fields.String(load_default="", validate=ma.validate.OneOf([""] + list(KINDS)))
    topic = ma.fields.String(load_default="", validate=ma.validate.OneOf([""] + list(TOPICS)))
    status = ma.fields.String(load_default="", validate=ma.validate.OneOf([""] + list(STATUSES)))
    timeliness = ma.fields.String(load_default="", validate=ma.validate.OneOf(["", *services.TIMELINESS]))
    date_from = ma.fields.Date(data_key="from", load_default=None, metadata={"description": "Received from (local day)"})
    date_to = ma.fields.Date(data_key="to", load_default=None, metadata={"description": "Received until (local day)"})
    sort = ma.fields.String(load_default="received_desc", validate=ma.validate.OneOf(list(services.SORTS)))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500), metadata={"description": "`next` of the previous page"})
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class RegisterUnit(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class RegisterProcedure(RegisterUnit):
    field = ma.fields.String(allow_none=True)


class RegisterAnswer(ma.Schema):
    body = ma.fields.String(required=True, allow_none=True,
                            metadata={"description": "Personal data masked; null while staff review its public text"})
    published_at = ma.fields.DateTime(required=True)
    unit = ma.fields.String(allow_none=True)
    head_name = ma.fields.String(allow_none=True)
    head_title = ma.fields.String(allow_none=True)


class RegisterItem(ma.Schema):
    code = ma.fields.String(required=True)
    kind = ma.fields.String()
    topic = ma.fields.String()
    status = ma.fields.String()
    unit = ma.fields.Nested(RegisterUnit, allow_none=True)
    procedure = ma.fields.Nested(RegisterProcedure, allow_none=True)
    title = ma.fields.String(allow_none=True, metadata={"description": "Only when the filer agreed, once staff reviewed it; "
                                                                        "personal data masked"})
    body = ma.fields.String(allow_none=True, metadata={"description": "Only when the filer agreed, once staff reviewed it; "
                                                                        "personal data masked"})
    received_at = ma.fields.DateTime()
    due_at = ma.fields.DateTime(allow_none=True)
    deadline_days = ma.fields.Integer(allow_none=True)
    responded_at = ma.fields.DateTime(allow_none=True)
    overdue = ma.fields.Boolean()
    late = ma.fields.Boolean(allow_none=True, metadata={"description": "Answered late or open past the deadline; "
                                                                        "null when closed without an answer"})
    late_days = ma.fields.Integer(metadata={"description": "Working days past the deadline"})
    extended = ma.fields.Boolean()
    transferred = ma.fields.Boolean()
    response = ma.fields.Nested(RegisterAnswer, allow_none=True)
    rating = ma.fields.String(allow_none=True, metadata={"description": "`satisfied`, `unsatisfied` or null"})
    text_awaiting_review = ma.fields.Boolean(metadata={"description": "The filer agreed to publish the text, "
                                                                      "which waits for a staff review"})
    answer_awaiting_review = ma.fields.Boolean(metadata={"description": "The answer is published; its public "
                                                                        "text waits for a staff review"})


class RegisterPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RegisterItem), required=True)
    next = ma.fields.String(allow_none=True, metadata={"description": "Pass as `cursor` for the next page"})


class RatingIn(ma.Schema):
    access_key = ma.fields.String(required=True, validate=ma.validate.Length(max=100),
                                  metadata={"description": "The filer's private access key, given at filing"})
    satisfied = ma.fields.Boolean(required=True)
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=services.COMMENT_MAX),
                               metadata={"description": "Seen by staff only"})


class RatingOut(ma.Schema):
    code = ma.fields.String(required=True)
    satisfied = ma.fields.Boolean(required=True)
    outcome = ma.fields.String(required=True, metadata={"description": "`reopened`, `escalated` or empty"})
    status = ma.fields.String(required=True, metadata={"description": "The item's status after the rating"})


@register_bp.route("", methods=["GET"])
@register_bp.arguments(RegisterQuery, location="query")
@register_bp.response(200, RegisterPage)
@register_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def index(query):
    """Search the public register: the same filters as the page, `q` ignores accents and case, keyset pages."""
    cursor, limit = query.pop("cursor"), query.pop("limit")
    entries, next_cursor = services.search(services.RegisterFilters(**query), cursor, limit)
    return {"items": services.views_of(entries), "next": next_cursor}


@rating_bp.route("/<code>/rating", methods=["POST"])
@limited("RATELIMIT_LOOKUP")
@rating_bp.arguments(RatingIn)
@rating_bp.response(201, RatingOut)
@rating_bp.alt_response(403, response="FORBIDDEN")
@rating_bp.alt_response(404, response="NOT_FOUND")
@rating_bp.alt_response(409, response="CONFLICT")
@rating_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@rating_bp.alt_response(429, response="TOO_MANY_REQUESTS")
def rate(body, code):
    """The filer rates the published answer once, with the access key; not satisfied reopens or escalates the item."""
    from feedback.errors import Forbidden
    from flask_babel import gettext as _

    item = items.find_item(code)
    if not run(lambda: items.prove_filer(item, key=body["access_key"])):
        raise Forbidden(_("The access key does not match this item."), {"access_key": _("Not the key of this item.")})
    rating = run(lambda: services.rate(item, body["satisfied"], body["comment"]))
    return {"code": item.code, "satisfied": rating.satisfied, "outcome": rating.outcome, "status": item.status}
