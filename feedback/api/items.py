"""API v1 for items: filing, the public view, the staff list and the state machine."""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from feedback.api.core import bearer_user, token_required
from feedback.errors import Invalid
from feedback.items import services
from feedback.items.models import CHANNELS, KINDS, STAFF_CHANNELS, TOPICS
from feedback.items.states import ACTIONS, STATUSES
from feedback.ratelimit import limited
from feedback.transaction import run

bp = Blueprint("api_items", __name__, url_prefix="/api/v1/items", description="Complaints and petitions")

CONTACT_FIELDS = ("name", "phone", "email", "address")
# Codes of units, procedures and items; the signed cursor of a page.
CODE_MAX, CURSOR_MAX = 64, 500


class ContactIn(ma.Schema):
    name = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    phone = ma.fields.String(load_default="", validate=ma.validate.Length(max=30),
                             metadata={"description": "A Vietnamese number: 0912345678, +84912345678, 02438251234"})
    email = ma.fields.String(load_default="", validate=ma.validate.Length(max=255))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    notify = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(["sms", "email"])),
                            load_default=lambda: ["sms", "email"],
                            metadata={"description": "Channels the filer wants news on"})


class ItemIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(KINDS)))
    topic = ma.fields.String(required=True, validate=ma.validate.OneOf(list(TOPICS)))
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=CODE_MAX), metadata={"description": "Code of the unit; may be left out when the "
                                                                       "procedure implies it or the filer does not know"})
    procedure = ma.fields.String(load_default="", validate=ma.validate.Length(max=CODE_MAX), metadata={"description": "Code of the procedure"})
    title = ma.fields.String(required=True, validate=ma.validate.Length(max=services.TITLE_MAX))
    body = ma.fields.String(required=True, validate=ma.validate.Length(max=services.BODY_MAX))
    contact = ma.fields.Nested(ContactIn, load_default=dict)
    consent = ma.fields.Boolean(load_default=False, metadata={
        "description": "The filer agreed that the contact data be used to handle the item and tell them about it"})
    publish = ma.fields.Boolean(load_default=False, metadata={
        "description": "The title and text may be published once personal data is removed"})
    channel = ma.fields.String(validate=ma.validate.OneOf(list(STAFF_CHANNELS) + ["web", "kiosk", "api"]), metadata={
        "description": "Staff only (bearer token): how the item arrived"})
    received_at = ma.fields.AwareDateTime(metadata={"description": "Staff only: when the item really arrived; not in "
                                                                    "the future"})


class ItemCreated(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "PA-26-7K4Q-9M2X"})
    access_key = ma.fields.String(required=True, metadata={"description": "The filer's private key: give it to them"})
    status = ma.fields.String(required=True)
    unit = ma.fields.String(allow_none=True, required=True)
    received_at = ma.fields.DateTime(required=True)
    due_at = ma.fields.DateTime(allow_none=True, required=True)
    deadline_days = ma.fields.Integer(allow_none=True, required=True)


