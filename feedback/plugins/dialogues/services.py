"""The rules of dialogue sessions: planning, announcing, moving and cancelling; registrations and
questions before the day; attendance, answers and commitments on the day; the minutes after it.

Every surface (pages, API, demo, jobs) calls these functions. They take the moment they act at
(``now``), flush, write the session's log, and leave the commit to the caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from feedback.auth.models import User
from feedback.errors import Conflict, Forbidden, Invalid, NotFound
from feedback.extensions import db
from feedback.inputs import email_address, phone_number
from feedback.items.attachments import check_files
from feedback.items.models import Item
from feedback.items.services import units_in_scope
from feedback.obligations import services as obligations
from feedback.pluginmanager import fire_event
from feedback.plugins.dialogues.models import AgendaEntry, Attendance, Commitment, DialogueSession, Minutes, \
    Question, Registration, SessionEvent
from feedback.procedures.models import Procedure
from feedback.redaction import mask
from feedback.timeutil import LOCAL_TZ, utcnow
from feedback.units.models import Unit
from feedback.workdays import Calendar, count_working_days

# The obligations this plugin owns (feedback.obligations): the minutes of a session, and each commitment.
SESSION, MINUTES = "dialogue", "minutes"
COMMITMENT, KEPT = "dialogue_commitment", "commitment"

# Limits of every text, in characters.
PLACE_MAX, LINK_MAX, NAME_MAX, FIELD_MAX = 300, 500, 200, 200
MAX_FIELDS, MAX_PROCEDURES, MAX_INVITED, MAX_ATTENDANCE = 20, 30, 50, 200
TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 20, 5_000
ANSWER_MAX, COMMITMENT_MIN, COMMITMENT_MAX = 10_000, 5, 1_000
REASON_MAX, SUMMARY_MAX, CHANGES_MAX, NOTE_MAX = 2_000, 20_000, 2_000, 2_000
MAX_COMMITMENT_DAYS = 365
MAX_QUESTIONS = 500
LINK_PATTERN = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


# --- who may do what ------------------------------------------------------------------------


def may_manage(user: User | None, unit: Unit) -> bool:
    """Staff of the unit (or of a unit above it) and administrators plan and run its sessions."""
    if user is None or not user.is_authenticated:
        return False
    scope = units_in_scope(user)
    return scope is None or unit.id in scope


def may_approve(user: User | None, session: DialogueSession) -> bool:
    """The chair approves the minutes: the head who chaired, or the unit's head now."""
    if user is None or not user.is_authenticated:
        return False
    return user.id in (session.chair_id, session.unit.head_id)


def may_see(user: User | None, session: DialogueSession) -> bool:
    """Staff who run the session, its chair, and staff of a unit that carries out one of its commitments."""
    return (may_manage(user, session.unit) or may_approve(user, session)
            or any(may_manage(user, commitment.unit) for commitment in session.commitments))


def _require_manager(user: User | None, unit: Unit) -> None:
    if not may_manage(user, unit):
        raise Forbidden(_("Only staff of %(unit)s can do this.", unit=unit.name))


def managed_unit_ids(user: User) -> set[int] | None:
    return units_in_scope(user)


# --- reading --------------------------------------------------------------------------------


def get_session(session_id: int) -> DialogueSession:
    session = db.session.get(DialogueSession, session_id)
    if session is None:
        raise NotFound(_("No dialogue session has this number."))
    return session


def get_public_session(session_id: int) -> DialogueSession:
    """A session the public may see (announced, held or cancelled after its announcement)."""
    session = db.session.get(DialogueSession, session_id)
    if session is None or not session.is_public:
        raise NotFound(_("No dialogue session has this number."))
    return session


def public_sessions(unit: Unit | None = None, limit: int = 200) -> list[DialogueSession]:
    query = select(DialogueSession).where(DialogueSession.announced_at.is_not(None),
                                          DialogueSession.status != "planned")
    if unit is not None:
        query = query.where(DialogueSession.unit_id == unit.id)
    return list(db.session.scalars(query.order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc())
                                   .limit(limit)))


def staff_sessions(user: User, limit: int = 200) -> list[DialogueSession]:
    query = select(DialogueSession)
    scope = units_in_scope(user)
    if scope is not None:
        query = query.where(DialogueSession.unit_id.in_(scope or {-1}))
    return list(db.session.scalars(query.order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc())
                                   .limit(limit)))


def published_questions(session: DialogueSession) -> list[Question]:
    """The questions the public may read: once staff published the list, every one not hidden."""
    if session.questions_published_at is None:
        return []
    return [question for question in session.questions if not question.hidden]


def find_unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == (code or "").strip()))
    if unit is None:
        raise NotFound(_("No unit has this code."), {"unit": _("Choose a unit from the list.")})
    return unit


# --- the log --------------------------------------------------------------------------------


def log(session: DialogueSession, action: str, *, actor: User | None = None, at: dt.datetime | None = None,
        commitment: Commitment | None = None, flush: bool = True, **data) -> SessionEvent:
    event = SessionEvent(session=session, action=action, actor_id=actor.id if actor is not None else None,
                         at=at or utcnow(), commitment_id=commitment.id if commitment is not None else None,
                         data=data)
    db.session.add(event)
    if flush:
        db.session.flush()
    return event


# --- planning -------------------------------------------------------------------------------


@dataclass
class Plan:
    """What staff give when they plan (or move) a session; surfaces fill it from forms or JSON."""

    unit: str = ""
    day: dt.date | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    place: str = ""
    online_link: str = ""
    secretary: str = ""  # a user's id, as text
    fields: list[str] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)  # codes
    invited: list[str] = field(default_factory=list)


