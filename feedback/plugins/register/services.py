"""The rules of the register: its index of public data, search, staff review of public texts, ratings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from feedback.auth.models import User
from feedback.errors import Conflict, Invalid
from feedback.extensions import db
from feedback.items import codes
from feedback.items.models import KINDS, TOPICS, Item, Response
from feedback.items.services import log, public_text, restrict_public_view, transition
from feedback.items.states import OPEN_STATUSES, STATUSES
from feedback.pagination import Keyset
from feedback.plugins.register.models import PublicText, Rating, RegisterEntry
from feedback.procedures.models import Procedure
from feedback.text import fold
from feedback.timeutil import LOCAL_TZ, local_midnight, utcnow
from feedback.units.models import Unit
from feedback.workdays import Calendar

TITLE_MAX, TEXT_MAX = 200, 20_000
COMMENT_MAX = 2000
Q_MAX = 200


# --- the index ------------------------------------------------------------------------------


def _ever_assigned(item: Item) -> bool:
    return item.assignee_id is not None or any(event.action == "assign" for event in item.events)


def refresh(item: Item) -> RegisterEntry | None:
    """Rebuild the register's row of ``item`` from the item (a no-op before its first assignment)."""
    entry = db.session.get(RegisterEntry, item.id)
    if entry is None and not _ever_assigned(item):
        return None
    with db.session.no_autoflush:
        entry = _fill(entry or RegisterEntry(item_id=item.id), item)
    db.session.add(entry)
    db.session.flush()
    # The search column holds what the public sees, after every plugin's restrictions.
    view = row_view(entry, item, Calendar.load())
    words = [entry.code, view.get("title"), view.get("body"), (view.get("response") or {}).get("body"),
             (view.get("unit") or {}).get("name"), (view.get("procedure") or {}).get("name"),
             (view.get("procedure") or {}).get("field")]
    entry.search_text = fold(" ".join(word for word in words if word))
    db.session.flush()
    return entry


def _fill(entry: RegisterEntry, item: Item) -> RegisterEntry:
    reviewed = db.session.get(PublicText, item.id)
    response = item.published_response
    entry.code, entry.kind, entry.topic, entry.status = item.code, item.kind, item.topic, item.status
    entry.unit_id, entry.procedure_id = item.unit_id, item.procedure_id
    entry.field = (item.procedure.field or "") if item.procedure is not None else ""
    entry.received_at, entry.due_at, entry.deadline_days = item.received_at, item.due_at, item.deadline_days
    entry.responded_at = item.responded_at
    entry.extended = any(event.action == "extend" for event in item.events)
    entry.transferred = any(event.action == "transfer" for event in item.events)
    if item.publish:
        entry.title = reviewed.title if reviewed is not None and reviewed.title else public_text(item, item.title)
        entry.body = reviewed.body if reviewed is not None and reviewed.body else public_text(item, item.body)
    else:
        entry.title = entry.body = None
    if response is not None:
        entry.answer, entry.published_at = response.public_body, response.published_at
        entry.answer_unit = response.unit.name if response.unit else ""
        entry.head_title = (response.approved_by.title or "") if response.approved_by else ""
        entry.satisfied = db.session.scalar(select(Rating.satisfied).where(Rating.response_id == response.id))
    else:
        entry.answer = entry.published_at = entry.satisfied = None
        entry.answer_unit = entry.head_title = ""
    entry.late_days = _late_days(item.due_at, item.responded_at) if item.responded_at else None
    return entry


def _late_days(due_at, when, calendar: Calendar | None = None) -> int:
    if due_at is None or when <= due_at:
        return 0
    calendar = calendar or Calendar.load()
    return max(1, calendar.working_days_between(due_at.astimezone(LOCAL_TZ).date(), when.astimezone(LOCAL_TZ).date()))


def reindex_batch(after_id: int = 0, batch: int = 500) -> tuple[int, int | None]:
    """Rebuild the register's rows of the ``batch`` items after ``after_id``: (how many are in the
    register, the last item id, or None when there was none left)."""
    items = db.session.scalars(select(Item).where(Item.id > after_id).order_by(Item.id).limit(batch)).all()
    if not items:
        return 0, None
    return sum(refresh(item) is not None for item in items), items[-1].id