class Named(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class PublicResponse(ma.Schema):
    body = ma.fields.String(required=True, allow_none=True,
                            metadata={"description": "Personal data masked; null while staff review its public text"})
    published_at = ma.fields.DateTime(required=True)
    unit = ma.fields.String(allow_none=True)
    head_name = ma.fields.String(allow_none=True, metadata={"description": "The head who approved the answer"})
    head_title = ma.fields.String(allow_none=True)


class PublicEvent(ma.Schema):
    action = ma.fields.String(required=True)
    at = ma.fields.DateTime(required=True)
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    unit = ma.fields.String(allow_none=True)
    to_unit = ma.fields.String(allow_none=True, metadata={"description": "For escalate: the unit it went up to"})
    reason = ma.fields.String(allow_none=True)


class Holding(ma.Schema):
    unit = ma.fields.String(allow_none=True)
    unit_code = ma.fields.String(allow_none=True)
    task = ma.fields.String(required=True, metadata={"description": "`routing` (the reception desk) or `answer`"})
    status = ma.fields.String(required=True, metadata={"description": "open, met, superseded (passed on), cancelled"})
    start_at = ma.fields.DateTime(required=True)
    ended_at = ma.fields.DateTime(allow_none=True)
    due_at = ma.fields.DateTime(required=True)
    days = ma.fields.Integer(required=True)
    working_days = ma.fields.Integer(required=True, metadata={"description": "Working days the unit held it"})
    late = ma.fields.Boolean(required=True, metadata={"description": "Late when it ended (or overdue, if open)"})


class PublicItem(ma.Schema):
    code = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    topic = ma.fields.String(required=True)
    channel = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    unit = ma.fields.Nested(Named, allow_none=True)
    procedure = ma.fields.Nested(Named, allow_none=True)
    title = ma.fields.String(allow_none=True, metadata={"description": "Only when the filer agreed, once staff reviewed it; "
                                                                        "personal data masked"})
    body = ma.fields.String(allow_none=True, metadata={"description": "Only when the filer agreed, once staff reviewed it; "
                                                                        "personal data masked"})
    received_at = ma.fields.DateTime(required=True)
    due_at = ma.fields.DateTime(allow_none=True)
    deadline_days = ma.fields.Integer(allow_none=True)
    responded_at = ma.fields.DateTime(allow_none=True)
    overdue = ma.fields.Boolean(required=True)
    original = ma.fields.String(allow_none=True, metadata={"description": "Code of the item this one was merged into"})
    response = ma.fields.Nested(PublicResponse, allow_none=True)
    timeline = ma.fields.List(ma.fields.Nested(PublicEvent), required=True)
    story = ma.fields.List(ma.fields.Nested(Holding), metadata={"description": "Each unit that held the item"})


class StaffItem(ma.Schema):
    code = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    topic = ma.fields.String(required=True)
    channel = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    unit = ma.fields.Function(lambda item: item.unit.code if item.unit else None, allow_none=True,
                              metadata={"type": "string", "nullable": True})
    procedure = ma.fields.Function(lambda item: item.procedure.code if item.procedure else None, allow_none=True,
                                   metadata={"type": "string", "nullable": True})
    assignee = ma.fields.Function(lambda item: item.assignee.email if item.assignee else None, allow_none=True,
                                  metadata={"type": "string", "nullable": True})
    title = ma.fields.String(required=True)
    received_at = ma.fields.DateTime(required=True)
    due_at = ma.fields.DateTime(allow_none=True)
    deadline_days = ma.fields.Integer(allow_none=True)
    responded_at = ma.fields.DateTime(allow_none=True)
    overdue = ma.fields.Function(lambda item: item.is_overdue(), metadata={"type": "boolean"})


class ItemQuery(ma.Schema):
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=CODE_MAX),
                            metadata={"description": "Unit code, or `none` for the reception queue"})
    status = ma.fields.String(load_default="", validate=ma.validate.OneOf([""] + list(STATUSES)))
    kind = ma.fields.String(load_default="", validate=ma.validate.OneOf([""] + list(KINDS)))
    topic = ma.fields.String(load_default="", validate=ma.validate.OneOf([""] + list(TOPICS)))
    channel = ma.fields.String(load_default="", validate=ma.validate.OneOf([""] + list(CHANNELS)))
    procedure = ma.fields.String(load_default="", validate=ma.validate.Length(max=CODE_MAX))
    overdue = ma.fields.Boolean(load_default=False)
    received_from = ma.fields.Date(load_default=None)
    received_to = ma.fields.Date(load_default=None)
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    sort = ma.fields.String(load_default="received_desc", validate=ma.validate.OneOf(list(services.SORTS)))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=CURSOR_MAX))
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class ItemPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StaffItem), required=True)
    next = ma.fields.String(allow_none=True, metadata={"description": "Pass as `cursor` for the next page"})


class TransitionIn(ma.Schema):
    action = ma.fields.String(required=True, validate=ma.validate.Length(max=32), metadata={"description": ", ".join(a for a in ACTIONS if a != "withdraw")})
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=services.REASON_MAX), metadata={"description": "Required for transfer, extend, reject, "
                                                                          "reopen and note"})
    body = ma.fields.String(load_default="", validate=ma.validate.Length(max=services.ANSWER_MAX), metadata={"description": "For respond and draft: the answer. From an "
                                                                        "officer, a draft for the head; from the head, "
                                                                        "published at once with personal data masked"})
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=CODE_MAX), metadata={"description": "For assign and transfer: the unit's code"})
    original = ma.fields.String(load_default="", validate=ma.validate.Length(max=CODE_MAX), metadata={"description": "For merge: the original item's code"})
    days = ma.fields.Integer(load_default=None, allow_none=True, metadata={"description": "For extend: working days"})
    grounds = ma.fields.String(load_default="", validate=ma.validate.Length(max=64), metadata={"description": "For transfer: the code of one of the "
                                                                          "reasons of TRANSFER_REASONS"})


