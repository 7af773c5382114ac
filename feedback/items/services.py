"""The rules of items: filing, routing, the state machine, access, look-up and lists.

Every surface (web pages, API, CLI, jobs) calls these functions; they flush, write the event
log, and fire the plugin hooks; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from feedback import throttle
from feedback.auth.models import User
from feedback.errors import Conflict, Forbidden, Invalid, NotFound
from feedback.extensions import db
from feedback.inputs import email_address, phone_number
from feedback.items import audit, codes
from feedback.items.attachments import CheckedFile, check_files
from feedback.items.models import CHANNELS, KINDS, STAFF_CHANNELS, TOPICS, Attachment, FilerText, Item, ItemContact, \
    ItemEvent, Response, Submission
from feedback.items.states import FINAL_STATUSES, OPEN_STATUSES, check_move
from feedback.obligations import services as obligations
from feedback.pagination import Keyset
from feedback.pluginmanager import fire_event, hook
from feedback.procedures.models import Procedure
from feedback.redaction import mask
from feedback.text import fold
from feedback.timeutil import LOCAL_TZ, local_midnight, utcnow
from feedback.units.models import Unit

TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 20, 10_000
NAME_MAX, ADDRESS_MAX = 200, 500
REASON_MAX, ANSWER_MAX = 2000, 20_000
MAX_ATTACHMENTS = 5
RECEPTION_UNIT_KINDS = ("service_centre", "province")
# An item's obligations (feedback.obligations): its answer, held by a unit, and, while it waits for
# its unit, its routing, held by the reception desk.
ITEM, ANSWER, ROUTING = "item", "answer", "routing"


@dataclass
class Filing:
    """What a filer (or staff on their behalf) sends; surfaces fill it from forms or JSON."""

    kind: str = ""
    topic: str = ""
    unit: str = ""
    procedure: str = ""
    title: str = ""
    body: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    consent: bool = False
    publish: bool = False
    notify_sms: bool = True
    notify_email: bool = True
    channel: str = "web"
    received_at: dt.datetime | None = None
    # (name, bytes) as received, or files checked already by the view (attachments.read_uploads)
    files: list[tuple[str, bytes] | CheckedFile] = field(default_factory=list)

    def fingerprint(self) -> str:
        data = {key: value for key, value in self.__dict__.items() if key != "files"}
        data["received_at"] = self.received_at.isoformat() if self.received_at else None
        data["files"] = [(file.filename, file.sha256) if isinstance(file, CheckedFile)
                         else (file[0], hashlib.sha256(file[1]).hexdigest()) for file in self.files]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def consent_text() -> str:
    """The words the filer agrees to; stored with the item so that consent can be printed."""
    return _("I agree that the unit uses my name, phone number and e-mail only to handle this item and to "
             "tell me about it; they are never published. I may see, correct or ask to delete them.")


def normalise_phone(phone: str) -> str:
    """The phone number as stored when it is a valid one, else its digits (to compare, never to store)."""
    valid = phone_number(phone or "")
    if valid:
        return valid
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits


def _validate(filing: Filing, staff: bool) -> tuple[dict, Unit | None, Procedure | None, list]:
    errors: dict[str, str] = {}
    if filing.kind not in KINDS:
        errors["kind"] = _("Choose whether this is a complaint or a petition.")
    if filing.topic not in TOPICS:
        errors["topic"] = _("Choose what the item is about.")
    if filing.channel not in CHANNELS:
        errors["channel"] = _("Unknown channel.")
    elif staff and filing.channel not in STAFF_CHANNELS + ("web", "kiosk", "api"):
        errors["channel"] = _("Unknown channel.")

    unit = procedure = None
    if filing.unit:
        unit = db.session.scalar(select(Unit).where(Unit.code == filing.unit))
        if unit is None or not unit.is_current:
            errors["unit"] = _("Choose a unit from the list.")
    if filing.procedure:
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == filing.procedure))
        if procedure is None:
            errors["procedure"] = _("Choose a procedure from the catalogue.")
        elif unit is not None and procedure.unit_id != unit.id:
            errors["procedure"] = _("This procedure belongs to another unit (%(unit)s).", unit=procedure.unit.name)
        elif unit is None and "unit" not in errors:
            unit = procedure.unit if procedure.unit.is_current else None

    title, body = filing.title.strip(), filing.body.strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = _("Write a title of %(min)s to %(max)s characters.", min=TITLE_MIN, max=TITLE_MAX)
    if not body:
        errors["body"] = _("Describe the problem or the proposal.")
    elif len(body) < BODY_MIN:
        errors["body"] = _("Write at least %(n)s characters so that the unit can understand.", n=BODY_MIN)
    elif len(body) > BODY_MAX:
        errors["body"] = _("Write at most %(n)s characters; attach a document for more.", n=BODY_MAX)

    if len(filing.name.strip()) > NAME_MAX:
        errors["name"] = _("The name is longer than %(n)s characters.", n=NAME_MAX)
    if len(filing.address.strip()) > ADDRESS_MAX:
        errors["address"] = _("The address is longer than %(n)s characters.", n=ADDRESS_MAX)
    if filing.phone.strip() and phone_number(filing.phone) is None:
        errors["phone"] = _("Enter a Vietnamese phone number, e.g. 0912 345 678 or 024 3825 1234.")
    if filing.email.strip() and (len(filing.email) > 255 or email_address(filing.email) is None):
        errors["email"] = _("Enter a valid e-mail address, e.g. ten@example.com.")
    gives_contact = any(value.strip() for value in (filing.name, filing.phone, filing.email, filing.address))
    if gives_contact and not filing.consent and not staff:
        errors["consent"] = _("Tick the box to agree to the use of your contact data, or leave them all empty "
                              "to file anonymously.")

    if filing.received_at is not None:
        if filing.received_at.tzinfo is None:
            errors["received_at"] = _("Give the date and time of receipt with its time zone.")
        elif filing.received_at > utcnow() + dt.timedelta(minutes=5):
            errors["received_at"] = _("The date of receipt cannot be in the future.")
        elif filing.received_at < utcnow() - dt.timedelta(days=366):
            errors["received_at"] = _("The date of receipt is more than a year ago.")

    files = []
    if len(filing.files) > MAX_ATTACHMENTS:
        errors["attachments"] = _("Attach at most %(n)s files.", n=MAX_ATTACHMENTS)
    else:
        files, problems = check_files(filing.files, current_app.config["ATTACHMENT_MAX_BYTES"])
        if problems:
            errors["attachments"] = problems
    return errors, unit, procedure, files


def file_item(filing: Filing, actor: User | None = None, token: str | None = None) -> tuple[Item, str, bool]:
    """File an item; returns (item, access key, created).

    ``token`` is the web form's one-time token or the API's Idempotency-Key: the same token
    with the same content returns the first item (created False) and files nothing; with other
    content it is refused. Raises Invalid with a message per field; nothing is stored then.
    """
    staff = actor is not None
    errors, unit, procedure, files = _validate(filing, staff)
    if errors:
        raise Invalid(_("The item was not sent: please correct the marked fields."), errors)

    fingerprint = filing.fingerprint()
    if token:
        earlier = _earlier_submission(token, fingerprint)
        if earlier is not None:
            return earlier, codes.access_key_for(current_app.config["SECRET_KEY"], token), False
    access_key = codes.access_key_for(current_app.config["SECRET_KEY"], token or secrets.token_urlsafe(24))

    now = utcnow()
    savepoint = db.session.begin_nested()
    try:
        item = Item(
            code=_unused_code(filing.kind, now), kind=filing.kind, topic=filing.topic, channel=filing.channel,
            status="received", unit=unit, procedure=procedure, title=filing.title.strip(), body=filing.body.strip(),
            publish=filing.publish, received_at=filing.received_at or now, created_at=now, entered_by=actor,
            access_key_hash=codes.digest(access_key),
        )
        db.session.add(item)
        if any(value.strip() for value in (filing.name, filing.phone, filing.email, filing.address)):
            item.contact = ItemContact(
                name=filing.name.strip(), phone=(phone_number(filing.phone) or "") if filing.phone.strip() else "",
                email=filing.email.strip().lower(), address=filing.address.strip(),
                consent=filing.consent, consent_text=consent_text() if filing.consent else "",
                consent_at=now if filing.consent else None,
                notify_sms=filing.notify_sms, notify_email=filing.notify_email, locale=_current_locale(),
            )
        _attach(item, files)
        db.session.flush()
        if token:
            db.session.add(Submission(token_hash=codes.digest(token), fingerprint=fingerprint, item=item))
            db.session.flush()
        savepoint.commit()
    except IntegrityError:
        # The same token committed by a concurrent request: answer with its item.
        savepoint.rollback()
        earlier = _earlier_submission(token, fingerprint) if token else None
        if earlier is None:
            raise
        return earlier, access_key, False

    log(item, "filed", actor=actor, actor_kind="staff" if staff else "citizen", to_status="received",
        data={"channel": item.channel})
    fire_event("feedback_item_filed", item=item)
    if item.unit is not None:
        _route(item, actor=None, cause="filed")
    else:
        _await_routing(item)
    return item, access_key, True


def reception_desk() -> Unit | None:
    """The unit whose reception desk routes items filed without a unit: RECEPTION_DESK_UNIT, else the
    first current public-administration service centre, else the province at the top of the tree."""
    code = current_app.config["RECEPTION_DESK_UNIT"]
    if code:
        return db.session.scalar(select(Unit).where(Unit.code == code))
    candidates = db.session.scalars(select(Unit).where(
        or_(Unit.kind == "service_centre", and_(Unit.kind == "province", Unit.parent_id.is_(None))),
    ).order_by((Unit.kind != "service_centre"), Unit.id)).all()
    return next((unit for unit in candidates if unit.is_current), None)


def _await_routing(item: Item) -> None:
    """An item without a unit is already on the clock: the reception desk holds it, with its own
    short deadline to route it, counted from receipt (feedback_item_deadline, cause "awaiting_routing")."""
    deadline = hook().feedback_item_deadline(item=item, start=item.received_at, cause="awaiting_routing", days=None)
    if deadline is None:
        return
    desk = reception_desk()
    held = obligations.open_obligation(ITEM, item.id, ROUTING, deadline, start_at=item.received_at,
                                       unit_id=desk.id if desk is not None else None)
    item.due_at, item.deadline_days = held.due_at, held.days
    db.session.expire(item, ["obligations"])


def _attach(item: Item, files: list[CheckedFile]) -> None:
    for checked in files:
        item.attachments.append(Attachment(filename=checked.filename, content_type=checked.content_type,
                                           size=checked.size, sha256=checked.sha256, data=checked.data))


def _current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def _earlier_submission(token: str, fingerprint: str) -> Item | None:
    submission = db.session.scalar(select(Submission).where(Submission.token_hash == codes.digest(token)))
    if submission is None:
        return None
    if submission.fingerprint != fingerprint:
        raise Invalid(_("This submission key was already used for a different item."),
                      {"idempotency_key": _("Use a new key for a new item.")})
    return submission.item


def _unused_code(kind: str, now: dt.datetime) -> str:
    year = now.astimezone(LOCAL_TZ).year
    for _attempt in range(20):
        code = codes.new_code(kind, year)
        if db.session.scalar(select(Item.id).where(Item.code == code)) is None:
            return code
    raise RuntimeError("could not find an unused tracking code")  # 34 billion codes a year


def log(item: Item, action: str, *, actor: User | None = None, actor_kind: str = "staff", from_status=None,
        to_status=None, reason: str = "", public: bool = True, data: dict | None = None) -> ItemEvent:
    if item.id is None:
        db.session.flush()  # the item's id is part of the event's hash
    fields = {"item_id": item.id, "at": utcnow(), "actor_id": actor.id if actor is not None else None,
              "actor_kind": actor_kind if actor is None else "staff", "action": action, "from_status": from_status,
              "to_status": to_status, "unit_id": item.unit_id, "reason": reason, "public": public, "data": data or {}}
    audit.chain([fields])
    event = ItemEvent(item=item, actor=actor, **fields)
    db.session.add(event)
    db.session.flush()
    return event


def log_many(events: list[tuple[Item, str, dict]], *, actor_kind: str = "system") -> None:
    """Append many events at once, in one statement (a tick's reminders...): each ``(item, action,
    fields)``, with the fields of :func:`log` (``public``, ``data``, ``reason``); the item keeps its
    status. The events are written, not loaded: read them back from the database."""
    if not events:
        return
    now = utcnow()
    rows = [{"item_id": item.id, "action": action, "actor_id": None, "actor_kind": actor_kind,
             "from_status": item.status, "to_status": item.status, "unit_id": item.unit_id,
             "reason": fields.get("reason", ""), "public": fields.get("public", True), "data": fields.get("data") or {},
             "at": now} for item, action, fields in events]
    audit.chain(rows)
    db.session.execute(insert(ItemEvent), rows)


def _apply_deadline(item: Item, start: dt.datetime, cause: str, days: int | None = None, *,
                    actor: User | None = None, reason: str = "") -> None:
    """Ask the deadline policy, and keep its answer as the item's obligation to answer.

    A transfer ends the obligation held by the old unit and opens one at the new unit (with the
    policy's new deadline, or the same one when the policy answers None); an extension changes the
    current one; filing, assignment and reopening open one.
    """
    routed = None
    if item.unit_id is not None:
        # The reception desk's routing ends when the item reaches its unit, late or not.
        routed = obligations.current(ITEM, item.id, ROUTING)
        if routed is not None:
            obligations.end(routed, "met", utcnow())
    deadline = hook().feedback_item_deadline(item=item, start=start, cause=cause, days=days)
    held = obligations.current(ITEM, item.id, ANSWER)
    actor_id = actor.id if actor is not None else None
    if held is not None and cause == "extended":
        if deadline is None:
            return
        obligations.extend(held, deadline, at=utcnow(), actor_id=actor_id, reason=reason)
    elif held is not None and (cause == "transferred" or deadline is not None):
        held = obligations.transfer(held, unit_id=item.unit_id, assignee_id=item.assignee_id, deadline=deadline,
                                    at=utcnow(), actor_id=actor_id, reason=reason)
    elif deadline is not None:
        held = obligations.open_obligation(ITEM, item.id, ANSWER, deadline, start_at=start, unit_id=item.unit_id,
                                           assignee_id=item.assignee_id, previous=routed)
    else:
        if routed is not None:
            item.due_at, item.deadline_days = None, None
            db.session.expire(item, ["obligations"])
        return
    item.due_at, item.deadline_days = held.due_at, held.days
    db.session.expire(item, ["obligations"])


def _end_obligation(item: Item, old: str, new: str) -> None:
    """An item that leaves the open statuses ends its obligation: met when answered, else cancelled."""
    if old not in OPEN_STATUSES or new in OPEN_STATUSES:
        return
    held = obligations.current(ITEM, item.id, ANSWER)
    if held is not None:
        answered = new == "responded" and item.responded_at is not None
        obligations.end(held, "met" if answered else "cancelled", item.responded_at if answered else utcnow())
        db.session.expire(item, ["obligations"])
    routing = obligations.current(ITEM, item.id, ROUTING)
    if routing is not None:
        # Rejecting or merging an item is the desk's decision on it; a withdrawal ends its task.
        obligations.end(routing, "met" if new in ("rejected", "merged") else "cancelled", utcnow())
        db.session.expire(item, ["obligations"])


def _route(item: Item, actor: User | None, cause: str) -> None:
    """Give the item to whoever the policy names in its unit, with its deadline."""
    assignee = hook().feedback_item_assignee(item=item)
    if assignee is None:
        return
    old = item.status
    item.assignee = assignee
    item.status = "assigned"
    _apply_deadline(item, item.received_at if cause == "filed" else utcnow(), cause)
    db.session.flush()
    event = log(item, "assign", actor=actor, actor_kind="system", from_status=old, to_status="assigned",
                data={"assignee": assignee.id, "due_at": item.due_at.isoformat() if item.due_at else None})
    fire_event("feedback_item_status_changed", item=item, old=old, new="assigned", actor=actor, action="assign",
               event=event)


# --- who may see and do what ----------------------------------------------------------------


def units_in_scope(user: User) -> set[int] | None:
    """Ids of the units whose items ``user`` handles (their unit and its sub-units); None: all."""
    if user.is_admin:
        return None
    if user.unit_id is None:
        return set()
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    scope, stack = set(), [user.unit_id]
    while stack:
        unit_id = stack.pop()
        if unit_id not in scope:
            scope.add(unit_id)
            stack.extend(children.get(unit_id, []))
    return scope


def can_handle(user: User, item: Item) -> bool:
    scope = units_in_scope(user)
    if scope is None:
        return True
    if item.unit_id is None:
        return handles_reception(user)
    return item.unit_id in scope


def handles_reception(user: User) -> bool:
    """Items whose unit is unknown wait in the reception queue of the one-stop shops."""
    return user.is_admin or (user.unit is not None and user.unit.kind in RECEPTION_UNIT_KINDS)


def can_publish_answer(user: User, item: Item) -> bool:
    """Whether ``user`` publishes the answer (the head, by default) or only drafts it."""
    return bool(hook().feedback_item_may_answer(item=item, user=user))


# Events kept in the audit log only: never in a timeline, public or staff.
AUDIT_ONLY = frozenset({"viewed_personal_data"})


def record_view_of_personal_data(item: Item, user: User) -> None:
    """Each opening of an item's personal data by staff is written to the audit log (feedback.items.audit)."""
    if item.contact is not None and not item.contact.is_empty:
        log(item, "viewed_personal_data", actor=user, public=False)


def timeline(item: Item) -> list[ItemEvent]:
    """What staff read as the item's history: its steps, without the audit log's own entries, each
    with what the filer wrote (``event.filer_text``) loaded in the same query."""
    events = db.session.scalars(select(ItemEvent)
                                .where(ItemEvent.item_id == item.id, ItemEvent.action.not_in(AUDIT_ONLY))
                                .options(selectinload(ItemEvent.filer_text)).order_by(ItemEvent.id))
    return list(events)


def filer_texts(item: Item) -> list[FilerText]:
    """What the filer wrote after filing, oldest first (erased ones say when)."""
    return list(db.session.scalars(select(FilerText).where(FilerText.item_id == item.id).order_by(FilerText.id)))


def may_read_audit(user: User, item: Item) -> bool:
    """Administrators, and the head of the unit that holds the item, read who viewed its personal data."""
    return user.is_admin or (item.unit is not None and item.unit.head_id == user.id)


@dataclass(frozen=True)
class Viewer:
    """Someone who viewed an item's personal data: how often, first and last."""

    name: str
    views: int
    first_at: dt.datetime
    last_at: dt.datetime


def personal_data_viewers(item: Item) -> list[Viewer]:
    """Who viewed the item's personal data, from the audit log, the latest first."""
    rows = db.session.execute(
        select(User.name, User.email, func.count(ItemEvent.id), func.min(ItemEvent.at), func.max(ItemEvent.at))
        .join(User, User.id == ItemEvent.actor_id)
        .where(ItemEvent.item_id == item.id, ItemEvent.action == "viewed_personal_data")
        .group_by(User.id, User.name, User.email).order_by(func.max(ItemEvent.at).desc())).all()
    return [Viewer(name or email, views, first, last) for name, email, views, first, last in rows]


# --- the state machine ----------------------------------------------------------------------


@dataclass(frozen=True)
class Handled:
    """What the handler of an action did: what the log records of it, and how it changes the move."""

    data: dict = field(default_factory=dict)
    # The status the item ends in when it is not the action's target (a transfer to a unit
    # without a head leaves the item received; an officer's answer leaves it where it was).
    status: str | None = None
    # The action the log records when it is not the one asked (an officer's answer is a draft).
    logged_as: str | None = None


@dataclass(frozen=True)
class Moved:
    """What a transition did: the item's status before and after, and the row it wrote to the log."""

    old: str
    new: str
    event: ItemEvent

    @property
    def action(self) -> str:
        """The action as the log records it (``draft`` when an officer answered)."""
        return self.event.action


def transition(item: Item, action_name: str, actor: User | None, *, reason: str = "", body: str = "",
               unit: str = "", original: str = "", days: int | None = None, grounds: str = "",
               by_rule: bool = False, actor_kind: str = "citizen") -> Moved:
    """Do ``action_name`` to ``item``; Conflict for an illegal move, Forbidden, or Invalid fields.

    Without ``actor`` the filer acts, and may do only what is not staff-only. ``by_rule=True``
    (``actor`` None) is the platform acting by a configured rule on behalf of ``actor_kind``
    (``"citizen"`` or ``"system"``, as the log records it), e.g. the register reopening an item
    whose filer rated the answer unsatisfactory: staff-only actions are then allowed. ``grounds``:
    for a transfer, the code of one of TRANSFER_REASONS.
    """
    action = check_move(item.status, action_name)
    if by_rule and actor is not None:
        raise ValueError("an action by rule has no actor")
    if actor is None and action.staff_only and not by_rule:
        raise Forbidden(_("Only staff can do this."))
    if actor is not None and action.filer_only:
        raise Forbidden(_("Only the filer can do this."))
    if actor is not None and not can_handle(actor, item):
        raise _no_such_item()  # another unit's item: as if absent
    reason = (reason or "").strip()
    if action.needs_reason and not reason:
        raise Invalid(_("Give a reason."), {"reason": _("Give a reason.")})
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long."), {"reason": _("Write at most %(n)s characters.", n=REASON_MAX)})

    old = item.status
    handler = _HANDLERS.get(action_name)
    handled = Handled()
    if handler is not None:
        handled = handler(item, actor, reason=reason, body=(body or "").strip(), unit=unit, original=original,
                          days=days, grounds=(grounds or "").strip())
    new = handled.status or action.target or old
    item.status = new
    _end_obligation(item, old, new)
    if new in FINAL_STATUSES and item.closed_at is None:
        item.closed_at = utcnow()
    db.session.flush()
    logged = handled.logged_as or action_name
    if actor is None and not by_rule and reason:
        # The filer's own words (why they withdraw): personal data, kept beside the log.
        event = log_filer_text(item, logged, reason, data=handled.data, from_status=old, to_status=new,
                               public=logged not in ("note", "draft"))
    else:
        event = log(item, logged, actor=actor, actor_kind="staff" if actor else actor_kind,
                    from_status=old, to_status=new, reason=reason, public=logged not in ("note", "draft"),
                    data=handled.data)
    if action_name not in ("note", "draft") and event.action != "draft":
        fire_event("feedback_item_status_changed", item=item, old=old, new=new, actor=actor, action=event.action,
                   event=event)
    if event.action == "respond":
        fire_event("feedback_response_published", item=item, response=item.published_response)
    return Moved(old=old, new=new, event=event)


def _find_unit(code: str, field_name: str = "unit") -> Unit:
    found = db.session.scalar(select(Unit).where(Unit.code == (code or "").strip())) if code else None
    if found is None or not found.is_current:
        raise Invalid(_("Choose a unit from the list."), {field_name: _("Choose a unit from the list.")})
    return found


def _assign(item: Item, actor, *, unit: str, **_kw) -> Handled:
    if unit:
        item.unit = _find_unit(unit)
    if item.unit is None:
        raise Invalid(_("Choose the unit that must answer."), {"unit": _("Choose a unit from the list.")})
    assignee = hook().feedback_item_assignee(item=item)
    if assignee is None:
        raise Conflict(_("The unit has no head to assign the item to."), {"unit": _("The unit has no head.")})
    item.assignee = assignee
    _apply_deadline(item, item.received_at, "assigned")
    return Handled({"assignee": assignee.id, "unit": item.unit.code})


def transfer_reasons() -> dict[str, dict]:
    """The reasons a transfer may give (TRANSFER_REASONS), by code, each with its legal basis."""
    return {reason["code"]: reason for reason in current_app.config["TRANSFER_REASONS"]}


def transfers_of(item: Item) -> int:
    """The transfers staff made of the item (those the platform made by a rule do not count)."""
    return sum(1 for event in item.events if event.action == "transfer" and event.actor_kind == "staff")


def _transfer(item: Item, actor, *, unit: str, reason: str, grounds: str = "", **_kw) -> Handled:
    limit, done = current_app.config["TRANSFER_LIMIT"], transfers_of(item)
    if actor is not None and done >= limit:
        raise Conflict(
            _("This item was already transferred %(n)s times, the most allowed (%(limit)s): the unit that holds it "
              "must answer it.", n=done, limit=limit),
            {"unit": _("No further transfer is allowed.")})
    target = _find_unit(unit)
    if target.id == item.unit_id:
        raise Invalid(_("The item is already at this unit."), {"unit": _("Choose another unit.")})
    chosen = transfer_reasons().get(grounds)
    if chosen is None and actor is not None:
        raise Invalid(_("Choose the reason for the transfer from the list."),
                      {"grounds": _("Choose the reason for the transfer from the list.")})
    source, late = item.unit, item.due_at is not None and utcnow() > item.due_at
    item.unit, item.procedure = target, item.procedure if item.procedure and item.procedure.unit_id == target.id else None
    item.assignee = hook().feedback_item_assignee(item=item)
    _apply_deadline(item, utcnow(), "transferred", actor=actor,
                    reason=f"{chosen['label']}: {reason}" if chosen else reason)
    grounds_data = ({"grounds": chosen["code"], "grounds_label": chosen["label"], "legal_basis": chosen["legal_basis"]}
                    if chosen else {})
    return Handled({"from_unit": source.code if source else None, "to_unit": target.code, "late": late,
                    **grounds_data},
                   status="assigned" if item.assignee else "received")


def _extend(item: Item, actor, *, days, reason: str = "", **_kw) -> Handled:
    if any(event.action == "extend" for event in item.events):
        raise Conflict(_("The deadline of an item can be extended only once."), {"action": _("Already extended.")})
    if not isinstance(days, int) or not 1 <= days <= 30:
        raise Invalid(_("Give the extension in working days (1 to 30)."), {"days": _("Enter 1 to 30.")})
    before = item.due_at
    _apply_deadline(item, item.due_at or utcnow(), "extended", days, actor=actor, reason=reason)
    return Handled({"days": days, "due_before": before.isoformat() if before else None,
                    "due_after": item.due_at.isoformat() if item.due_at else None})


def _draft(item: Item, actor, *, body: str, **_kw) -> Handled:
    _check_answer(body)
    for draft in item.responses:
        if draft.published_at is None:
            draft.discarded = True
    response = Response(item=item, body=body, public_body=public_text(item, body), author=actor, unit=item.unit)
    db.session.add(response)
    db.session.flush()
    return Handled({"response": response.id})


def _respond(item: Item, actor, *, body: str, **kw) -> Handled:
    if not can_publish_answer(actor, item):
        # An officer's answer is a draft for the head to approve.
        return Handled(_draft(item, actor, body=body).data, status=item.status, logged_as="draft")
    draft = item.pending_draft
    if body:
        if draft is not None and draft.body != body:
            draft.discarded = True
            draft = None
        if draft is None:
            _check_answer(body)
            draft = Response(item=item, body=body, author=actor, unit=item.unit)
            db.session.add(draft)
    elif draft is None:
        raise Invalid(_("Write the answer."), {"body": _("Write the answer.")})
    now = utcnow()
    draft.public_body = public_text(item, draft.body)
    draft.approved_by, draft.published_at = actor, now
    item.responded_at = now
    db.session.flush()
    return Handled({"response": draft.id, "late": bool(item.due_at and now > item.due_at)})


def _check_answer(body: str) -> None:
    if len(body) < 20:
        raise Invalid(_("Write the answer (at least 20 characters)."), {"body": _("Write at least %(n)s characters.", n=20)})
    if len(body) > ANSWER_MAX:
        raise Invalid(_("The answer is too long."), {"body": _("Write at most %(n)s characters.", n=ANSWER_MAX)})


def _reopen(item: Item, actor, **_kw) -> Handled:
    # Open again, with a new deadline: no longer answered until it is answered again.
    item.closed_at, item.responded_at = None, None
    _apply_deadline(item, utcnow(), "reopened", actor=actor)
    return Handled()


def _merge(item: Item, actor, *, original: str, **_kw) -> Handled:
    code = codes.normalise(original)
    target = db.session.scalar(select(Item).where(Item.code == code)) if code else None
    if target is None:
        raise Invalid(_("Give the tracking code of the original item."), {"original": _("No item has this code.")})
    seen = {item.id}
    while target.original_id is not None and target.id not in seen:  # point at the root original
        seen.add(target.id)
        target = target.original
    if target.id in seen:
        raise Invalid(_("An item cannot be merged into itself."), {"original": _("Choose another item.")})
    item.original = target
    return Handled({"original": target.code})


def _withdraw(item: Item, actor, **_kw) -> Handled:
    return Handled()


_HANDLERS = {"assign": _assign, "transfer": _transfer, "extend": _extend, "draft": _draft, "respond": _respond,
             "reopen": _reopen, "merge": _merge, "withdraw": _withdraw}


def public_text(item: Item, text: str) -> str:
    """``text`` as the public may read it: the filer's contact data and any identity numbers masked."""
    names = []
    if item.contact is not None:
        names = [(item.contact.name, "name"), (item.contact.address, "address")]
    return mask(text, names)


# --- personal data (Law 91/2025 on the protection of personal data) --------------------------

# Items whose personal data one tick removes at most (the next tick goes on).
ERASE_BATCH = 200


def erase_personal_data(items: list[Item], by: str, now: dt.datetime | None = None) -> None:
    """Remove the personal data of ``items``, keeping their public record.

    ``by`` is ``"filer"`` (the filer asked, proven by the access key: their contact data and the
    documents they attached) or ``"retention"`` (closed longer than PERSONAL_DATA_RETENTION_DAYS:
    every document too). The contact data is blanked, the item's title and text and the answers'
    full text keep only what the public may read (contact data and identity numbers masked), the
    status, dates, units and published answer stay. The audit log records it; plugins remove their
    own copies (``feedback_personal_data_erased``) in the same transaction: all or nothing.
    """
    now = now or utcnow()
    for item in items:
        item.title = public_text(item, item.title)[:TITLE_MAX]
        item.body = public_text(item, item.body)
        for response in item.responses:
            response.body = public_text(item, response.body)
        if item.contact is not None:
            contact = item.contact
            contact.name = contact.phone = contact.email = contact.address = ""
            contact.notify_sms = contact.notify_email = False
        for attachment in list(item.attachments):
            if by == "retention" or attachment.added_by_filer:
                item.attachments.remove(attachment)
        item.personal_data_erased_at = now
    db.session.flush()
    # What the filers wrote after filing goes whole (the log keeps that they wrote, and when).
    db.session.execute(update(FilerText).where(FilerText.item_id.in_([item.id for item in items]),
                                               FilerText.erased_at.is_(None))
                       .values(text="", file_names=[], salt="", erased_at=now),
                       execution_options={"synchronize_session": "fetch"})
    log_many([(item, "personal_data_erased", {"public": False, "data": {"by": by}}) for item in items],
             actor_kind="citizen" if by == "filer" else "system")
    hook().feedback_personal_data_erased(items=items, by=by)


def erase_expired_personal_data(now: dt.datetime) -> int:
    """The retention job: remove the personal data of items closed more than
    PERSONAL_DATA_RETENTION_DAYS ago (0: never); returns how many items it cleared."""
    days = current_app.config["PERSONAL_DATA_RETENTION_DAYS"]
    if not days:
        return 0
    items = db.session.scalars(
        select(Item).where(Item.closed_at < now - dt.timedelta(days=days), Item.personal_data_erased_at.is_(None))
        .order_by(Item.id).limit(ERASE_BATCH)).all()
    if items:
        erase_personal_data(list(items), "retention", now)
    return len(items)


def holds_personal_data(item: Item) -> bool:
    """Whether anything of the filer's own is left to remove."""
    return ((item.contact is not None and not item.contact.is_empty)
            or any(attachment.added_by_filer for attachment in item.attachments)
            or db.session.scalar(select(FilerText.id).where(FilerText.item_id == item.id, FilerText.erased_at.is_(None))
                                 .limit(1)) is not None)


# --- look-up and the filer's own view -------------------------------------------------------


def find_item(code: str) -> Item:
    normal = codes.normalise(code)
    if not codes.is_valid(normal):
        raise NotFound(_("This tracking code is not valid: check it for a typing mistake."),
                       {"code": _("Not a valid tracking code (e.g. PA-26-7K4Q-9M2X).")})
    item = db.session.scalar(select(Item).where(Item.code == normal))
    if item is None:
        raise _no_such_item()
    return item


def find_item_for_staff(user: User, code: str) -> Item:
    """The item with ``code`` if ``user`` handles it; otherwise NotFound, exactly as for a code that
    does not exist, so that staff of one unit cannot even learn what another unit holds."""
    item = find_item(code)
    if not can_handle(user, item):
        raise _no_such_item()
    return item


def _no_such_item() -> NotFound:
    return NotFound(_("No item has this tracking code."), {"code": _("No item has this tracking code.")})


def prove_filer(item: Item, key: str = "", phone: str = "") -> bool:
    """Whether ``key`` or ``phone`` proves the filer of ``item``; a wrong one is counted against the
    item (feedback.throttle), and after too many the item refuses every try for a while
    (TooManyAttempts), whatever the addresses they come from. Call it through the transaction
    boundary, so that the count is kept."""
    throttle.check("filer", item.code)
    if filer_may_see(item, key=key, phone=phone):
        return True
    throttle.failed("filer", item.code)
    return False


def filer_may_see(item: Item, key: str = "", phone: str = "") -> bool:
    if key and secrets.compare_digest(codes.digest(codes.normalise_key(key)), item.access_key_hash):
        return True
    if phone and item.contact is not None and item.contact.phone:
        return secrets.compare_digest(normalise_phone(phone), item.contact.phone)
    return False


def seal(salt: str, text: str, file_names: list[str]) -> str:
    """The hash of what a filer wrote, keyed by the salt kept beside the text (FilerText)."""
    message = json.dumps([text, list(file_names)], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(salt.encode(), message.encode(), hashlib.sha256).hexdigest()


def log_filer_text(item: Item, action: str, text: str, file_names: list[str] = (), *, data: dict | None = None,
                   **fields) -> ItemEvent:
    """Log what the filer did, and keep what they wrote beside the log (FilerText), the event holding
    only a keyed hash of it."""
    salt = secrets.token_hex(16)
    file_names = list(file_names)
    event = log(item, action, actor_kind="citizen", data={**(data or {}), "filer_text": seal(salt, text, file_names),
                                                          "files": len(file_names)}, **fields)
    db.session.add(FilerText(item_id=item.id, event_id=event.id, text=text, file_names=file_names, salt=salt,
                             created_at=event.at))
    db.session.flush()
    return event


def filer_text_intact(written: FilerText) -> bool:
    """Whether the text still matches the hash its event keeps (False once erased)."""
    expected = (written.event.data or {}).get("filer_text", "")
    return (written.erased_at is None and bool(written.salt)
            and hmac.compare_digest(seal(written.salt, written.text, written.file_names or []), expected))


def add_information(item: Item, text: str, files: list[tuple[str, bytes]]) -> ItemEvent:
    """The filer adds information or documents to an open item."""
    if item.status not in OPEN_STATUSES:
        raise Conflict(_("Information can be added only while the item is being handled."))
    text = (text or "").strip()
    errors = {}
    if not text and not files:
        errors["text"] = _("Write something or attach a file.")
    if len(text) > BODY_MAX:
        errors["text"] = _("Write at most %(n)s characters; attach a document for more.", n=BODY_MAX)
    if len(item.attachments) + len(files) > MAX_ATTACHMENTS + 5:
        errors["attachments"] = _("Attach at most %(n)s files.", n=MAX_ATTACHMENTS)
    checked_files, problems = check_files(files, current_app.config["ATTACHMENT_MAX_BYTES"])
    if problems:
        errors["attachments"] = problems
    if errors:
        raise Invalid(_("Nothing was added: please correct the marked fields."), errors)
    _attach(item, checked_files)
    db.session.flush()
    return log_filer_text(item, "information_added", text, [c.filename for c in checked_files], public=False)


def public_view(item: Item) -> dict:
    """What anyone may see of an item, with nothing personal in it."""
    response = item.published_response
    view = {
        "code": item.code,
        "kind": item.kind,
        "topic": item.topic,
        "channel": item.channel,
        "status": item.status,
        "unit": {"code": item.unit.code, "name": item.unit.name} if item.unit else None,
        "procedure": {"code": item.procedure.code, "name": item.procedure.name} if item.procedure else None,
        "title": public_text(item, item.title) if item.publish else None,
        "body": public_text(item, item.body) if item.publish else None,
        "received_at": item.received_at,
        "due_at": item.due_at,
        "deadline_days": item.deadline_days,
        "responded_at": item.responded_at,
        "overdue": item.is_overdue(),
        "original": item.original.code if item.original else None,
        "response": {"body": response.public_body, "published_at": response.published_at,
                     "unit": response.unit.name if response.unit else None,
                     "head_name": response.approved_by.name if response.approved_by else None,
                     "head_title": response.approved_by.title if response.approved_by else None} if response else None,
        "timeline": [public_event(event) for event in item.events if event.public],
        "story": story(item),
    }
    return restrict_public_view(item, view)


def restrict_public_view(item: Item, view: dict) -> dict:
    """Let every plugin tighten ``view`` (feedback_public_view, a chain changing it in place)."""
    hook().feedback_public_view(item=item, view=view)
    return view


def public_event(event: ItemEvent) -> dict:
    """An event as the public timeline shows it: what happened and when, reasons masked. The item's
    receipt is dated when the unit received it (the time staff entered for a hotline call or a
    letter), not when it was typed in."""
    shown_reason = event.action in ("transfer", "extend", "reject", "reopen")
    # What the filer did (a rating, added information) is theirs, not the unit's.
    by_unit = event.unit is not None and event.actor_kind != "citizen"
    return {"action": event.action, "at": event.item.received_at if event.action == "filed" else event.at,
            "from_status": event.from_status, "to_status": event.to_status,
            "unit": event.unit.name if by_unit else None,
            "to_unit": (event.data or {}).get("to_unit_name") if event.action == "escalate" else None,
            "reason": public_text(event.item, event.reason) if shown_reason else None}


def story(item: Item, now: dt.datetime | None = None) -> list[dict]:
    """The whole story of who held the item, from its obligations: each unit (the reception desk
    while it waited for its unit), from when to when, the working days it held it, its deadline,
    and whether it was late; lateness recorded when a holding ended is never recomputed."""
    from feedback.workdays import Calendar

    now = now or utcnow()
    holdings = item.obligations
    if not holdings:
        return []
    calendar = Calendar.load()
    rows = []
    for held in holdings:
        until = held.ended_at or now
        late = held.late if held.status != "open" else now > held.due_at
        rows.append({
            "unit": held.unit.name if held.unit else None, "unit_code": held.unit.code if held.unit else None,
            "task": held.kind, "status": held.status, "start_at": held.start_at, "ended_at": held.ended_at,
            "due_at": held.due_at, "days": held.days, "late": bool(late),
            "working_days": calendar.working_days_between(held.start_at.astimezone(LOCAL_TZ).date(),
                                                          until.astimezone(LOCAL_TZ).date()),
        })
    return rows


# --- the staff list -------------------------------------------------------------------------

SORTS = {
    "received_desc": (Item.received_at, True),
    "received_asc": (Item.received_at, False),
    "due_asc": (Item.due_at, False),
}


@dataclass
class ItemFilters:
    unit: str = ""
    status: str = ""
    kind: str = ""
    topic: str = ""
    channel: str = ""
    procedure: str = ""
    overdue: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str = ""
    sort: str = "received_desc"


def list_items(user: User, filters: ItemFilters, cursor: str | None = None, limit: int = 50) -> tuple[list[Item], str | None]:
    """A page of the items ``user`` handles, filtered and sorted, with the cursor of the next page."""
    if filters.sort not in SORTS:
        raise Invalid(_("Unknown sort order."), {"sort": _("Use one of: %(sorts)s.", sorts=", ".join(SORTS))})
    column, descending = SORTS[filters.sort]
    query = select(Item)
    scope = units_in_scope(user)
    if scope is not None:
        mine = Item.unit_id.in_(scope)
        query = query.where(or_(mine, Item.unit_id.is_(None)) if handles_reception(user) else mine)
    if filters.unit:
        if filters.unit == "none":
            query = query.where(Item.unit_id.is_(None))
        else:
            unit = db.session.scalar(select(Unit).where(Unit.code == filters.unit))
            if unit is None:
                raise Invalid(_("Unknown unit."), {"unit": _("Unknown unit.")})
            query = query.where(Item.unit_id == unit.id)
    for name in ("status", "kind", "topic", "channel"):
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(Item, name) == value)
    if filters.procedure:
        query = query.join(Procedure, Item.procedure_id == Procedure.id).where(Procedure.code == filters.procedure)
    if filters.overdue:
        query = query.where(Item.due_at < utcnow(), Item.status.in_(OPEN_STATUSES))
    if filters.received_from:
        query = query.where(Item.received_at >= local_midnight(filters.received_from))
    if filters.received_to:
        query = query.where(Item.received_at < local_midnight(filters.received_to + dt.timedelta(days=1)))
    if filters.q:
        code = codes.normalise(filters.q)
        words = [Item.search_text.contains(word, autoescape=True) for word in fold(filters.q).split()[:10]]
        query = query.where(or_(Item.code == code, and_(*words)) if words else Item.code == code)

    # Items without a deadline sort last.
    far = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)
    keyset = Keyset(salt="items-cursor", sort=filters.sort,
                    sort_value=func.coalesce(column, far) if filters.sort == "due_asc" else column,
                    id_column=Item.id, descending=descending, key=column.key, missing=far)
    return keyset.page(query, cursor, limit)