def notice_days() -> int:
    return int(current_app.config["DIALOGUES_NOTICE_WORKING_DAYS"])


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_TZ).date()


def working_days_of_notice(day: dt.date, now: dt.datetime, calendar: Calendar | None = None) -> int:
    """Working days between today and the session's day (today not counted, the day counted)."""
    return (calendar or Calendar.load()).working_days_between(local_day(now), day)


def earliest_day(now: dt.datetime, calendar: Calendar | None = None) -> dt.date:
    """The first day a session planned now may take place, with the notice required."""
    calendar = calendar or Calendar.load()
    day, _skipped = calendar.add_working_days(local_day(now), notice_days())
    return day


def _clean_list(values, limit: int, max_length: int, name: str, label: str, errors: dict) -> list[str]:
    cleaned, seen = [], set()
    for value in values or []:
        value = " ".join(str(value).split())
        if not value or value.lower() in seen:
            continue
        seen.add(value.lower())
        if len(value) > max_length:
            errors[name] = _("Each %(what)s has at most %(n)s characters.", what=label, n=max_length)
        cleaned.append(value)
    if len(cleaned) > limit:
        errors[name] = _("At most %(n)s %(what)s.", n=limit, what=label)
    return cleaned


def _check_plan(plan: Plan, unit: Unit, now: dt.datetime, errors: dict) -> dict:
    """Check a plan's time, place and people; the values to store."""
    values: dict = {}
    if plan.day is None:
        errors["day"] = _("Give the day of the session.")
    if plan.start is None:
        errors["start"] = _("Give the time the session starts.")
    if plan.end is None:
        errors["end"] = _("Give the time the session ends.")
    if plan.day and plan.start and plan.end:
        starts = dt.datetime.combine(plan.day, plan.start, tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
        ends = dt.datetime.combine(plan.day, plan.end, tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
        if ends <= starts:
            errors["end"] = _("The session must end after it starts.")
        if starts <= now:
            errors["day"] = _("The session cannot be in the past.")
        else:
            calendar = Calendar.load()
            if working_days_of_notice(plan.day, now, calendar) < notice_days():
                errors["day"] = _("A session is announced %(n)s working days ahead: choose %(day)s or later.",
                                  n=notice_days(), day=earliest_day(now, calendar).strftime("%d/%m/%Y"))
            elif not calendar.is_working_day(plan.day):
                errors["day"] = _("This day is not a working day (%(why)s).", why=calendar.why_not_working(plan.day))
        values.update(starts_at=starts, ends_at=ends)

    place, link = " ".join(plan.place.split()), plan.online_link.strip()
    if not place and not link:
        errors["place"] = _("Give the place of the session or its online link.")
    if len(place) > PLACE_MAX:
        errors["place"] = _("The place has at most %(n)s characters.", n=PLACE_MAX)
    if link and (len(link) > LINK_MAX or not LINK_PATTERN.match(link)):
        errors["online_link"] = _("Give a web address starting with https:// (at most %(n)s characters).", n=LINK_MAX)
    values.update(place=place, online_link=link)

    secretary = None
    if plan.secretary:
        secretary = db.session.get(User, int(plan.secretary)) if str(plan.secretary).isdigit() else None
        if secretary is None or not secretary.active or secretary.unit_id != unit.id:
            errors["secretary"] = _("Choose the secretary among the staff of %(unit)s.", unit=unit.name)
    values["secretary"] = secretary
    values["invited"] = _clean_list(plan.invited, MAX_INVITED, NAME_MAX, "invited", _("organisations"), errors)
    values["fields"] = _clean_list(plan.fields, MAX_FIELDS, FIELD_MAX, "fields", _("fields"), errors)
    codes = _clean_list(plan.procedures, MAX_PROCEDURES, 64, "procedures", _("procedures"), errors)
    procedures = list(db.session.scalars(select(Procedure).where(Procedure.code.in_(codes)))) if codes else []
    found = {procedure.code for procedure in procedures}
    unknown = [code for code in codes if code not in found]
    if unknown:
        errors["procedures"] = _("Not in the catalogue: %(codes)s.", codes=", ".join(unknown))
    elif any(procedure.unit_id != unit.id for procedure in procedures):
        errors["procedures"] = _("Choose procedures of %(unit)s.", unit=unit.name)
    values["procedures"] = sorted(procedures, key=lambda procedure: codes.index(procedure.code))
    return values


def plan_session(plan: Plan, actor: User, now: dt.datetime | None = None) -> DialogueSession:
    """Plan a session of a unit; Invalid, naming each field, when anything is wrong (nothing stored)."""
    now = now or utcnow()
    errors: dict = {}
    unit = db.session.scalar(select(Unit).where(Unit.code == plan.unit.strip())) if plan.unit.strip() else None
    if unit is None or not unit.exists_on(local_day(now)):
        raise Invalid(_("The session was not planned: please correct the marked fields."),
                      {"unit": _("Choose a unit from the list.")})
    _require_manager(actor, unit)
    if unit.head is None:
        errors["unit"] = _("%(unit)s has no head of unit to chair the session: an administrator names one first.",
                           unit=unit.name)
    values = _check_plan(plan, unit, now, errors)
    if errors:
        raise Invalid(_("The session was not planned: please correct the marked fields."), errors)
    secretary = values["secretary"]
    session = DialogueSession(
        unit=unit, status="planned", starts_at=values["starts_at"], ends_at=values["ends_at"], place=values["place"],
        online_link=values["online_link"], chair_id=unit.head.id, chair_name=unit.head.name,
        chair_title=unit.head.title, secretary_id=secretary.id if secretary else None,
        secretary_name=secretary.name if secretary else "", secretary_title=secretary.title if secretary else "",
        invited=values["invited"], created_by_id=actor.id, created_at=now)
    db.session.add(session)
    _set_chosen_agenda(session, values["fields"], values["procedures"], actor, now)
    db.session.flush()
    log(session, "planned", actor=actor, at=now, starts_at=session.starts_at.isoformat())
    return session


def _set_chosen_agenda(session: DialogueSession, fields: list[str], procedures: list[Procedure], actor, now) -> None:
    """The fields and procedures staff chose, as accepted agenda entries (suggestions are kept)."""
    for entry in [entry for entry in session.agenda if entry.kind in ("field", "procedure")]:
        session.agenda.remove(entry)
    for name in fields:
        session.agenda.append(AgendaEntry(kind="field", status="accepted", label=name, field=name,
                                          decided_by_id=actor.id, decided_at=now))
    for procedure in procedures:
        session.agenda.append(AgendaEntry(kind="procedure", status="accepted", label=procedure.name,
                                          procedure_id=procedure.id, field=procedure.field,
                                          decided_by_id=actor.id, decided_at=now))


def update_session(session: DialogueSession, plan: Plan, actor: User, now: dt.datetime | None = None) -> bool:
    """Change a planned or announced session; returns whether its time or place moved. An announced
    session that moves gets a new SEQUENCE and those who registered are told."""
    now = now or utcnow()
    _require_manager(actor, session.unit)
    if session.status not in ("planned", "announced"):
        raise Conflict(_("A session that was held or cancelled cannot be changed."))
    errors: dict = {}
    values = _check_plan(plan, session.unit, now, errors)
    if errors:
        raise Invalid(_("The session was not changed: please correct the marked fields."), errors)
    moved = (values["starts_at"], values["ends_at"], values["place"], values["online_link"]) != (
        session.starts_at, session.ends_at, session.place, session.online_link)
    before = {"starts_at": session.starts_at.isoformat(), "place": session.place}
    session.starts_at, session.ends_at = values["starts_at"], values["ends_at"]
    session.place, session.online_link, session.invited = values["place"], values["online_link"], values["invited"]
    secretary = values["secretary"]
    session.secretary_id = secretary.id if secretary else None
    session.secretary_name = secretary.name if secretary else ""
    session.secretary_title = secretary.title if secretary else ""
    _set_chosen_agenda(session, values["fields"], values["procedures"], actor, now)
    db.session.flush()
    if moved and session.status == "announced":
        session.sequence += 1
        log(session, "moved", actor=actor, at=now, before=before, starts_at=session.starts_at.isoformat(),
            place=session.place)
        fire_event("feedback_dialogue_changed", session=session, change="moved")
    else:
        log(session, "updated", actor=actor, at=now)
    return moved


def announce(session: DialogueSession, actor: User, now: dt.datetime | None = None) -> None:
    """Publish a planned session, with the notice required."""
    now = now or utcnow()
    _require_manager(actor, session.unit)
    if session.status != "planned":
        raise Conflict(_("Only a planned session can be announced."))
    day = local_day(session.starts_at)
    if session.starts_at <= now or working_days_of_notice(day, now) < notice_days():
        raise Invalid(_("A session is announced %(n)s working days ahead: move it to %(day)s or later first.",
                        n=notice_days(), day=earliest_day(now).strftime("%d/%m/%Y")),
                      {"day": _("Too close: fewer than %(n)s working days of notice.", n=notice_days())})
    session.status, session.announced_at = "announced", now
    db.session.flush()
    log(session, "announced", actor=actor, at=now)
    fire_event("feedback_dialogue_changed", session=session, change="announced")


def cancel(session: DialogueSession, reason: str, actor: User, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    _require_manager(actor, session.unit)
    if session.status not in ("planned", "announced"):
        raise Conflict(_("A session that was held or cancelled cannot be cancelled."))
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why the session is cancelled."), {"reason": _("Give the reason.")})
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long."), {"reason": _("At most %(n)s characters.", n=REASON_MAX)})
    announced = session.status == "announced"
    session.status, session.cancelled_at, session.cancel_reason = "cancelled", now, reason
    if announced:
        session.sequence += 1
    db.session.flush()
    log(session, "cancelled", actor=actor, at=now, reason=reason)
    if announced:
        fire_event("feedback_dialogue_changed", session=session, change="cancelled")


# --- the next session -----------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + dt.timedelta(days=day.day - 1),
               following - dt.timedelta(days=1))


def interval_months() -> int:
    return int(current_app.config["DIALOGUES_INTERVAL_MONTHS"])


def proposed_next_day(last_held: dt.date | None, now: dt.datetime | None = None,
                      calendar: Calendar | None = None) -> dt.date:
    """Six months (DIALOGUES_INTERVAL_MONTHS) after the last session, on a working day and with the
    notice required; the earliest possible day when there was none or that day is past."""
    now = now or utcnow()
    calendar = calendar or Calendar.load()
    earliest = earliest_day(now, calendar)
    wanted = add_months(last_held, interval_months()) if last_held else earliest
    day, _skipped = calendar.first_working_day_from(max(wanted, earliest))
    return day


# --- agenda from the data -------------------------------------------------------------------


def suggest_agenda(session: DialogueSession, actor: User, now: dt.datetime | None = None) -> list[AgendaEntry]:
    """Suggest subjects from the unit's last six months: procedures with many items, overdue
    items, inter-agency dossiers (items transferred to or from the unit), and low satisfaction
    reported by any plugin. Suggestions staff already accepted or dropped are not made again."""
    from feedback.plugins.dialogues import agenda

    now = now or utcnow()
    _require_manager(actor, session.unit)
    if session.status not in ("planned", "announced"):
        raise Conflict(_("The agenda of a session that was held or cancelled cannot be changed."))
    for entry in [entry for entry in session.agenda if entry.status == "suggested"]:
        session.agenda.remove(entry)
    decided = {(entry.kind, entry.procedure_id, entry.field) for entry in session.agenda}
    chosen = {entry.procedure_id for entry in session.agenda if entry.kind == "procedure" and entry.status == "accepted"}
    added = []
    for suggestion in agenda.suggestions(session.unit, now):
        key = (suggestion.kind, suggestion.procedure_id, suggestion.field)
        if key in decided:
            continue
        entry = AgendaEntry(kind=suggestion.kind, status="suggested", label=suggestion.label,
                            procedure_id=suggestion.procedure_id, field=suggestion.field, figure=suggestion.figure,
                            figure_text=suggestion.figure_text)
        if suggestion.procedure_id in chosen:
            entry.figure_text += " " + _("(the procedure is already on the agenda)")
        session.agenda.append(entry)
        added.append(entry)
    db.session.flush()
    log(session, "agenda_suggested", actor=actor, at=now, count=len(added))
    return added


def decide_agenda(session: DialogueSession, entry_id: int, accept: bool, actor: User,
                  now: dt.datetime | None = None) -> AgendaEntry:
    now = now or utcnow()
    _require_manager(actor, session.unit)
    if session.status not in ("planned", "announced"):
        raise Conflict(_("The agenda of a session that was held or cancelled cannot be changed."))
    entry = next((entry for entry in session.agenda if entry.id == entry_id), None)
    if entry is None:
        raise NotFound(_("This subject is not on the session's agenda."))
    entry.status, entry.decided_by_id, entry.decided_at = ("accepted" if accept else "dropped"), actor.id, now
    db.session.flush()
    log(session, "agenda_accepted" if accept else "agenda_dropped", actor=actor, at=now, label=entry.label)
    return entry


# --- before the day: registrations and questions -----------------------------------------------


def consent_text() -> str:
    """The words people agree to when they register or send a question; stored with what they sent."""
    return _("I agree that the unit uses my name, phone number and e-mail only for this dialogue session: to "
             "tell me about it and to answer my question. They are never published. I may see, correct or ask "
             "to delete them.")


def _current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def _check_contact(name: str, phone: str, email: str, errors: dict, name_required: bool = False) -> tuple:
    name, phone, email = " ".join((name or "").split()), (phone or "").strip(), (email or "").strip().lower()
    if name_required and not name:
        errors["name"] = _("Give your name.")
    if len(name) > NAME_MAX:
        errors["name"] = _("The name is longer than %(n)s characters.", n=NAME_MAX)
    if phone and phone_number(phone) is None:
        errors["phone"] = _("Enter a Vietnamese phone number, e.g. 0912 345 678 or 024 3825 1234.")
    if email and (len(email) > 255 or email_address(email) is None):
        errors["email"] = _("Enter a valid e-mail address, e.g. ten@example.com.")
    return name, (phone_number(phone) or "") if phone else "", (email_address(email) or "") if email else ""


def _open_before_the_day(session: DialogueSession, now: dt.datetime) -> None:
    if session.status != "announced" or not session.is_public:
        raise Conflict(_("This session does not take questions or registrations."))
    if now >= session.starts_at:
        raise Invalid(_("The session has started: questions and registrations are closed."),
                      {"session": _("Send your question before %(moment)s.",
                                    moment=session.starts_at.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y"))})


def register(session: DialogueSession, *, name: str, organisation: str = "", phone: str = "", email: str = "",
             consent: bool = False, now: dt.datetime | None = None) -> Registration:
    """Someone registers to attend; they hear of a move or a cancellation on the channels they gave."""
    now = now or utcnow()
    _open_before_the_day(session, now)
    errors: dict = {}
    name, phone, email = _check_contact(name, phone, email, errors, name_required=True)
    organisation = " ".join((organisation or "").split())
    if len(organisation) > NAME_MAX:
        errors["organisation"] = _("The name is longer than %(n)s characters.", n=NAME_MAX)
    if not consent:
        errors["consent"] = _("Tick the box to agree to the use of your contact data.")
    if errors:
        raise Invalid(_("You are not registered yet: please correct the marked fields."), errors)
    registration = Registration(session=session, name=name, organisation=organisation, phone=phone, email=email,
                                consent_text=consent_text(), consent_at=now, locale=_current_locale(),
                                created_at=now)
    db.session.add(registration)
    db.session.flush()
    log(session, "registered", at=now, registration=registration.id)
    from feedback.plugins.dialogues.messages import tell_registered

    tell_registered(registration)
    return registration


def _next_number(session: DialogueSession) -> int:
    return (db.session.scalar(select(func.max(Question.number)).where(Question.session_id == session.id)) or 0) + 1


def _check_question(title: str, body: str, errors: dict) -> tuple[str, str]:
    title, body = " ".join((title or "").split()), (body or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = _("Write a title of %(min)s to %(max)s characters.", min=TITLE_MIN, max=TITLE_MAX)
    if not body:
        errors["body"] = _("Write your question.")
    elif len(body) < BODY_MIN:
        errors["body"] = _("Write at least %(n)s characters so that the unit can understand.", n=BODY_MIN)
    elif len(body) > BODY_MAX:
        errors["body"] = _("Write at most %(n)s characters.", n=BODY_MAX)
    return title, body


def ask(session: DialogueSession, *, title: str, body: str, name: str = "", phone: str = "", email: str = "",
        consent: bool = False, source: str = "web", actor: User | None = None,
        now: dt.datetime | None = None) -> Question:
    """A question for the session, sent before it starts. Contact data is optional; when given, consent
    is required. The public list shows the text with personal data masked."""
    now = now or utcnow()
    if actor is None:
        _open_before_the_day(session, now)
    else:
        _require_manager(actor, session.unit)
        _open_for_staff(session)
    errors: dict = {}
    title, body = _check_question(title, body, errors)
    name, phone, email = _check_contact(name, phone, email, errors)
    if (name or phone or email) and not consent and actor is None:
        errors["consent"] = _("Tick the box to agree to the use of your contact data, or leave them all empty "
                              "to ask anonymously.")
    if len(session.questions) >= MAX_QUESTIONS:
        errors["session"] = _("This session has received as many questions as it can take.")
    if errors:
        raise Invalid(_("The question was not sent: please correct the marked fields."), errors)
    names = [(name, "name")]
    question = Question(
        session=session, number=_next_number(session), source=source, title=title, body=body,
        public_title=mask(title, names), public_body=mask(body, names), contact_name=name, contact_phone=phone,
        contact_email=email, consent_text=consent_text() if (name or phone or email) and consent else "",
        consent_at=now if (name or phone or email) and consent else None, locale=_current_locale(),
        created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(question)
    db.session.flush()
    log(session, "question", actor=actor, at=now, number=question.number, source=source)
    return question


def _open_for_staff(session: DialogueSession) -> None:
    if session.status == "cancelled":
        raise Conflict(_("The session was cancelled."))
    if session.published_minutes is not None and session.working_minutes is None:
        raise Conflict(_("The minutes are published: start a correction to change them."))


def attach_item(session: DialogueSession, code: str, actor: User, now: dt.datetime | None = None) -> Question:
    """Staff put an existing item on the session as a question. The public sees its texts as the
    item's public view has them (the filer agreed, masked, and reviewed where the register asks for a
    review); otherwise only its kind and tracking code."""
    from feedback.items.services import find_item, public_view

    now = now or utcnow()
    _require_manager(actor, session.unit)
    _open_for_staff(session)
    try:
        item: Item = find_item(code)
    except NotFound as exc:
        raise Invalid(exc.message, {"code": exc.message}) from None
    if item.unit_id != session.unit_id:
        raise Invalid(_("This item is not with %(unit)s.", unit=session.unit.name),
                      {"code": _("Choose an item of %(unit)s.", unit=session.unit.name)})
    if any(question.item_id == item.id for question in session.questions):
        raise Conflict(_("This item is already a question of the session."), {"code": _("Already attached.")})
    view = public_view(item)
    if view.get("title"):
        public_title, public_body = view["title"], view.get("body") or ""
    else:
        public_title = f"{item.kind_label} {item.code}"
        public_body = (_("The text of this item is not public before staff have reviewed it.") if item.publish
                       else _("The filer did not agree to publish the text of this item."))
    question = Question(session=session, number=_next_number(session), source="item", item_id=item.id,
                        title=item.title, body=item.body, public_title=public_title, public_body=public_body,
                        created_by_id=actor.id, created_at=now)
    db.session.add(question)
    db.session.flush()
    log(session, "question", actor=actor, at=now, number=question.number, source="item", item=item.code)
    return question


def publish_questions(session: DialogueSession, actor: User, now: dt.datetime | None = None) -> int:
    """Publish the list of questions (masked) before the day; returns how many are shown."""
    now = now or utcnow()
    _require_manager(actor, session.unit)
    if session.status != "announced":
        raise Conflict(_("Publish the questions of an announced session."))
    session.questions_published_at = session.questions_published_at or now
    db.session.flush()
    shown = len(published_questions(session))
    log(session, "questions_published", actor=actor, at=now, count=shown)
    return shown


def hide_question(question: Question, hidden: bool, reason: str, actor: User, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    _require_manager(actor, question.session.unit)
    reason = reason.strip()
    if hidden and not reason:
        raise Invalid(_("Say why the question is kept off the public list."), {"reason": _("Give the reason.")})
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long."), {"reason": _("At most %(n)s characters.", n=REASON_MAX)})
    question.hidden, question.hidden_reason = hidden, reason if hidden else ""
    db.session.flush()
    log(question.session, "question_hidden" if hidden else "question_shown", actor=actor, at=now,
        number=question.number)


def get_question(session: DialogueSession, question_id: int) -> Question:
    question = next((question for question in session.questions if question.id == question_id), None)
    if question is None:
        raise NotFound(_("This question is not one of the session's."))
    return question


# --- on the day: attendance, answers, commitments -----------------------------------------------


def _started(session: DialogueSession, now: dt.datetime) -> None:
    if session.status not in ("announced", "held"):
        raise Conflict(_("Only a session that was announced and held has attendance, answers and commitments."))
    if now < session.starts_at:
        raise Conflict(_("The session has not started yet."))
    _open_for_staff(session)


def answer(question: Question, text: str, answered_by: str, actor: User, now: dt.datetime | None = None) -> None:
    """Record the answer given at the session (masked for the public and the minutes)."""
    now = now or utcnow()
    session = question.session
    _require_manager(actor, session.unit)
    _started(session, now)
    text, answered_by = (text or "").strip(), " ".join((answered_by or "").split())
    errors = {}
    if not text:
        errors["answer"] = _("Write the answer given at the session.")
    elif len(text) > ANSWER_MAX:
        errors["answer"] = _("Write at most %(n)s characters.", n=ANSWER_MAX)
    if len(answered_by) > NAME_MAX:
        errors["answered_by"] = _("The name is longer than %(n)s characters.", n=NAME_MAX)
    if errors:
        raise Invalid(_("The answer was not recorded: please correct the marked fields."), errors)
    question.answer, question.answered_by, question.answered_at = text, answered_by or session.chair_name, now
    question.public_answer = mask(text, [(question.contact_name, "name")])
    db.session.flush()
    log(session, "answered", actor=actor, at=now, number=question.number)


@dataclass
class AttendanceRecord:
    organisations: list[tuple[str, int]] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    persons_consent: bool = False
    citizens: int = 0


def parse_attendance_lines(text: str) -> tuple[list[tuple[str, int]], dict]:
    """Organisations, one a line: "Name; count" (count 1 when left out)."""
    rows, errors = [], {}
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        name, _sep, count = line.rpartition(";") if ";" in line else (line, "", "1")
        name, count = " ".join(name.split()), count.strip()
        if not count.isdigit() or not 1 <= int(count) <= 10_000:
            errors["organisations"] = _("Line %(n)s: write the organisation, a semicolon and how many came "
                                        "(e.g. “Hiệp hội Doanh nghiệp tỉnh; 3”).", n=number)
            continue
        rows.append((name, int(count)))
    return rows, errors


def record_attendance(session: DialogueSession, record: AttendanceRecord, actor: User,
                      now: dt.datetime | None = None) -> None:
    """Replace the attendance: organisations with their counts, private persons by name only with
    their consent, and the others as a count."""
    now = now or utcnow()
    _require_manager(actor, session.unit)
    _started(session, now)
    errors: dict = {}
    organisations = []
    for name, count in record.organisations:
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX:
            errors["organisations"] = _("Each organisation has a name of at most %(n)s characters.", n=NAME_MAX)
        organisations.append((name, count))
    persons = [" ".join(name.split()) for name in record.persons if name.strip()]
    if persons and not record.persons_consent:
        errors["persons"] = _("Private persons are named only with their consent: tick the box once they agreed, "
                              "or count them among the citizens.")
    if any(len(name) > NAME_MAX for name in persons):
        errors["persons"] = _("Each name has at most %(n)s characters.", n=NAME_MAX)
    if len(organisations) + len(persons) > MAX_ATTENDANCE:
        errors["organisations"] = _("At most %(n)s lines.", n=MAX_ATTENDANCE)
    if not 0 <= record.citizens <= 100_000:
        errors["citizens"] = _("Give a number between 0 and 100000.")
    if errors:
        raise Invalid(_("The attendance was not recorded: please correct the marked fields."), errors)
    session.attendance.clear()
    db.session.flush()
    for name, count in organisations:
        session.attendance.append(Attendance(kind="organisation", name=name, count=count, created_at=now))
    for name in persons:
        session.attendance.append(Attendance(kind="person", name=name, count=1, consent_text=consent_text(),
                                             created_at=now))
    session.citizens_count = record.citizens
    db.session.flush()
    log(session, "attendance", actor=actor, at=now, organisations=len(organisations), persons=len(persons),
        citizens=record.citizens)


def participants(session: DialogueSession) -> dict:
    organisations = [(row.name, row.count) for row in session.attendance if row.kind == "organisation"]
    persons = [row.name for row in session.attendance if row.kind == "person"]
    total = sum(count for _name, count in organisations) + len(persons) + session.citizens_count
    return {"organisations": organisations, "persons": persons, "citizens": session.citizens_count, "total": total}


def commitment_deadline(session: DialogueSession, days: int):
    """Working days counted from the session, as an item's answer is counted from its receipt."""
    deadline = count_working_days(session.starts_at, days, Calendar.load())
    explanation = dict(deadline.explanation, legal_basis=_("Commitment made at the dialogue session"))
    return type(deadline)(deadline.due_at, deadline.days, explanation)


def add_commitment(session: DialogueSession, *, text: str, unit: str, days, question_id: int | None = None,
                   actor: User, now: dt.datetime | None = None) -> Commitment:
    """A commitment made at the session: what, which unit, within how many working days. It becomes
    an obligation of that unit, reminded and escalated by the core like an item's answer."""
    now = now or utcnow()
    _require_manager(actor, session.unit)
    _started(session, now)
    errors: dict = {}
    text = (text or "").strip()
    if len(text) < COMMITMENT_MIN:
        errors["text"] = _("Write what was promised (at least %(n)s characters).", n=COMMITMENT_MIN)
    elif len(text) > COMMITMENT_MAX:
        errors["text"] = _("Write at most %(n)s characters.", n=COMMITMENT_MAX)
    responsible = None
    if not (unit or "").strip():
        errors["unit"] = _("Say which unit carries out the commitment.")
    else:
        responsible = db.session.scalar(select(Unit).where(Unit.code == unit.strip()))
        if responsible is None or not responsible.is_current:
            errors["unit"] = _("Choose a unit from the list.")
    if days in (None, ""):
        errors["days"] = _("Give the deadline in working days.")
    else:
        try:
            days = int(days)
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= MAX_COMMITMENT_DAYS:
            errors["days"] = _("Give between 1 and %(n)s working days.", n=MAX_COMMITMENT_DAYS)
    question = None
    if question_id:
        question = next((q for q in session.questions if q.id == int(question_id)), None)
        if question is None:
            errors["question"] = _("Choose a question of this session.")
    if errors:
        raise Invalid(_("The commitment was not recorded: please correct the marked fields."), errors)
    deadline = commitment_deadline(session, days)
    commitment = Commitment(session=session, question=question, unit=responsible, text=text,
                            public_text=mask(text), days=days, due_at=deadline.due_at, status="open",
                            created_by_id=actor.id, created_at=now)
    db.session.add(commitment)
    db.session.flush()
    obligations.open_obligation(COMMITMENT, commitment.id, KEPT, deadline, start_at=session.starts_at,
                                unit_id=responsible.id, assignee_id=responsible.head_id)
    log(session, "commitment", actor=actor, at=now, commitment=commitment, unit=responsible.code, days=days)
    return commitment


def get_commitment(commitment_id: int) -> Commitment:
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(_("No commitment has this number."))
    return commitment


def complete_commitment(commitment: Commitment, note: str, files: list[tuple[str, bytes]], actor: User,
                        now: dt.datetime | None = None) -> None:
    """The responsible unit shows the commitment is done: a note, and optionally a document. Whether it
    was late is written once, now."""
    now = now or utcnow()
    if not (may_manage(actor, commitment.unit) or may_manage(actor, commitment.session.unit)):
        raise Forbidden(_("Only staff of %(unit)s can do this.", unit=commitment.unit.name))
    if commitment.status != "open":
        raise Conflict(_("This commitment is already done."))
    note = (note or "").strip()
    errors: dict = {}
    if not note:
        errors["note"] = _("Say what was done (the evidence).")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("Write at most %(n)s characters.", n=NOTE_MAX)
    files = [(name, data) for name, data in files if name and data]
    checked = []
    if len(files) > 1:
        errors["evidence"] = _("Attach one document.")
    elif files:
        checked, problem = check_files(files, current_app.config["ATTACHMENT_MAX_BYTES"])
        if problem:
            errors["evidence"] = problem
    if errors:
        raise Invalid(_("The commitment was not marked done: please correct the marked fields."), errors)
    obligation = obligations.current(COMMITMENT, commitment.id, KEPT)
    if obligation is not None:
        obligations.end(obligation, "met", now)
    commitment.status, commitment.done_at, commitment.late = "done", now, now > commitment.due_at
    commitment.evidence_note = mask(note)
    if checked:
        commitment.evidence, commitment.evidence_filename = checked[0].data, checked[0].filename
        commitment.evidence_type = checked[0].content_type
    db.session.flush()
    log(commitment.session, "commitment_done", actor=actor, at=now, commitment=commitment, late=commitment.late)


# --- held, and the minutes ------------------------------------------------------------------


def minutes_days() -> int:
    return int(current_app.config["DIALOGUES_MINUTES_DUE_WORKING_DAYS"])


def mark_held(session: DialogueSession, closing: dt.time | None, actor: User, now: dt.datetime | None = None) -> Minutes:
    """The session took place and closed at ``closing``: the minutes are due within
    DIALOGUES_MINUTES_DUE_WORKING_DAYS working days (an obligation of the unit), and a first draft opens."""
    now = now or utcnow()
    _require_manager(actor, session.unit)
    if session.status != "announced":
        raise Conflict(_("Only an announced session can be recorded as held."))
    if now < session.starts_at:
        raise Conflict(_("The session has not started yet."))
    if closing is None:
        raise Invalid(_("Give the time the session closed."), {"closing": _("Give the time the session closed.")})
    closed = dt.datetime.combine(local_day(session.starts_at), closing, tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
    if closed <= session.starts_at or closed > now:
        raise Invalid(_("The closing time is after the start and not in the future."),
                      {"closing": _("The closing time is after the start and not in the future.")})
    session.status, session.held_at, session.ends_at = "held", now, closed
    minutes = Minutes(session=session, version=1, status="draft", closing_at=closed, created_by_id=actor.id,
                      created_at=now)
    db.session.add(minutes)
    db.session.flush()
    deadline = count_working_days(closed, minutes_days(), Calendar.load())
    deadline = type(deadline)(deadline.due_at, deadline.days,
                              dict(deadline.explanation, legal_basis=_("Minutes of the dialogue session")))
    obligations.open_obligation(SESSION, session.id, MINUTES, deadline, start_at=closed, unit_id=session.unit_id,
                                assignee_id=session.secretary_id or session.chair_id)
    log(session, "held", actor=actor, at=now, closing_at=closed.isoformat())
    fire_event("feedback_dialogue_held", session=session)
    return minutes


def minutes_obligation(session: DialogueSession):
    return obligations.latest(SESSION, session.id, MINUTES)


def save_minutes(minutes: Minutes, *, summary: str, changes: str = "", actor: User,
                 now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    _require_manager(actor, minutes.session.unit)
    if minutes.status != "draft":
        raise Conflict(_("Only a draft of the minutes can be edited."))
    errors = {}
    summary, changes = (summary or "").strip(), (changes or "").strip()
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = _("Write at most %(n)s characters.", n=SUMMARY_MAX)
    if len(changes) > CHANGES_MAX:
        errors["changes"] = _("Write at most %(n)s characters.", n=CHANGES_MAX)
    if errors:
        raise Invalid(_("The minutes were not saved: please correct the marked fields."), errors)
    minutes.summary, minutes.changes = summary, changes
    db.session.flush()
    log(minutes.session, "minutes_saved", actor=actor, at=now, version=minutes.version)


def submit_minutes(minutes: Minutes, actor: User, now: dt.datetime | None = None) -> None:
    """Send the draft to the chair: its content is frozen as it will be published."""
    now = now or utcnow()
    session = minutes.session
    _require_manager(actor, session.unit)
    if minutes.status != "draft":
        raise Conflict(_("Only a draft of the minutes can be sent to the chair."))
    errors = {}
    unanswered = [str(q.number) for q in session.questions if not q.hidden and not q.answer]
    if unanswered:
        errors["questions"] = _("Record the answer to every question first (questions %(numbers)s).",
                                numbers=", ".join(unanswered))
    if minutes.version > 1 and not minutes.changes.strip():
        errors["changes"] = _("A correction says what changed from the version before.")
    if errors:
        raise Invalid(_("The minutes were not sent to the chair: please correct the marked fields."), errors)
    from feedback.plugins.dialogues.minutes import snapshot

    minutes.content = snapshot(session, minutes)
    minutes.content_sha256 = content_hash(minutes.content)
    minutes.status, minutes.submitted_at, minutes.return_note = "submitted", now, ""
    db.session.flush()
    log(session, "minutes_submitted", actor=actor, at=now, version=minutes.version)


def content_hash(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def return_minutes(minutes: Minutes, note: str, actor: User, now: dt.datetime | None = None) -> None:
    """The chair sends the minutes back to the secretary with a note."""
    now = now or utcnow()
    if not may_approve(actor, minutes.session):
        raise Forbidden(_("Only the chair of the session approves its minutes."))
    if minutes.status != "submitted":
        raise Conflict(_("Only minutes awaiting approval can be sent back."))
    note = (note or "").strip()
    if not note or len(note) > REASON_MAX:
        raise Invalid(_("Say what must change."), {"note": _("Give a note of at most %(n)s characters.", n=REASON_MAX)})
    minutes.status, minutes.return_note, minutes.content, minutes.content_sha256 = "draft", note, None, ""
    db.session.flush()
    log(minutes.session, "minutes_returned", actor=actor, at=now, version=minutes.version, note=note)


def approve_minutes(minutes: Minutes, actor: User, now: dt.datetime | None = None) -> None:
    """The chair approves: the version is published (the one before, if any, is superseded), the
    minutes' obligation is met (late or not, written once), and the PDF is made by a job."""
    from feedback import jobs

    now = now or utcnow()
    session = minutes.session
    if not may_approve(actor, session):
        raise Forbidden(_("Only the chair of the session approves its minutes."))
    if minutes.status != "submitted":
        raise Conflict(_("Only minutes awaiting approval can be approved."))
    previous = session.published_minutes
    if previous is not None:
        previous.status = "superseded"
    minutes.status, minutes.published_at, minutes.approved_by_id = "published", now, actor.id
    db.session.flush()
    obligation = obligations.current(SESSION, session.id, MINUTES)
    if obligation is not None:
        obligations.end(obligation, "met", now)
    log(session, "minutes_published", actor=actor, at=now, version=minutes.version,
        late=bool(obligation.late) if obligation is not None else None)
    jobs.enqueue("feedback.plugins.dialogues.jobs.render_minutes", minutes.id)


def start_correction(session: DialogueSession, actor: User, now: dt.datetime | None = None) -> Minutes:
    """A new draft version after the published one; the published one stays as it is."""
    now = now or utcnow()
    _require_manager(actor, session.unit)
    published = session.published_minutes
    if published is None:
        raise Conflict(_("Only published minutes can be corrected."))
    if session.working_minutes is not None:
        raise Conflict(_("A version of the minutes is already being written."))
    minutes = Minutes(session=session, version=published.version + 1, status="draft", summary=published.summary,
                      closing_at=published.closing_at, created_by_id=actor.id, created_at=now)
    db.session.add(minutes)
    db.session.flush()
    log(session, "minutes_correction", actor=actor, at=now, version=minutes.version)
    return minutes


def get_minutes(session: DialogueSession, version: int) -> Minutes:
    minutes = next((m for m in session.minutes if m.version == version), None)
    if minutes is None:
        raise NotFound(_("These minutes do not exist."))
    return minutes


# --- units merged ---------------------------------------------------------------------------


def merge_into(sources: list[Unit], successor: Unit, actor: User | None, now: dt.datetime | None = None) -> None:
    """Open commitments and coming sessions pass to the successor (deadlines kept); held sessions
    and done commitments stay with the units that held and kept them."""
    now = now or utcnow()
    ids = [unit.id for unit in sources]
    for commitment in db.session.scalars(select(Commitment).where(Commitment.unit_id.in_(ids),
                                                                  Commitment.status == "open")):
        obligation = obligations.current(COMMITMENT, commitment.id, KEPT)
        if obligation is not None:
            obligations.transfer(obligation, unit_id=successor.id, assignee_id=successor.head_id, deadline=None,
                                 at=now, actor_id=actor.id if actor else None, reason="merge")
        log(commitment.session, "commitment_transferred", actor=actor, at=now, commitment=commitment,
            unit=successor.code, flush=False)
        commitment.unit_id = successor.id
    for session in db.session.scalars(select(DialogueSession).where(
            DialogueSession.unit_id.in_(ids), DialogueSession.status.in_(("planned", "announced")))):
        session.unit_id = successor.id
        log(session, "unit_merged", actor=actor, at=now, unit=successor.code, flush=False)
    db.session.flush()