class TransitionOut(ma.Schema):
    item = ma.fields.Nested(StaffItem, required=True)
    event = ma.fields.Function(lambda out: {"action": out["event"].action, "at": out["event"].at.isoformat(),
                                            "from_status": out["event"].from_status,
                                            "to_status": out["event"].to_status},
                               metadata={"type": "object"})


def _has_valid_token() -> bool:
    return bearer_user() is not None


@bp.route("", methods=["POST"])
@limited("RATELIMIT_FILING", exempt_when=_has_valid_token)
@bp.arguments(ItemIn)
@bp.response(201, ItemCreated)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(413, response=HTTPStatus(413).name)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string"},
                     "description": "A key of your own: a retry with the same key and body returns the first answer "
                                    "and files nothing twice"}],
        security=[{}, {"bearerAuth": []}])
def create(body):
    """File a complaint or petition. With a staff bearer token: staff entry with `channel` and `received_at`."""
    actor = None
    if request.headers.get("Authorization"):
        actor = bearer_user()
        if actor is None:
            from feedback.api.core import unauthorized

            raise unauthorized()
    elif "channel" in body or "received_at" in body:
        raise Invalid(_("Only staff can set the channel and the date of receipt."),
                      {name: _("Only staff can set this.") for name in ("channel", "received_at") if name in body})
    contact = body["contact"]
    filing = services.Filing(
        kind=body["kind"], topic=body["topic"], unit=body["unit"], procedure=body["procedure"], title=body["title"],
        body=body["body"], consent=body["consent"], publish=body["publish"],
        channel=body.get("channel") or "api", received_at=body.get("received_at"),
        notify_sms="sms" in contact.get("notify", ("sms",)), notify_email="email" in contact.get("notify", ("email",)),
        **{name: contact.get(name, "") for name in CONTACT_FIELDS},
    )
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise Invalid(_("The Idempotency-Key is too long."), {"idempotency_key": _("At most 200 characters.")})
    token = f"api:{key}" if key else None
    try:
        item, access_key, created = run(lambda: services.file_item(filing, actor=actor, token=token))
    except Invalid as exc:
        exc.fields = {f"contact.{name}" if name in CONTACT_FIELDS else name: message
                      for name, message in exc.fields.items()}
        raise
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return {"code": item.code, "access_key": access_key, "status": item.status,
            "unit": item.unit.code if item.unit else None, "received_at": item.received_at, "due_at": item.due_at,
            "deadline_days": item.deadline_days}, 201, headers


@bp.route("/<code>", methods=["GET"])
@bp.response(200, PublicItem)
@bp.alt_response(404, response="NOT_FOUND")
def show(code):
    """The public view of an item: status, unit, dates, answer and timeline; nothing personal."""
    return services.public_view(services.find_item(code))


@bp.route("", methods=["GET"])
@bp.doc(security=[{"bearerAuth": []}])
@token_required("admin", "head", "officer")
@bp.arguments(ItemQuery, location="query")
@bp.response(200, ItemPage)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def index(query):
    """Items of the caller's units (all for administrators), filtered, sorted, a page at a time."""
    cursor, limit = query.pop("cursor"), query.pop("limit")
    rows, next_cursor = services.list_items(g.api_user, services.ItemFilters(**query), cursor, limit)
    return {"items": rows, "next": next_cursor}


@bp.route("/<code>/transitions", methods=["POST"])
@bp.doc(security=[{"bearerAuth": []}])
@token_required("admin", "head", "officer")
@bp.arguments(TransitionIn)
@bp.response(200, TransitionOut)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def transitions(body, code):
    """Move an item: assign, start, transfer, extend, draft, respond, close, reopen, reject, merge, note."""
    item = services.find_item_for_staff(g.api_user, code)
    moved = run(lambda: services.transition(item, body["action"], g.api_user, reason=body["reason"],
                                            body=body["body"], unit=body["unit"], original=body["original"],
                                            days=body["days"], grounds=body["grounds"]))
    return {"item": item, "event": moved.event}
