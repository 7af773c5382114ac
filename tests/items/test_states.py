"""The state machine: every illegal move is refused and changes nothing; every legal move writes
exactly one event with its from and to; the event log is append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from feedback.errors import Conflict, Forbidden, Invalid, NotFound
from feedback.items import services
from feedback.items.models import AppendOnly, Item, ItemEvent, Response
from feedback.items.states import ACTIONS, FINAL_STATUSES, STATUSES, allowed_actions, check_move

from .conftest import filing, user

ANSWER = "Sở Tư pháp đã kiểm tra và trả kết quả hồ sơ cho ông vào ngày 20/3."
# Arguments that would make each action valid, so that only the status can be the reason to refuse.
ARGUMENTS = {
    "assign": {"unit": "P.STP"},
    "transfer": {"grounds": "not_competent", "unit": "P.XA", "reason": "Thuộc thẩm quyền của xã"},
    "extend": {"days": 5, "reason": "Cần xác minh thêm"},
    "draft": {"body": ANSWER},
    "respond": {"body": ANSWER},
    "reopen": {"reason": "Người dân chưa hài lòng"},
    "reject": {"reason": "Không thuộc phạm vi tiếp nhận"},
    "note": {"reason": "Đã gọi điện cho người dân"},
}


def new_item(db, status: str = "assigned", **overrides) -> Item:
    item, _key, _created = services.file_item(filing(**overrides))
    item.status = status
    db.session.commit()
    return item


def state(db, item_id: int) -> dict:
    """What the database holds about an item, read afresh."""
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    return {
        "status": item.status, "unit": item.unit_id, "assignee": item.assignee_id, "procedure": item.procedure_id,
        "due_at": item.due_at, "deadline_days": item.deadline_days, "closed_at": item.closed_at,
        "responded_at": item.responded_at, "original": item.original_id,
        "events": db.session.scalar(select(func.count()).select_from(ItemEvent).where(ItemEvent.item_id == item_id)),
        "responses": [(r.id, r.published_at, r.discarded) for r in
                      db.session.scalars(select(Response).where(Response.item_id == item_id))],
    }


def arguments(db, action: str) -> dict:
    if action == "merge":
        return {"original": new_item(db, "in_progress").code}
    return dict(ARGUMENTS.get(action, {}))


def test_the_statuses_and_actions_are_what_the_design_says():
    assert set(STATUSES) == {"received", "assigned", "in_progress", "responded", "closed", "rejected", "merged",
                             "withdrawn"}
    for status in ("rejected", "merged", "withdrawn"):
        assert allowed_actions(status) == ["note"]
    assert allowed_actions("closed") == ["reopen", "note"]  # a citizen unsatisfied with the answer
    assert allowed_actions("received") == ["assign", "transfer", "reject", "merge", "withdraw", "note"]
    assert allowed_actions("responded") == ["close", "reopen", "note"]


@pytest.mark.parametrize("status", list(STATUSES))
def test_every_illegal_move_is_refused_and_changes_nothing(db, staff, status):
    item = new_item(db, status)
    actor = user("admin@example.vn")  # may handle every item: only the status can refuse
    illegal = [name for name in ACTIONS if name not in allowed_actions(status)]
    assert illegal, status
    before = state(db, item.id)
    for name in illegal:
        with pytest.raises(Conflict) as refused:
            services.transition(item, name, actor, **arguments(db, name))
        assert refused.value.status == 409 and "action" in refused.value.fields, name
        assert item.status == status, name  # nothing changed in memory either
        db.session.rollback()
        after = state(db, item.id)
        assert after == before, name
        with pytest.raises(Conflict):
            services.transition(item, name, None, **arguments(db, name))  # nor for the filer
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ItemEvent).where(
        ItemEvent.item_id == item.id)) == before["events"]


def test_an_unknown_action_is_a_conflict(db, staff):
    item = new_item(db)
    with pytest.raises(Conflict):
        services.transition(item, "teleport", user("admin@example.vn"))
    with pytest.raises(Conflict):
        check_move("assigned", "")


def legal_moves():
    for status in STATUSES:
        for name in allowed_actions(status):
            yield status, name


def expected_outcome(status: str, name: str) -> tuple[str, str]:
    """(status after, action logged) when the head of P.STP (or the filer, to withdraw) acts."""
    if name == "transfer":
        return "received", "transfer"  # P.XA has no head: the item waits there
    target = ACTIONS[name].target
    return (target or status), name


@pytest.mark.parametrize("status, name", list(legal_moves()))
def test_every_legal_move_writes_exactly_one_event(db, staff, status, name):
    item = new_item(db, status)
    head = user("head@example.vn")
    actor = None if name == "withdraw" else head
    kwargs = arguments(db, name)
    before = state(db, item.id)
    last_id = db.session.scalar(select(func.max(ItemEvent.id)))
    moved = services.transition(item, name, actor, **kwargs)
    event = moved.event
    db.session.commit()
    after = state(db, item.id)
    to_status, action = expected_outcome(status, name)
    assert (moved.old, moved.new, moved.action) == (status, to_status, action)
    assert after["status"] == to_status
    assert after["events"] == before["events"] + 1
    new_events = db.session.scalars(select(ItemEvent).where(ItemEvent.id > last_id)).all()
    assert [(e.item_id, e.action, e.from_status, e.to_status) for e in new_events] == [
        (item.id, action, status, to_status)]
    assert new_events[0].id == event.id
    assert new_events[0].actor_id == (actor.id if actor else None)
    assert new_events[0].actor_kind == ("staff" if actor else "citizen")
    assert new_events[0].reason == kwargs.get("reason", "")
    if to_status in FINAL_STATUSES:
        assert after["closed_at"] is not None
    if name == "reopen":
        assert after["closed_at"] is None


def test_assignment_from_the_reception_queue_names_the_head(db, staff):
    item = new_item(db, "received", unit="")
    event = services.transition(item, "assign", user("admin@example.vn"), unit="P.STP").event
    db.session.commit()
    assert item.status == "assigned" and item.unit.code == "P.STP" and item.assignee.email == "head@example.vn"
    assert event.data["assignee"] == item.assignee_id and event.data["unit"] == "P.STP"


def test_assignment_to_a_unit_without_head_is_refused(db, staff):
    item = new_item(db, "received", unit="P.XA")
    before = state(db, item.id)
    with pytest.raises(Conflict):
        services.transition(item, "assign", user("admin@example.vn"))
    db.session.rollback()
    assert state(db, item.id) == before


def test_a_transfer_to_a_unit_with_a_head_assigns_it_there(db, staff):
    item = new_item(db, "received", unit="P.XA")
    event = services.transition(item, "transfer", user("admin@example.vn"), grounds="not_competent", unit="P.STP", reason="Sai đơn vị").event
    db.session.commit()
    assert (item.status, item.unit.code, item.assignee.email) == ("assigned", "P.STP", "head@example.vn")
    assert (event.from_status, event.to_status, event.data["from_unit"], event.data["to_unit"]) == (
        "received", "assigned", "P.XA", "P.STP")


@pytest.mark.parametrize("unit", ["P.STP", "NO.SUCH", ""])
def test_a_transfer_to_the_same_or_an_unknown_unit_is_refused(db, staff, unit):
    item = new_item(db)
    before = state(db, item.id)
    with pytest.raises(Invalid) as refused:
        services.transition(item, "transfer", user("head@example.vn"), unit=unit, reason="thử")
    assert set(refused.value.fields) == {"unit"}
    db.session.rollback()
    assert state(db, item.id) == before


@pytest.mark.parametrize("name", [name for name, action in ACTIONS.items() if action.needs_reason])
def test_actions_that_need_a_reason_refuse_without_one(db, staff, name):
    status = "responded" if name == "reopen" else "in_progress"
    item = new_item(db, status)
    before = state(db, item.id)
    kwargs = {**arguments(db, name), "reason": "   "}
    with pytest.raises(Invalid) as refused:
        services.transition(item, name, user("head@example.vn"), **kwargs)
    assert set(refused.value.fields) == {"reason"}
    db.session.rollback()
    assert state(db, item.id) == before


def test_a_deadline_is_extended_only_once_and_by_1_to_30_days(db, staff):
    item = new_item(db, "in_progress")
    head = user("head@example.vn")
    for days in (0, 31, None):
        with pytest.raises(Invalid) as refused:
            services.transition(item, "extend", head, reason="xác minh", days=days)
        assert set(refused.value.fields) == {"days"}
        db.session.rollback()
    services.transition(item, "extend", head, reason="xác minh", days=30)
    db.session.commit()
    before = state(db, item.id)
    with pytest.raises(Conflict):
        services.transition(item, "extend", head, reason="lần nữa", days=2)
    db.session.rollback()
    assert state(db, item.id) == before


def test_staff_actions_are_refused_to_the_filer_and_to_other_units(db, staff):
    commune_item = new_item(db, "received", unit="P.XA")
    mine = new_item(db, "assigned")
    before = state(db, commune_item.id), state(db, mine.id)
    with pytest.raises(Forbidden):
        services.transition(mine, "start", None)
    for email in ("officer@example.vn", "head@example.vn"):
        with pytest.raises(NotFound):  # another unit's item: as if absent
            services.transition(commune_item, "note", user(email), reason="xem")
    db.session.rollback()
    assert (state(db, commune_item.id), state(db, mine.id)) == before


def test_an_officers_answer_is_a_draft_and_the_head_publishes_it(db, staff):
    item = new_item(db, "in_progress")
    event = services.transition(item, "respond", user("officer@example.vn"), body=ANSWER).event
    db.session.commit()
    assert item.status == "in_progress" and event.action == "draft"
    assert item.pending_draft.body == ANSWER and item.published_response is None
    event = services.transition(item, "respond", user("head@example.vn"))  # approve the draft as it is
    db.session.commit()
    assert item.status == "responded" and event.action == "respond"
    response = item.published_response
    assert response.body == ANSWER and response.approved_by.email == "head@example.vn"
    assert response.author.email == "officer@example.vn" and item.responded_at == response.published_at


def test_an_officers_draft_stays_off_the_public_timeline(db, staff):
    item = new_item(db, "in_progress")
    services.transition(item, "respond", user("officer@example.vn"), body=ANSWER)
    db.session.commit()
    assert "draft" not in [event["action"] for event in services.public_view(item)["timeline"]]


def test_the_head_without_a_draft_must_write_the_answer(db, staff):
    item = new_item(db, "in_progress")
    with pytest.raises(Invalid) as refused:
        services.transition(item, "respond", user("head@example.vn"))
    assert set(refused.value.fields) == {"body"}


def test_a_published_answer_has_personal_data_masked(db, staff, masked_at_once):
    item = new_item(db, "in_progress", name="Nguyễn Văn An", phone="0912345678", consent=True)
    services.transition(item, "respond", user("head@example.vn"),
                        body="Kính gửi ông Nguyễn Văn An (0912345678): hồ sơ đã được trả kết quả.")
    db.session.commit()
    public = services.public_view(item)["response"]["body"]
    assert "Nguyễn Văn An" not in public and "0912345678" not in public and "hồ sơ đã được trả kết quả" in public


def test_merging_points_at_the_root_original_and_never_at_itself(db, staff):
    root = new_item(db, "in_progress")
    middle = new_item(db, "in_progress")
    services.transition(middle, "merge", user("admin@example.vn"), original=root.code.lower())
    leaf = new_item(db, "received")
    services.transition(leaf, "merge", user("admin@example.vn"), original=middle.code)
    db.session.commit()
    assert middle.original_id == root.id and leaf.original_id == root.id
    assert leaf.status == "merged" and leaf.closed_at is not None
    other = new_item(db, "received")
    before = state(db, other.id)
    for original in (other.code, "", "PA-26-0000-0000"):  # itself, nothing, an unknown item
        with pytest.raises(Invalid) as refused:
            services.transition(other, "merge", user("admin@example.vn"), original=original)
        assert set(refused.value.fields) == {"original"}
        db.session.rollback()
    assert state(db, other.id) == before


# --- the append-only event log ----------------------------------------------------------------


def test_an_event_cannot_be_updated(db, staff):
    item = new_item(db)
    event = item.events[0]
    event.reason = "sửa lịch sử"
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(ItemEvent, event.id).reason == ""


def test_an_event_cannot_be_deleted(db, staff):
    item = new_item(db)
    event_ids = [event.id for event in item.events]
    db.session.delete(item.events[0])
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalars(select(ItemEvent.id).where(ItemEvent.item_id == item.id)).all() == event_ids


def test_an_item_with_events_cannot_be_deleted_either(db, staff):
    item = new_item(db)
    db.session.delete(item)
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Item, item.id) is not None


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_bulk_statements_cannot_rewrite_the_event_log(db, staff, statement):
    new_item(db)
    query = update(ItemEvent).values(reason="sửa") if statement == "update" else delete(ItemEvent)
    try:
        with pytest.raises(AppendOnly):
            db.session.execute(query)
    finally:
        db.session.rollback()
