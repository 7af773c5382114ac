"""The rules of the register: its index of public data, search, staff review of public texts, ratings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from feedback.auth.models import User
from feedback.errors import Conflict, Invalid
from feedback.extensions import db
from feedback.items import codes
from feedback.items.models import KINDS, TOPICS, Item, Response
from feedback.items.services import (can_publish_answer, log, public_text, restrict_public_view, transition,
                                     units_in_scope)
from feedback.items.states import OPEN_STATUSES, STATUSES
from feedback.pagination import Keyset
from feedback.plugins.register import search as search_index
from feedback.plugins.register.models import PublicText, Rating, RegisterEntry
from feedback.procedures.models import Procedure
from feedback.redaction import REFUSED, find
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
    texts = public_texts(item, reviewed)
    entry.title, entry.body = texts.title, texts.body
    if response is not None:
        entry.answer, entry.published_at = texts.answer, response.published_at
        entry.answer_unit = response.unit.name if response.unit else ""
        entry.head_name = (response.approved_by.name or "") if response.approved_by else ""
        entry.head_title = (response.approved_by.title or "") if response.approved_by else ""
        entry.satisfied = db.session.scalar(select(Rating.satisfied).where(Rating.response_id == response.id))
    else:
        entry.answer = entry.published_at = entry.satisfied = None
        entry.answer_unit = entry.head_name = entry.head_title = ""
    # Lateness sticks: a unit that passed the item on after its deadline was late, whatever the
    # receiving unit's deadline (the working days of the latest such lateness are kept).
    passed_late = max((_late_days(held.due_at, held.ended_at) for held in item.obligations
                       if held.status == "superseded" and held.late), default=0)
    answered_late = _late_days(item.due_at, item.responded_at) if item.responded_at else 0
    entry.late_days = max(passed_late, answered_late) if item.responded_at or passed_late else None
    return entry


@dataclass(frozen=True)
class PublicTexts:
    """What the public may read of an item's own words and of its answer (None: not public)."""

    title: str | None
    body: str | None
    answer: str | None
    # True while the item's text (that the filer agreed to publish) or its published answer waits
    # for a staff review.
    text_awaiting_review: bool
    answer_awaiting_review: bool


def public_texts(item: Item, reviewed: PublicText | None) -> PublicTexts:
    """THE rule of publication, for the register's rows, feeds, downloads and an item's own page.

    - The title and text are public only if the filer agreed (``item.publish``); then, under
      ``REGISTER_PUBLICATION = "review"`` (the default), only once staff have reviewed their public
      version; under ``"masked"``, at once, masked automatically, until staff review them.
    - The answer's text is public once staff have reviewed it (published through the review
      screen, or reviewed afterwards), or at once under ``"masked"``.
    Everything else of the item (code, unit, dates, status, lateness) is public as soon as it is
    assigned.
    """
    at_once = current_app.config.get("REGISTER_PUBLICATION", "review") == "masked"
    text_reviewed = reviewed is not None and reviewed.reviewed_at is not None
    title = body = None
    if item.publish and (text_reviewed or at_once):
        title = (reviewed.title if text_reviewed and reviewed.title else None) or public_text(item, item.title)
        body = (reviewed.body if text_reviewed and reviewed.body else None) or public_text(item, item.body)
    response = item.published_response
    answer, answer_waits = None, False
    if response is not None:
        answer_reviewed = (reviewed is not None and reviewed.answer_reviewed_at is not None
                           and reviewed.answer_response_id == response.id)
        if answer_reviewed or at_once:
            answer = response.public_body
        else:
            answer_waits = True
    return PublicTexts(title, body, answer, item.publish and title is None, answer_waits)


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
        late, late_days = True, max(_late_days(entry.due_at, now, calendar), entry.late_days or 0)
    elif entry.late_days:
        late, late_days = True, entry.late_days  # passed on late by an earlier unit
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
                     "head_name": entry.head_name or None, "head_title": entry.head_title or None}
        if entry.published_at else None,
        "rating": None if entry.satisfied is None else ("satisfied" if entry.satisfied else "unsatisfied"),
        "text_awaiting_review": item.publish and entry.title is None,
        "answer_awaiting_review": entry.published_at is not None and entry.answer is None,
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