def reindex(batch: int = 500) -> int:
    """Rebuild every row of the register (after an upgrade, or a change of a restricting plugin), in
    the caller's transaction; ``flask register reindex`` commits a batch at a time instead."""
    count, last_id = 0, 0
    while last_id is not None:
        done, last_id = reindex_batch(last_id, batch)
        count += done
    return count


# --- what the public sees -------------------------------------------------------------------


def row_view(entry: RegisterEntry, item: Item, calendar: Calendar, now: dt.datetime | None = None) -> dict:
    """An entry as the public sees it, after every plugin's feedback_public_view."""
    now = now or utcnow()
    overdue = entry.due_at is not None and entry.status in OPEN_STATUSES and now > entry.due_at
    if entry.responded_at is not None:
        late, late_days = bool(entry.late_days), entry.late_days or 0
    elif overdue:
        late, late_days = True, _late_days(entry.due_at, now, calendar)
    else:
        late, late_days = (False if entry.status in OPEN_STATUSES else None), 0
    view = {
        "code": entry.code,
        "kind": entry.kind,
        "topic": entry.topic,
        "status": entry.status,
        "unit": {"code": entry.unit.code, "name": entry.unit.name} if entry.unit else None,
        "procedure": {"code": entry.procedure.code, "name": entry.procedure.name, "field": entry.field}
        if entry.procedure else None,
        "title": entry.title,
        "body": entry.body,
        "received_at": entry.received_at,
        "due_at": entry.due_at,
        "deadline_days": entry.deadline_days,
        "responded_at": entry.responded_at,
        "overdue": overdue,
        "late": late,
        "late_days": late_days,
        "extended": entry.extended,
        "transferred": entry.transferred,
        "response": {"body": entry.answer, "published_at": entry.published_at, "unit": entry.answer_unit or None,
                     "head_title": entry.head_title or None} if entry.published_at else None,
        "rating": None if entry.satisfied is None else ("satisfied" if entry.satisfied else "unsatisfied"),
    }
    return restrict_public_view(item, view)


def views_of(entries: list[RegisterEntry]) -> list[dict]:
    """Public views of a page of entries: the items in one query, the calendar loaded once."""
    if not entries:
        return []
    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_([entry.item_id for entry in entries])))}
    calendar, now = Calendar.load(), utcnow()
    return [row_view(entry, items[entry.item_id], calendar, now) for entry in entries]


def reviewed_for(item: Item) -> PublicText | None:
    """The staff-reviewed texts of an item, read once per request."""
    cache = g.setdefault("register_reviewed", {})
    if item.id not in cache:
        cache[item.id] = db.session.get(PublicText, item.id)
    return cache[item.id]


def find_entry(code: str) -> RegisterEntry:
    from feedback.errors import NotFound

    normal = codes.normalise(code)
    entry = db.session.scalar(select(RegisterEntry).where(RegisterEntry.code == normal)) if normal else None
    if entry is None:
        raise NotFound(_("This item is not in the public register."))
    return entry


# --- search ---------------------------------------------------------------------------------

SORTS = {
    "received_desc": (RegisterEntry.received_at, True),
    "received_asc": (RegisterEntry.received_at, False),
    "answered_desc": (RegisterEntry.published_at, True),
}
TIMELINESS = ("on_time", "late")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class RegisterFilters:
    q: str = ""
    unit: str = ""
    field: str = ""
    procedure: str = ""
    kind: str = ""
    topic: str = ""
    status: str = ""
    timeliness: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "received_desc"


def _check(filters: RegisterFilters) -> dict[str, str]:
    errors = {}
    if filters.sort not in SORTS:
        errors["sort"] = _("Use one of: %(sorts)s.", sorts=", ".join(SORTS))
    if filters.kind and filters.kind not in KINDS:
        errors["kind"] = _("Use one of: %(values)s.", values=", ".join(KINDS))
    if filters.topic and filters.topic not in TOPICS:
        errors["topic"] = _("Use one of: %(values)s.", values=", ".join(TOPICS))
    if filters.status and filters.status not in STATUSES:
        errors["status"] = _("Use one of: %(values)s.", values=", ".join(STATUSES))
    if filters.timeliness and filters.timeliness not in TIMELINESS:
        errors["timeliness"] = _("Use one of: %(values)s.", values=", ".join(TIMELINESS))
    if len(filters.q) > Q_MAX:
        errors["q"] = _("Search with at most %(n)s characters.", n=Q_MAX)
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["date_to"] = _("Give a day after “from”.")
    return errors


