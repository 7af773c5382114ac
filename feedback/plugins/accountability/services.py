"""Deadline rules, routing with delegation, and what tick does for items: who is reminded, who
an overdue item is escalated to, and letters of apology, each exactly once."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import and_, exists, func, insert, or_, select
from sqlalchemy.orm import selectinload

from feedback import jobs, messages
from feedback.extensions import db
from feedback.items.messages import to_staff
from feedback.items.models import Item
from feedback.items.services import log_many
from feedback.items.states import OPEN_STATUSES
from feedback.obligations.models import Obligation
from feedback.obligations.services import give_notices
from feedback.pluginmanager import fire_event
from feedback.plugins.accountability.models import Answer, ApologyLetter, DeadlineRule, Delegation, Notice
from feedback.timeutil import LOCAL_TZ, local_today
from feedback.units.models import Unit
from feedback.workdays import Calendar, Deadline, count_working_days, extend_by_working_days, local_deadline


# --- rules ----------------------------------------------------------------------------------


def rule_for(item: Item) -> tuple[int, str]:
    """(working days, legal basis) of the most specific rule that fits the item."""
    rules = db.session.scalars(select(DeadlineRule).where(
        or_(DeadlineRule.kind.is_(None), DeadlineRule.kind == item.kind),
        or_(DeadlineRule.topic.is_(None), DeadlineRule.topic == item.topic),
        or_(DeadlineRule.procedure_id.is_(None), DeadlineRule.procedure_id == item.procedure_id),
    )).all()
    if rules:
        best = max(rules, key=lambda rule: rule.specificity)
        return best.days, best.legal_basis
    days = current_app.config["DEADLINE_DAYS"].get(item.kind, 10)
    return days, current_app.config["DEADLINE_LEGAL_BASIS"]


def compute_deadline(item: Item, start: dt.datetime, cause: str, days: int | None) -> Deadline | None:
    """The item's deadline by the most specific rule, counted in working days from ``start``; an
    extension adds ``days`` to the current one; a transfer keeps it when DEADLINE_ON_TRANSFER says so."""
    calendar = Calendar.load()
    if cause == "awaiting_routing":
        # The reception desk's own short deadline to find the unit, from the day of receipt.
        deadline = count_working_days(start, current_app.config["ROUTING_DEADLINE_DAYS"], calendar)
        return Deadline(deadline.due_at, deadline.days, {
            **deadline.explanation, "legal_basis": current_app.config["DEADLINE_LEGAL_BASIS"], "cause": cause})
    if cause == "transferred" and current_app.config["DEADLINE_ON_TRANSFER"] == "keep" and item.due_at:
        return None
    if cause == "extended":
        held = (Deadline(item.due_at, item.deadline_days or 0, item.deadline_basis) if item.due_at
                else Deadline(local_deadline(local_today()), 0, {}))
        return extend_by_working_days(held, days, calendar)
    rule_days, legal_basis = rule_for(item)
    deadline = count_working_days(start, rule_days, calendar)
    return Deadline(deadline.due_at, deadline.days, {**deadline.explanation, "legal_basis": legal_basis,
                                                      "cause": cause})


# --- routing and delegation -----------------------------------------------------------------


def active_delegation(unit_id: int, day: dt.date | None = None) -> Delegation | None:
    day = day or local_today()
    return db.session.scalar(select(Delegation).where(
        Delegation.unit_id == unit_id, Delegation.starts_on <= day, Delegation.ends_on >= day,
    ).order_by(Delegation.id.desc()).limit(1))


def assignee_for(item: Item):
    if item.unit is None:
        return None
    delegation = active_delegation(item.unit_id)
    if delegation is not None and delegation.delegate.active:
        return delegation.delegate
    return item.unit.head


def may_answer(item: Item, user) -> bool | None:
    if item.unit is None:
        return False
    if item.unit.head_id == user.id:
        return True
    delegation = active_delegation(item.unit_id)
    return delegation is not None and delegation.delegate_id == user.id


def record_answer(item: Item) -> None:
    """Keep what the statistics need about an answer."""
    calendar = Calendar.load()
    received = item.received_at.astimezone(LOCAL_TZ).date()
    answered = item.responded_at.astimezone(LOCAL_TZ).date()
    db.session.add(Answer(
        item_id=item.id, unit_id=item.unit_id, received_at=item.received_at, answered_at=item.responded_at,
        due_at=item.due_at, on_time=item.due_at is None or item.responded_at <= item.due_at,
        working_days=calendar.working_days_between(received, answered),
    ))


# --- tick: who is told, and letters of apology -----------------------------------------------

RENDER_LETTER_JOB = "feedback.plugins.accountability.jobs.render_letter"
# The core signals due_soon, due_today and overdue; here is whom each one reaches.
REMINDER_KINDS = {"due_soon": "due_soon_assignee", "due_today": "due_today_head"}


def escalation_level(kind: str) -> int:
    """1 for ``escalated`` (the parent unit), N for ``escalated_N`` (N levels up); 0 for a reminder."""
    if kind == "escalated":
        return 1
    if kind.startswith("escalated_") and kind[len("escalated_"):].isdigit():
        return int(kind[len("escalated_"):])
    return 0


def _escalation_kind(level: int) -> str:
    return "escalated" if level == 1 else f"escalated_{level}"


def _units_with_heads() -> dict[int, Unit]:
    """Every unit with its head, in one statement: the ladder escalations climb."""
    return {unit.id: unit for unit in db.session.scalars(select(Unit).options(selectinload(Unit.head)))}


def _items_to_tell(item_ids: set[int]) -> dict[int, Item]:
    return {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(item_ids)).options(
        selectinload(Item.assignee), selectinload(Item.unit).selectinload(Unit.head)))}


def tell_due(notices: list, now: dt.datetime) -> int:
    """The core found items' obligations due soon, due today or overdue (feedback_obligations_due):
    remind the assignee (the head of the holding unit too on the day) and escalate overdue items to
    the parent of the unit that holds the obligation (the reception desk's for an item waiting to be
    routed), once per item, kind and deadline. A fixed number of statements for any number of items."""
    item_ids = {notice.obligation.owner_id for notice in notices}
    items = _items_to_tell(item_ids)
    units = _units_with_heads()
    told = {tuple(row) for row in db.session.execute(select(Notice.item_id, Notice.kind, Notice.due_at).where(
        Notice.item_id.in_(item_ids)))}
    given = []
    for notice in notices:
        item = items.get(notice.obligation.owner_id)
        holder = units.get(notice.obligation.unit_id)
        if item is None or item.status not in OPEN_STATUSES or holder is None:
            continue
        if notice.kind in REMINDER_KINDS:
            kind = REMINDER_KINDS[notice.kind]
            recipient = (item.assignee or holder.head) if kind == "due_soon_assignee" else holder.head
            unit = holder
            if recipient is None:
                continue
        else:
            kind, unit = "escalated", units.get(holder.parent_id)
            if unit is None:
                continue
            recipient = unit.head
        if (item.id, kind, notice.due_at) in told:
            continue
        told.add((item.id, kind, notice.due_at))
        given.append((item, kind, recipient, unit, notice.due_at))
    return _give(given, now)


def climb(now: dt.datetime) -> int:
    """Escalate again, one level up, every open item still unanswered ESCALATION_STEP_DAYS working days
    after its last escalation, until the head at the top of the tree (the province's chair) has it.

    Three statements find them whatever their number (the last escalations of open obligations, the
    unit tree, the items); the notices, log rows and messages are then written in sets."""
    step = current_app.config["ESCALATION_STEP_DAYS"]
    latest: dict[tuple[int, dt.datetime], tuple[int, int, dt.datetime]] = {}
    for item_id, kind, unit_id, created_at, due_at in db.session.execute(
            select(Notice.item_id, Notice.kind, Notice.unit_id, Notice.created_at, Notice.due_at)
            .join(Obligation, and_(Obligation.owner_type == "item", Obligation.owner_id == Notice.item_id,
                                   Obligation.status == "open", Obligation.due_at == Notice.due_at))
            .where(Notice.kind.like("escalated%"))):
        level = escalation_level(kind)
        if level and level > latest.get((item_id, due_at), (0,))[0]:
            latest[(item_id, due_at)] = (level, unit_id, created_at)
    units = _units_with_heads()
    calendar = Calendar.load()
    climbing = []
    for (item_id, due_at), (level, unit_id, created_at) in latest.items():
        reached = units.get(unit_id)
        above = units.get(reached.parent_id) if reached is not None else None
        if above is None:
            continue  # the top of the tree has it
        since = created_at.astimezone(LOCAL_TZ).date()
        if now < local_deadline(calendar.add_working_days(since, step)[0]):
            continue
        climbing.append((item_id, level + 1, above, due_at))
    if not climbing:
        return 0
    items = _items_to_tell({item_id for item_id, *_rest in climbing})
    given = [(items[item_id], _escalation_kind(level), above.head, above, due_at)
             for item_id, level, above, due_at in climbing
             if item_id in items and items[item_id].status in OPEN_STATUSES]
    return _give(given, now)


def _give(given: list, now: dt.datetime) -> int:
    """Record, log, tell and announce the reminders and escalations decided, in sets."""
    if not given:
        return 0
    db.session.execute(insert(Notice), [
        {"item_id": item.id, "kind": kind, "due_at": due_at, "recipient_id": recipient.id if recipient else None,
         "unit_id": unit.id, "created_at": now} for item, kind, recipient, unit, due_at in given])
    log_many([(item, "escalate", {"data": {"to_unit": unit.code, "to_unit_name": unit.name,
                                           "level": escalation_level(kind)}})
              if escalation_level(kind) else
              (item, "reminder", {"public": False, "data": {"kind": kind, "recipient": recipient.id}})
              for item, kind, recipient, unit, _due in given])
    messages.ask(*[to_staff(recipient, item, "escalation" if escalation_level(kind) else "reminder",
                            key=f"accountability:{item.id}:{kind}:{due_at.isoformat()}")
                   for item, kind, recipient, _unit, due_at in given if recipient is not None])
    for item, kind, recipient, unit, _due in given:
        if escalation_level(kind):
            fire_event("feedback_item_escalated", item=item, unit=unit, head=recipient)
        else:
            fire_event("feedback_item_reminded", item=item, recipient=recipient, kind=kind)
    return len(given)


def late_items_without_letter(now: dt.datetime):
    """Items open past their deadline, or answered after it, with no letter for that deadline."""
    has_letter = exists().where(ApologyLetter.item_id == Item.id, ApologyLetter.due_at == Item.due_at)
    late = or_(and_(Item.status.in_(OPEN_STATUSES), Item.due_at < now),
               and_(Item.responded_at.is_not(None), Item.responded_at > Item.due_at))
    return db.session.scalars(select(Item).where(Item.due_at.is_not(None), Item.unit_id.is_not(None), late,
                                                 ~has_letter).order_by(Item.id)
                              .options(selectinload(Item.unit).selectinload(Unit.head)))


def issue_apologies(now: dt.datetime) -> int:
    """Number and date a letter for every lateness without one, in this transaction; the PDFs are
    made by jobs after the commit (render_letter), which then send them. A fixed number of
    statements for any number of letters."""
    calendar = Calendar.load()
    today = now.astimezone(LOCAL_TZ).date()
    late = late_items_without_letter(now).all()
    if not late:
        return 0
    appointment_day = calendar.add_working_days(today, current_app.config["APOLOGY_NEW_APPOINTMENT_DAYS"])[0]
    numbers = dict(db.session.execute(select(ApologyLetter.unit_id, func.max(ApologyLetter.number)).where(
        ApologyLetter.year == today.year, ApologyLetter.unit_id.in_({item.unit_id for item in late}),
    ).group_by(ApologyLetter.unit_id)).all())
    rows = []
    for item in late:
        answered_late = item.responded_at is not None and item.responded_at > item.due_at
        numbers[item.unit_id] = (numbers.get(item.unit_id) or 0) + 1
        signer = item.unit.head
        rows.append({
            "item_id": item.id, "unit_id": item.unit_id, "year": today.year, "number": numbers[item.unit_id],
            "due_at": item.due_at, "answered_late": answered_late, "created_at": now, "pdf": None,
            "new_appointment": item.responded_at.astimezone(LOCAL_TZ).date() if answered_late else appointment_day,
            "signer_name": signer.name if signer else "", "signer_title": signer.title if signer else ""})
    db.session.execute(insert(ApologyLetter), rows)
    by_item = {item.id: item for item in late}
    letters = db.session.scalars(select(ApologyLetter).where(
        ApologyLetter.item_id.in_(by_item), ApologyLetter.created_at == now).order_by(ApologyLetter.id)).all()
    log_many([(by_item[letter.item_id], "apology_issued", {"data": {
        "letter": letter.id, "reference": letter.reference, "new_appointment": letter.new_appointment.isoformat()}})
        for letter in letters])
    for letter in letters:
        jobs.enqueue(RENDER_LETTER_JOB, letter.id)
    return len(letters)


def resend_lost_letters(now: dt.datetime) -> int:
    """Hand to a job again every letter whose PDF a lost job never made (Redis down, a worker killed)."""
    stale = now - dt.timedelta(seconds=current_app.config["JOB_TIMEOUT"])
    waiting = db.session.scalars(select(ApologyLetter.id).where(
        ApologyLetter.pdf.is_(None), ApologyLetter.created_at < stale).order_by(ApologyLetter.id).limit(1000)).all()
    for letter_id in waiting:
        jobs.enqueue(RENDER_LETTER_JOB, letter_id)
    return len(waiting)


def tick(now: dt.datetime) -> str:
    # The reminders and escalations of this tick come from the core's pass over every obligation;
    # it runs in the core's own tick, and here again in case this one runs alone (a second run
    # signals nothing twice). The letters then see the items it escalated.
    give_notices(now)
    climb(now)
    told = dict(db.session.execute(select(Notice.kind, func.count()).where(Notice.created_at == now)
                                   .group_by(Notice.kind)).all())
    reminders = told.get("due_soon_assignee", 0) + told.get("due_today_head", 0)
    escalations = sum(number for kind, number in told.items() if escalation_level(kind))
    letters = issue_apologies(now)
    resend_lost_letters(now)
    return f"{reminders} reminders, {escalations} escalations, {letters} apology letters"