def search(filters: RegisterFilters, cursor: str | None = None, limit: int = 50,
           plan: str | None = None) -> tuple[list[RegisterEntry], str | None]:
    """A page of the register, filtered and sorted, with the cursor of the next page.

    The words of ``q`` are folded like the stored text and matched as plain substrings (LIKE with
    escaping, bound parameters): quotes, operators or SQL in them are just characters to find.
    """
    column, descending = SORTS[filters.sort]
    sort_value = func.coalesce(column, _EPOCH) if filters.sort == "answered_desc" else column
    keyset = Keyset(salt="register-cursor", sort=filters.sort, sort_value=sort_value, id_column=RegisterEntry.item_id,
                    descending=descending, key=column.key, missing=_EPOCH)
    rows = select(RegisterEntry).options(joinedload(RegisterEntry.unit), joinedload(RegisterEntry.procedure))
    if not _words(filters.q):
        # Browsing: the filter's index gives the rows in the keyset's order, a page is read and stops.
        return keyset.page(_filtered(rows, filters), cursor, limit)
    # A search: the matches are read in the search index's order, not the page's. Only their ids and
    # sort values are sorted, and only the page's rows are then read whole and joined.
    ids = keyset.limited(_filtered(select(RegisterEntry.item_id), filters, plan), cursor, limit)
    return keyset.page(rows.where(RegisterEntry.item_id.in_(ids)), None, limit)


COUNT_CAP = 1000


def count(filters: RegisterFilters, cap: int = COUNT_CAP) -> int:
    """How many entries match ``filters``, counted up to ``cap + 1`` (a page says "more than
    1,000" rather than scan the whole register for a number nobody reads)."""
    words = _words(filters.q)
    plan = None
    if words and search_index.available(db.session) and (chosen := search_index.plan(db.session, words)):
        # SQLite: when the index alone decides, the search's plan has counted the matches already.
        alone = filters == RegisterFilters(q=filters.q, sort=filters.sort) and not codes.is_valid(
            codes.normalise(filters.q))
        if alone and chosen.exact and (chosen.matches < search_index.RARE or chosen.matches > cap):
            return min(chosen.matches, cap + 1)  # exact, or more than the cap
        # Counting stops at cap + 1 matches: read by id, or in order when they are everywhere.
        plan = search_index.SCAN if chosen.way == search_index.SCAN else search_index.MATCHES
    matching = _filtered(select(RegisterEntry.item_id), filters, plan).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matching))


