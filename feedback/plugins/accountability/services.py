"""Deadlines in working days, routing with delegation, and what tick does: reminders,
escalations and letters of apology, each exactly once."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from feedback.extensions import db
from feedback.items.deadlines import Deadline
from feedback.items.models import Item
from feedback.items.services import log
from feedback.items.states import OPEN_STATUSES
from feedback.pluginmanager import fire_event
from feedback.plugins.accountability.models import Answer, ApologyLetter, DeadlineRule, Delegation, Notice
from feedback.timeutil import LOCAL_TZ, local_today
from feedback.workdays import Calendar


def office_closes_at() -> dt.time:
    hours, minutes = current_app.config["OFFICE_CLOSES_AT"].split(":")
    return dt.time(int(hours), int(minutes))


def local_deadline(day: dt.date) -> dt.datetime:
    """The end of office hours of ``day``, in UTC."""
    return dt.datetime.combine(day, office_closes_at(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)


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


def counting_start(received_at: dt.datetime, calendar: Calendar) -> tuple[dt.date, str | None, list]:
    """The day of receipt for counting: the next working day if received on a day off or after hours."""
    local = received_at.astimezone(LOCAL_TZ)
    day, moved = local.date(), None
    if calendar.is_working_day(day) and local.time() >= office_closes_at():
        moved, day = "after_hours", day + dt.timedelta(days=1)
    elif not calendar.is_working_day(day):
        moved = "day_off"
    start, skipped = calendar.first_working_day_from(day)
    return start, moved, skipped


def compute_deadline(item: Item, start: dt.datetime, cause: str, days: int | None) -> Deadline | None:
    calendar = Calendar.load()
    if cause == "transferred" and current_app.config["DEADLINE_ON_TRANSFER"] == "keep" and item.due_at:
        return None
    if cause == "extended":
        base_day = item.due_at.astimezone(LOCAL_TZ).date() if item.due_at else local_today()
        due_day, skipped = calendar.add_working_days(base_day, days)
        basis = dict(item.deadline_basis or {})
        basis.update(extended_by=days, extended_from=base_day.isoformat(),
                     days_off=basis.get("days_off", []) + [[d.isoformat(), name] for d, name in skipped])
        return Deadline(local_deadline(due_day), (item.deadline_days or 0) + days, basis)
    rule_days, legal_basis = rule_for(item)
    counted_from, moved, before = counting_start(start, calendar)
    due_day, skipped = calendar.add_working_days(counted_from, rule_days)
    explanation = {
        "days": rule_days, "legal_basis": legal_basis, "cause": cause,
        "received_on": start.astimezone(LOCAL_TZ).date().isoformat(), "counted_from": counted_from.isoformat(),
        "start_at": start.astimezone(dt.timezone.utc).isoformat(),
        "moved": moved, "closes_at": current_app.config["OFFICE_CLOSES_AT"],
        "days_off": [[d.isoformat(), name] for d, name in before + skipped],
    }
    return Deadline(local_deadline(due_day), rule_days, explanation)


def recompute_open_deadlines(actor) -> int:
    """After a change of the calendar: move the deadlines of open items, log each move."""
    calendar = Calendar.load()
    recounted = 0
    for item in db.session.scalars(select(Item).where(Item.status.in_(OPEN_STATUSES), Item.due_at.is_not(None))):
        basis = dict(item.deadline_basis or {})
        if "start_at" not in basis:
            continue
        # Count again from the moment of receipt: the day counting starts may have changed too.
        counted_from, late_start, passed = counting_start(dt.datetime.fromisoformat(basis["start_at"]), calendar)
        due_day, skipped = calendar.add_working_days(counted_from, item.deadline_days)
        new_due = local_deadline(due_day)
        if new_due != item.due_at:
            before = item.due_at
            item.due_at = new_due
            basis.update(counted_from=counted_from.isoformat(), moved=late_start,
                         days_off=[[d.isoformat(), name] for d, name in passed + skipped])
            item.deadline_basis = basis
            log(item, "deadline_recalculated", actor=actor, from_status=item.status, to_status=item.status,
                data={"due_before": before.isoformat(), "due_after": new_due.isoformat()})
            recounted += 1
    return recounted


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


# --- tick -----------------------------------------------------------------------------------


def _once(row) -> bool:
    """Insert ``row`` unless the same one exists (a unique constraint says so)."""
    savepoint = db.session.begin_nested()
    try:
        db.session.add(row)
        db.session.flush()
        savepoint.commit()
        return True
    except IntegrityError:
        savepoint.rollback()
        return False


def _given(item: Item, kind: str) -> bool:
    return db.session.scalar(select(Notice.id).where(
        Notice.item_id == item.id, Notice.kind == kind, Notice.due_at == item.due_at)) is not None


def send_reminders(now: dt.datetime) -> int:
    calendar = Calendar.load()
    today = now.astimezone(LOCAL_TZ).date()
    horizon = local_deadline(calendar.add_working_days(today, current_app.config["REMINDER_WORKING_DAYS_BEFORE"])[0])
    count = 0
    items = db.session.scalars(select(Item).where(Item.status.in_(OPEN_STATUSES), Item.due_at.is_not(None),
                                                  Item.due_at > now, Item.due_at <= horizon))
    for item in items:
        targets = [("due_soon_assignee", item.assignee)]
        if item.due_at.astimezone(LOCAL_TZ).date() == today and item.unit is not None:
            targets.append(("due_today_head", item.unit.head))
        for kind, recipient in targets:
            if recipient is None or _given(item, kind):
                continue
            if _once(Notice(item_id=item.id, kind=kind, due_at=item.due_at, recipient_id=recipient.id,
                            unit_id=item.unit_id)):
                log(item, "reminder", actor_kind="system", from_status=item.status, to_status=item.status,
                    public=False, data={"kind": kind, "recipient": recipient.id})
                fire_event("feedback_item_reminded", item=item, recipient=recipient, kind=kind)
                count += 1
    return count


def escalate_overdue(now: dt.datetime) -> int:
    count = 0
    items = db.session.scalars(select(Item).where(Item.status.in_(OPEN_STATUSES), Item.due_at < now))
    for item in items:
        parent = item.unit.parent if item.unit is not None else None
        if parent is None or _given(item, "escalated"):
            continue
        if _once(Notice(item_id=item.id, kind="escalated", due_at=item.due_at,
                        recipient_id=parent.head_id, unit_id=parent.id)):
            log(item, "escalate", actor_kind="system", from_status=item.status, to_status=item.status,
                data={"to_unit": parent.code})
            fire_event("feedback_item_escalated", item=item, unit=parent, head=parent.head)
            count += 1
    return count


def late_items_without_letter(now: dt.datetime):
    """Items open past their deadline, or answered after it, with no letter for that deadline."""
    has_letter = exists().where(ApologyLetter.item_id == Item.id, ApologyLetter.due_at == Item.due_at)
    late = or_(and_(Item.status.in_(OPEN_STATUSES), Item.due_at < now),
               and_(Item.responded_at.is_not(None), Item.responded_at > Item.due_at))
    return db.session.scalars(select(Item).where(Item.due_at.is_not(None), Item.unit_id.is_not(None), late,
                                                 ~has_letter).order_by(Item.id))


def issue_apologies(now: dt.datetime) -> int:
    from feedback.plugins.accountability.letters import render_letter

    calendar = Calendar.load()
    today = now.astimezone(LOCAL_TZ).date()
    count = 0
    for item in late_items_without_letter(now).all():
        answered_late = item.responded_at is not None and item.responded_at > item.due_at
        if answered_late:
            appointment = item.responded_at.astimezone(LOCAL_TZ).date()
        else:
            appointment = calendar.add_working_days(today, current_app.config["APOLOGY_NEW_APPOINTMENT_DAYS"])[0]
        year = today.year
        number = (db.session.scalar(select(func.max(ApologyLetter.number)).where(
            ApologyLetter.unit_id == item.unit_id, ApologyLetter.year == year)) or 0) + 1
        signer = item.unit.head
        letter = ApologyLetter(item_id=item.id, unit_id=item.unit_id, year=year, number=number, due_at=item.due_at,
                               new_appointment=appointment, answered_late=answered_late,
                               signer_name=signer.name if signer else "", signer_title=signer.title if signer else "",
                               created_at=now, pdf=b"")
        letter.item, letter.unit = item, item.unit
        letter.pdf = render_letter(letter, today)
        if _once(letter):
            log(item, "apology_issued", actor_kind="system", from_status=item.status, to_status=item.status,
                data={"letter": letter.id, "reference": letter.reference, "new_appointment": appointment.isoformat()})
            fire_event("feedback_apology_issued", item=item, letter=letter)
            count += 1
    return count


def tick(now: dt.datetime) -> str:
    reminders = send_reminders(now)
    escalations = escalate_overdue(now)
    letters = issue_apologies(now)
    return f"{reminders} reminders, {escalations} escalations, {letters} apology letters"