def search(filters: RegisterFilters, cursor: str | None = None, limit: int = 50) -> tuple[list[RegisterEntry], str | None]:
    """A page of the register, filtered and sorted, with the cursor of the next page.

    The words of ``q`` are folded like the stored text and matched as plain substrings (LIKE with
    escaping, bound parameters): quotes, operators or SQL in them are just characters to find.
    """
    column, descending = SORTS[filters.sort]
    sort_value = func.coalesce(column, _EPOCH) if filters.sort == "answered_desc" else column
    query = _filtered(select(RegisterEntry).options(joinedload(RegisterEntry.unit), joinedload(RegisterEntry.procedure)),
                      filters)
    keyset = Keyset(salt="register-cursor", sort=filters.sort, sort_value=sort_value, id_column=RegisterEntry.item_id,
                    descending=descending, key=column.key, missing=_EPOCH)
    return keyset.page(query, cursor, limit)


COUNT_CAP = 1000


def count(filters: RegisterFilters, cap: int = COUNT_CAP) -> int:
    """How many entries match ``filters``, counted up to ``cap + 1`` (a page says "more than
    1,000" rather than scan the whole register for a number nobody reads)."""
    matching = _filtered(select(RegisterEntry.item_id), filters).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matching))


def _filtered(query, filters: RegisterFilters):
    """``query`` restricted to the entries that match ``filters`` (Invalid when one is wrong)."""
    errors = _check(filters)
    if errors:
        raise Invalid(_("Some search fields are not valid."), errors)
    if filters.unit:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == filters.unit))
        if unit_id is None:
            raise Invalid(_("Unknown unit."), {"unit": _("Choose a unit from the list.")})
        query = query.where(RegisterEntry.unit_id == unit_id)
    if filters.procedure:
        procedure_id = db.session.scalar(select(Procedure.id).where(Procedure.code == filters.procedure))
        if procedure_id is None:
            raise Invalid(_("Unknown procedure."), {"procedure": _("Choose a procedure from the catalogue.")})
        query = query.where(RegisterEntry.procedure_id == procedure_id)
    if filters.field:
        query = query.where(RegisterEntry.field == filters.field)
    for name in ("kind", "topic", "status"):
        if getattr(filters, name):
            query = query.where(getattr(RegisterEntry, name) == getattr(filters, name))
    now = utcnow()
    open_now = RegisterEntry.responded_at.is_(None) & RegisterEntry.status.in_(OPEN_STATUSES)
    if filters.timeliness == "late":
        query = query.where(or_(RegisterEntry.late_days > 0, open_now & (RegisterEntry.due_at < now)))
    elif filters.timeliness == "on_time":
        query = query.where(or_(RegisterEntry.late_days == 0,
                                open_now & or_(RegisterEntry.due_at.is_(None), RegisterEntry.due_at >= now)))
    if filters.date_from:
        query = query.where(RegisterEntry.received_at >= local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(RegisterEntry.received_at < local_midnight(filters.date_to + dt.timedelta(days=1)))
    words = fold(filters.q).split()[:8]
    if words:
        code = codes.normalise(filters.q)
        matches = and_(*[RegisterEntry.search_text.like("%" + _escape_like(word) + "%", escape="\\") for word in words])
        query = query.where(or_(RegisterEntry.code == code, matches) if codes.is_valid(code) else matches)
    return query


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fields() -> list[str]:
    """The procedure fields that appear in the register, for the filter."""
    return [name for name in db.session.scalars(
        select(Procedure.field).where(Procedure.field != "").distinct().order_by(Procedure.field))]


def latest_answers(unit: Unit | None = None, limit: int = 50) -> list[RegisterEntry]:
    query = select(RegisterEntry).options(joinedload(RegisterEntry.unit), joinedload(RegisterEntry.procedure)).where(
        RegisterEntry.published_at.is_not(None))
    if unit is not None:
        query = query.where(RegisterEntry.unit_id == unit.id)
    return list(db.session.scalars(query.order_by(RegisterEntry.published_at.desc(), RegisterEntry.item_id.desc())
                                   .limit(limit)))


# --- staff review of public texts -----------------------------------------------------------


def review(item: Item, user: User, *, title: str, body: str, answer: str) -> PublicText:
    """Staff set the public version of the item's text and of its answer (published or drafted).

    Empty means "the automatic version". Whatever staff write is masked again, so that a
    review can only take away. The originals stay on the item, for staff only.
    """
    title, body, answer = (title or "").strip(), (body or "").strip(), (answer or "").strip()
    errors = {}
    if len(title) > TITLE_MAX:
        errors["title"] = _("Write at most %(n)s characters.", n=TITLE_MAX)
    for name, value in (("body", body), ("answer", answer)):
        if len(value) > TEXT_MAX:
            errors[name] = _("Write at most %(n)s characters.", n=TEXT_MAX)
    target = item.published_response or item.pending_draft
    if answer and target is None:
        errors["answer"] = _("There is no answer yet.")
    if errors:
        raise Invalid(_("Nothing was saved: please correct the marked fields."), errors)
    reviewed = db.session.get(PublicText, item.id) or PublicText(item_id=item.id)
    db.session.add(reviewed)
    reviewed.title = public_text(item, title) if title else None
    reviewed.body = public_text(item, body) if body else None
    reviewed.edited_by_id, reviewed.edited_at = user.id, utcnow()
    if target is not None:
        masked = public_text(item, answer) if answer else public_text(item, target.body)
        if target.published_at is not None:
            target.public_body = masked
            reviewed.answer, reviewed.answer_response_id = None, None
        else:
            reviewed.answer, reviewed.answer_response_id = (masked if answer else None), target.id
    db.session.flush()
    log(item, "public_text_edited", actor=user, public=False,
        data={"title": bool(title), "body": bool(body), "answer": bool(answer)})
    refresh(item)
    return reviewed


def apply_reviewed_answer(item: Item, response: Response) -> None:
    """An answer reviewed while it was a draft is published with its reviewed public text."""
    reviewed = db.session.get(PublicText, item.id)
    if reviewed is not None and reviewed.answer and reviewed.answer_response_id == response.id:
        response.public_body = reviewed.answer
        db.session.flush()


# --- ratings --------------------------------------------------------------------------------


def rate(item: Item, satisfied: bool | None, comment: str = "") -> Rating:
    """The filer rates the published answer, once; an unsatisfied rating reopens or escalates the item."""
    comment = (comment or "").strip()
    response = item.published_response
    if response is None:
        raise Conflict(_("This item has no published answer to rate yet."))
    if satisfied is None:
        raise Invalid(_("Say whether you are satisfied with the answer."),
                      {"satisfied": _("Choose satisfied or not satisfied.")})
    if len(comment) > COMMENT_MAX:
        raise Invalid(_("The comment is too long."), {"comment": _("Write at most %(n)s characters.", n=COMMENT_MAX)})
    if db.session.scalar(select(Rating.id).where(Rating.response_id == response.id)) is not None:
        raise Conflict(_("You already rated this answer."))
    rating = Rating(item_id=item.id, response_id=response.id, satisfied=satisfied, comment=comment, created_at=utcnow())
    savepoint = db.session.begin_nested()
    try:
        db.session.add(rating)
        db.session.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        raise Conflict(_("You already rated this answer.")) from None
    log(item, "rated", actor_kind="citizen", data={"satisfied": satisfied})
    if not satisfied and item.status in ("responded", "closed"):
        rating.outcome = _act_on_unsatisfied(item)
    db.session.flush()
    refresh(item)
    return rating


def _act_on_unsatisfied(item: Item) -> str:
    reason = _("The filer is not satisfied with the answer.")
    parent = item.unit.parent if item.unit is not None else None
    escalate = current_app.config["REGISTER_UNSATISFIED"] == "escalate" and parent is not None and parent.is_current
    transition(item, "reopen", None, reason=reason, by_rule=True, actor_kind="citizen")
    if not escalate:
        return "reopened"
    transition(item, "transfer", None, unit=parent.code, by_rule=True, actor_kind="system",
               reason=_("The filer is not satisfied with the answer: escalated to the parent unit."))
    return "escalated"


def rating_of(item: Item) -> Rating | None:
    response = item.published_response
    if response is None:
        return None
    return db.session.scalar(select(Rating).where(Rating.response_id == response.id))