def _filtered(query, filters: RegisterFilters, plan: str | None = None):
    """``query`` restricted to the entries that match ``filters`` (Invalid when one is wrong); on SQLite,
    ``plan`` is the way to read the search index (search.plan chooses it from the matches when None)."""
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
                                open_now & RegisterEntry.late_days.is_(None)
                                & or_(RegisterEntry.due_at.is_(None), RegisterEntry.due_at >= now)))
    if filters.date_from:
        query = query.where(RegisterEntry.received_at >= local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(RegisterEntry.received_at < local_midnight(filters.date_to + dt.timedelta(days=1)))
    words = _words(filters.q)
    if words:
        code = codes.normalise(filters.q)
        chosen = search_index.plan(db.session, words) if search_index.available(db.session) else None
        way = (plan or chosen.way) if chosen is not None else search_index.SCAN
        if way == search_index.SCAN:
            matches = and_(*[_holds(word) for word in words])
        else:
            # SQLite: the trigram index finds exactly the rows holding each word of three characters
            # or more; the words it cannot find (shorter) or should not (too common) are matched with
            # LIKE among those rows. "+ 0" keeps SQLite from reading the matches by id: it walks the
            # page's order instead.
            item_id = RegisterEntry.item_id if way == search_index.MATCHES else RegisterEntry.item_id + 0
            matches = and_(item_id.in_(search_index.matching_ids(chosen.expression)),
                           *[_holds(word) for word in chosen.checked])
        query = query.where(or_(RegisterEntry.code == code, matches) if codes.is_valid(code) else matches)
    return query


def _words(q: str) -> list[str]:
    """The folded words of a search, at most eight."""
    return fold(q).split()[:8]


def _holds(word: str):
    """The folded public text holds ``word`` (a plain substring: LIKE with escaping, bound parameters)."""
    return RegisterEntry.search_text.like("%" + _escape_like(word) + "%", escape="\\")


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


def awaiting_review(user: User, cursor: str | None = None, limit: int = 50) -> tuple[list[RegisterEntry], str | None]:
    """A page of the items ``user`` handles whose public text or answer's text waits for a review,
    the oldest first, with the cursor of the next page."""
    query = (select(RegisterEntry).join(Item, Item.id == RegisterEntry.item_id)
             .options(joinedload(RegisterEntry.unit))
             .where(or_(and_(Item.publish.is_(True), RegisterEntry.title.is_(None)),
                        and_(RegisterEntry.published_at.is_not(None), RegisterEntry.answer.is_(None)))))
    scope = units_in_scope(user)
    if scope is not None:
        query = query.where(Item.unit_id.in_(scope))
    keyset = Keyset(salt="review-cursor", sort="received_asc", sort_value=RegisterEntry.received_at,
                    id_column=RegisterEntry.item_id, descending=False, key="received_at", missing=_EPOCH)
    return keyset.page(query, cursor, limit)


REFUSED_LABELS = {
    "phone": _l("A phone number"),
    "email": _l("An e-mail address"),
    "id": _l("An identity number"),
    "passport": _l("A passport number"),
    "tax_code": _l("A tax code"),
    "bank_account": _l("A bank account number"),
}


def proposed(item: Item, reviewed: PublicText | None = None) -> dict:
    """The public versions the review screen proposes: the reviewed ones, or the automatic masked ones."""
    reviewed = reviewed if reviewed is not None else db.session.get(PublicText, item.id)
    target = item.published_response or item.pending_draft
    answer = ""
    if target is not None:
        if target.published_at is not None:
            answer = target.public_body or public_text(item, target.body)
        elif reviewed is not None and reviewed.answer_response_id == target.id and reviewed.answer:
            answer = reviewed.answer
        else:
            answer = public_text(item, target.body)
    return {"title": (reviewed.title if reviewed is not None and reviewed.title else public_text(item, item.title)),
            "body": (reviewed.body if reviewed is not None and reviewed.body else public_text(item, item.body)),
            "answer": answer}


def filer_names(item: Item) -> list[tuple[str, str]]:
    if item.contact is None:
        return []
    return [(item.contact.name, "name"), (item.contact.address, "address")]


def _left_in(item: Item, text: str) -> str | None:
    """A refusal naming the first phone, identity number or other number that identifies a person
    left in ``text``, with its place marked; None when there is none."""
    for found in find(text, filer_names(item)):
        if found.kind in REFUSED:
            before = text[max(0, found.start - 30):found.start]
            after = text[found.end:found.end + 30]
            return _("%(what)s is left in the text: …%(before)s⟦%(found)s⟧%(after)s… Mask it or take it out.",
                     what=REFUSED_LABELS[found.kind], before=before, found=found.text, after=after)
    return None


def review(item: Item, user: User, *, title: str, body: str, answer: str, publish_answer: bool = False) -> PublicText:
    """Staff confirm the public version of the item's title and text and of its answer (published or
    drafted); with ``publish_answer`` the head publishes the drafted answer in the same step.

    Empty means "the automatic version" (masked). What staff confirm is published as written, so a
    text that still holds a phone number, an e-mail address or an identity, passport, tax or bank
    account number is refused with its place marked, and nothing changes. The originals stay on the
    item, for staff only.
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
    if publish_answer:
        if item.pending_draft is None:
            errors["answer"] = _("There is no drafted answer to publish.")
        elif not can_publish_answer(user, item):
            errors["answer"] = _("Only the head of the unit publishes the answer.")
    for name, value in (("title", title), ("body", body), ("answer", answer)):
        refusal = _left_in(item, value) if name not in errors else None
        if refusal:
            errors[name] = refusal
    if errors:
        raise Invalid(_("Nothing was saved: please correct the marked fields."), errors)
    now = utcnow()
    reviewed = db.session.get(PublicText, item.id) or PublicText(item_id=item.id)
    db.session.add(reviewed)
    reviewed.title = title or None
    reviewed.body = body or None
    reviewed.edited_by_id, reviewed.edited_at = user.id, now
    reviewed.reviewed_by_id, reviewed.reviewed_at = user.id, now
    if target is not None:
        public = answer or public_text(item, target.body)
        reviewed.answer_response_id = target.id
        reviewed.answer_reviewed_by_id, reviewed.answer_reviewed_at = user.id, now
        if target.published_at is not None:
            target.public_body = public
            reviewed.answer = None
        else:
            reviewed.answer = public
    db.session.flush()
    g.pop("register_reviewed", None)
    log(item, "public_text_edited", actor=user, public=False,
        data={"title": bool(title), "body": bool(body), "answer": bool(answer), "published": publish_answer})
    if publish_answer:
        # The answer is published with the public text just reviewed (apply_reviewed_answer).
        transition(item, "respond", user)
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

