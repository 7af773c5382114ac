"""API v1 for dialogue sessions: the public list and page of a session, questions, the minutes'
PDF and the calendar file."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from feedback.api.core import bearer_user, unauthorized
from feedback.plugins.dialogues import services
from feedback.plugins.dialogues.models import STATUSES
from feedback.ratelimit import limited
from feedback.timeutil import LOCAL_TZ
from feedback.transaction import run

bp = Blueprint("api_dialogues", __name__, url_prefix="/api/v1/dialogues", description="Dialogue sessions (public)")


class SessionQuery(ma.Schema):
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=64),
                            metadata={"description": "Only the sessions of this unit (its code)"})


class SessionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    unit = ma.fields.Function(lambda s: s.unit.code, metadata={"type": "string"})
    unit_name = ma.fields.Function(lambda s: s.unit.name, metadata={"type": "string"})
    date = ma.fields.Function(lambda s: s.starts_at.astimezone(LOCAL_TZ).date().isoformat(),
                              metadata={"type": "string", "format": "date", "description": "Local day (ISO)"})
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)
    status = ma.fields.String(required=True, metadata={"description": ", ".join(STATUSES)})
    place = ma.fields.String(required=True)
    online_link = ma.fields.String(required=True)
    minutes_published = ma.fields.Function(lambda s: s.published_minutes is not None, metadata={"type": "boolean"})


class SessionList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SessionOut), required=True)


class AgendaOut(ma.Schema):
    kind = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    figure = ma.fields.Float(allow_none=True)
    figure_text = ma.fields.String(required=True)


class QuestionOut(ma.Schema):
    number = ma.fields.Integer(required=True)
    title = ma.fields.String(attribute="public_title", required=True, metadata={"description": "Personal data masked"})
    body = ma.fields.String(attribute="public_body", required=True, metadata={"description": "Personal data masked"})
    answer = ma.fields.String(attribute="public_answer", required=True)


class CommitmentOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    text = ma.fields.String(attribute="public_text", required=True)
    unit = ma.fields.Function(lambda c: c.unit.code, metadata={"type": "string"})
    days = ma.fields.Integer(required=True, metadata={"description": "Working days from the session"})
    due_at = ma.fields.DateTime(required=True)
    status = ma.fields.String(required=True, metadata={"description": "open or done"})
    overdue = ma.fields.Function(lambda c: c.is_overdue(), metadata={"type": "boolean"})
    done_at = ma.fields.DateTime(allow_none=True)
    late = ma.fields.Boolean(allow_none=True, metadata={"description": "Done after its deadline (set when done)"})
    evidence = ma.fields.String(attribute="evidence_note", required=True)


class SessionDetail(SessionOut):
    chair = ma.fields.String(attribute="chair_name", required=True)
    secretary = ma.fields.String(attribute="secretary_name", required=True)
    invited = ma.fields.List(ma.fields.String(), required=True)
    agenda = ma.fields.Function(lambda s: AgendaOut(many=True).dump(s.accepted_agenda),
                                metadata={"type": "array", "items": {"type": "object"}})
    questions = ma.fields.Function(lambda s: QuestionOut(many=True).dump(services.published_questions(s)),
                                   metadata={"type": "array", "items": {"type": "object"}})
    commitments = ma.fields.List(ma.fields.Nested(CommitmentOut), required=True)
    cancel_reason = ma.fields.String(required=True)


class QuestionIn(ma.Schema):
    title = ma.fields.String(load_default="", validate=ma.validate.Length(max=services.TITLE_MAX),
                             metadata={"description": "5 to 200 characters (not with `item`)"})
    body = ma.fields.String(load_default="", validate=ma.validate.Length(max=services.BODY_MAX),
                            metadata={"description": "20 to 5000 characters (not with `item`)"})
    consent = ma.fields.Boolean(load_default=False, metadata={
        "description": "The asker agreed that their contact data be used for this session"})
    contact = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=32)),
                             values=ma.fields.String(validate=ma.validate.Length(max=255)), load_default=dict,
                             metadata={"description": "Optional: name, phone, email"})
    item = ma.fields.String(load_default="", validate=ma.validate.Length(max=40), metadata={"description": "Staff only (bearer token): attach the item "
                                                                       "with this tracking code as a question"})


class QuestionCreated(ma.Schema):
    number = ma.fields.Integer(required=True)
    title = ma.fields.String(attribute="public_title", required=True)
    body = ma.fields.String(attribute="public_body", required=True)
    source = ma.fields.String(required=True)


def _public(session_id: int):
    return services.get_public_session(session_id)


@bp.route("", methods=["GET"])
@bp.arguments(SessionQuery, location="query")
@bp.response(200, SessionList)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def index(query):
    """Announced, held and cancelled sessions, newest first; `?unit=CODE` for one unit's."""
    unit = services.find_unit(query["unit"]) if query["unit"] else None
    return {"items": services.public_sessions(unit)}


@bp.route("/<int:session_id>", methods=["GET"])
@bp.response(200, SessionDetail)
@bp.alt_response(404, response="NOT_FOUND")
def show(session_id):
    """A session with its agenda, its published questions (personal data masked) and its commitments."""
    return _public(session_id)


@bp.route("/<int:session_id>/questions", methods=["POST"])
@limited("RATELIMIT_DIALOGUES", exempt_when=lambda: bearer_user() is not None)
@bp.arguments(QuestionIn)
@bp.response(201, QuestionCreated)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.doc(security=[{}, {"bearerAuth": []}])
def ask(body, session_id):
    """Send a question before the session (`title`, `body`, `consent`, optional `contact`). With a staff
    bearer token, `item` attaches an existing item as a question."""
    found = _public(session_id)
    actor = None
    if request.headers.get("Authorization"):
        actor = bearer_user()
        if actor is None:
            raise unauthorized()
    contact = body["contact"]
    unknown = set(contact) - {"name", "phone", "email"}
    if unknown:
        from feedback.errors import Invalid

        raise Invalid(_("The question was not sent: please correct the marked fields."),
                      {f"contact.{name}": _("Unknown field.") for name in sorted(unknown)})
    if body["item"]:
        if actor is None:
            from feedback.errors import Invalid

            raise Invalid(_("Only staff can attach an item."), {"item": _("Only staff can set this.")})
        return run(lambda: services.attach_item(found, body["item"], actor))
    return run(lambda: services.ask(found, title=body["title"], body=body["body"], name=contact.get("name", ""),
                                    phone=contact.get("phone", ""), email=contact.get("email", ""),
                                    consent=body["consent"], source="api" if actor is None else "staff",
                                    actor=actor))


@bp.route("/<int:session_id>/minutes.pdf", methods=["GET"])
@bp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
@bp.alt_response(404, response="NOT_FOUND")
def minutes(session_id):
    """The published minutes as a PDF (404 until the chair approved them)."""
    from feedback.plugins.dialogues.minutes import pdf_response

    return pdf_response(_public(session_id))


@bp.route("/<int:session_id>/session.ics", methods=["GET"])
@bp.response(200, {"format": "binary", "type": "string"}, content_type="text/calendar")
@bp.alt_response(404, response="NOT_FOUND")
def calendar(session_id):
    """The session as an iCalendar event (RFC 5545; cancelled sessions answer METHOD:CANCEL)."""
    from feedback.plugins.dialogues.ics import calendar_file

    found = _public(session_id)
    response = current_app.response_class(calendar_file(found), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="doi-thoai-{found.id}.ics"'
    return response
