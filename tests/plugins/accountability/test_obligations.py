"""An item's deadline is its obligation to answer (feedback.obligations): one row per unit that
held it, with the same deadlines as before; lateness written when a holding ends and kept when the
item is transferred; extensions in its history; the item's own due time kept in step."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.obligations.models import Obligation, ObligationChange

from .conftest import ANSWER, act, file_item, item, local, parse, token

REASON = "Thuộc thẩm quyền của Ủy ban nhân dân xã"


def holdings(code: str) -> list[Obligation]:
    found = item(code)
    return _db.session.scalars(select(Obligation).where(Obligation.owner_type == "item",
                                                        Obligation.owner_id == found.id).order_by(Obligation.id)).all()


def units_of(rows) -> list[str | None]:
    return [row.unit.code if row.unit else None for row in rows]


@pytest.fixture
def filed(client, db, people, clock):
    """A complaint received Friday 30/10/2026 at 10:00 by the department, due Friday 13/11 at 17:00."""
    clock.set(local(2026, 11, 2, 9))
    created = file_item(client, token(client), received_at=local(2026, 10, 30, 10))
    assert parse(created["due_at"]) == local(2026, 11, 13, 17)
    return created["code"]


def test_a_filed_item_has_one_open_obligation_to_answer(filed):
    [held] = holdings(filed)
    found = item(filed)
    assert (held.kind, held.status, held.unit.code, held.assignee.email) == ("answer", "open", "P.STP",
                                                                            "head@example.vn")
    assert (held.start_at, held.days, held.due_at) == (local(2026, 10, 30, 10), 10, local(2026, 11, 13, 17))
    assert held.basis == found.deadline_basis and held.basis["legal_basis"]
    assert (found.due_at, found.deadline_days) == (held.due_at, held.days)
    assert held.late is None and held.ended_at is None


def test_an_answer_meets_the_obligation_and_says_if_it_was_late(client, filed, clock):
    clock.set(local(2026, 11, 16, 9))
    act(client, token(client, "head@example.vn"), filed, "respond", body=ANSWER)
    [held] = holdings(filed)
    assert (held.status, held.ended_at, held.late) == ("met", local(2026, 11, 16, 9), True)
    # Closing the answered item changes nothing of it.
    act(client, token(client, "head@example.vn"), filed, "close")
    [held] = holdings(filed)
    assert (held.status, held.ended_at, held.late) == ("met", local(2026, 11, 16, 9), True)


def test_a_transfer_after_the_deadline_keeps_the_lateness_where_it_happened(client, filed, clock):
    clock.set(local(2026, 11, 16, 9))
    out = act(client, token(client), filed, "transfer", grounds="not_competent", unit="P.XA", reason=REASON)
    # The count starts again at the commune (DEADLINE_ON_TRANSFER=restart), as before.
    assert parse(out["item"]["due_at"]) == local(2026, 12, 1, 17)
    first, second = holdings(filed)
    assert units_of([first, second]) == ["P.STP", "P.XA"]
    assert (first.status, first.ended_at, first.late) == ("superseded", local(2026, 11, 16, 9), True)
    assert (second.status, second.previous_id, second.assignee.email) == ("open", first.id, "xa@example.vn")
    assert second.due_at == local(2026, 12, 1, 17) and second.basis["cause"] == "transferred"
    change = _db.session.scalar(select(ObligationChange).where(ObligationChange.obligation_id == first.id))
    assert (change.action, change.past_due, change.reason, change.actor.email) == (
        "transferred", True, f"Không thuộc thẩm quyền giải quyết của đơn vị: {REASON}", "admin@example.vn")
    # The commune answers within its own deadline: its holding is on time, the department's stays late.
    clock.set(local(2026, 11, 20, 9))
    act(client, token(client, "xa@example.vn"), filed, "respond", body=ANSWER)
    assert [(row.status, row.late) for row in holdings(filed)] == [("superseded", True), ("met", False)]


def test_a_transfer_in_time_is_not_late(client, filed, clock):
    clock.set(local(2026, 11, 10, 9))
    act(client, token(client), filed, "transfer", grounds="not_competent", unit="P.XA", reason=REASON)
    assert [(row.status, row.late) for row in holdings(filed)] == [("superseded", False), ("open", None)]


def test_an_extension_is_in_the_obligations_history(client, filed, clock):
    clock.set(local(2026, 11, 10, 9))
    act(client, token(client, "head@example.vn"), filed, "extend", days=8, reason="Cần xác minh thực địa")
    [held] = holdings(filed)
    assert (held.status, held.due_at, held.days) == ("open", local(2026, 11, 26, 17), 18)
    [change] = held.changes
    assert (change.action, change.due_before, change.due_after, change.past_due, change.reason) == (
        "extended", local(2026, 11, 13, 17), local(2026, 11, 26, 17), False, "Cần xác minh thực địa")
    assert change.actor.email == "head@example.vn"


@pytest.mark.parametrize("action", ["reject", "withdraw"])
def test_an_item_that_leaves_the_queue_unanswered_cancels_its_obligation(client, filed, clock, action):
    clock.set(local(2026, 11, 20, 9))
    if action == "reject":
        act(client, token(client), filed, "reject", reason="Nội dung là khiếu nại, không phải phản ánh")
        [held] = holdings(filed)
    else:
        from feedback.items.services import transition

        transition(item(filed), "withdraw", None)
        _db.session.commit()
        [held] = holdings(filed)
    assert (held.status, held.ended_at, held.late) == ("cancelled", local(2026, 11, 20, 9), True)


def test_a_reopened_item_has_a_new_obligation(client, filed, clock):
    clock.set(local(2026, 11, 12, 9))
    head = token(client, "head@example.vn")
    act(client, head, filed, "respond", body=ANSWER)
    clock.set(local(2026, 11, 16, 9))
    act(client, head, filed, "reopen", reason="Công dân chưa hài lòng với câu trả lời")
    answered, reopened = holdings(filed)
    assert (answered.status, answered.late) == ("met", False)
    assert (reopened.status, reopened.previous_id, reopened.basis["cause"]) == ("open", None, "reopened")
    assert reopened.due_at == item(filed).due_at == local(2026, 12, 1, 17)  # ten working days from 16/11


def test_a_merge_of_units_passes_the_obligation_with_its_deadline(filed, db, clock):
    from feedback.units.models import Unit
    from feedback.units.services import merge_units

    clock.set(local(2026, 11, 16, 9))
    source = db.session.scalar(select(Unit).where(Unit.code == "P.STP"))
    successor = db.session.scalar(select(Unit).where(Unit.code == "P.XA"))
    merge_units([source], successor, on=dt.date(2026, 11, 16))
    db.session.commit()
    first, second = holdings(filed)
    assert units_of([first, second]) == ["P.STP", "P.XA"]
    assert (first.status, first.late) == ("superseded", True)
    assert (second.status, second.due_at, second.assignee.email) == ("open", first.due_at, "xa@example.vn")
    assert item(filed).due_at == local(2026, 11, 13, 17)
