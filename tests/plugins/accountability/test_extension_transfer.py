"""Extending a deadline (once, with a reason, by N working days) and transferring an item (the
count restarts at the new unit, or is kept when the province says so)."""

from __future__ import annotations

import pytest

from feedback.items.models import ItemEvent

from .conftest import act, count, file_item, item, local, parse, token

REASON = "Cần xác minh thêm với Ủy ban nhân dân xã về hồ sơ gốc."


@pytest.fixture
def filed(client, db, people, clock):
    """A complaint received Friday 30/10/2026 at 10:00, due Friday 13/11/2026 at 17:00; today is 10/11."""
    clock.set(local(2026, 11, 2, 9))
    created = file_item(client, token(client), received_at=local(2026, 10, 30, 10))
    assert parse(created["due_at"]) == local(2026, 11, 13, 17)
    clock.set(local(2026, 11, 10, 9))
    return created["code"]


def test_an_extension_moves_the_deadline_by_working_days(client, filed):
    head = token(client, "head@example.vn")
    out = act(client, head, filed, "extend", days=8, reason=REASON)
    assert out["event"]["action"] == "extend"
    assert out["item"]["status"] == "assigned"
    # From Friday 13/11: 16-20/11 (5), 23/11 (6), Tuesday 24/11 is Vietnamese Culture Day, 25-26/11 (8).
    assert parse(out["item"]["due_at"]) == local(2026, 11, 26, 17)
    assert out["item"]["deadline_days"] == 18
    found = item(filed)
    basis = found.deadline_basis
    assert basis["extended_by"] == 8
    assert basis["extended_from"] == "2026-11-13"
    assert ["2026-11-24", "Ngày Văn hóa Việt Nam"] in basis["days_off"]
    assert basis["counted_from"] == "2026-10-30"  # the original count is kept for the explanation
    event = [e for e in found.events if e.action == "extend"][0]
    assert event.reason == REASON
    assert parse(event.data["due_before"]) == local(2026, 11, 13, 17)
    assert parse(event.data["due_after"]) == local(2026, 11, 26, 17)
    public = client.get(f"/api/v1/items/{filed}").get_json()
    assert parse(public["due_at"]) == local(2026, 11, 26, 17)
    assert [e["reason"] for e in public["timeline"] if e["action"] == "extend"] == [REASON]


def test_a_deadline_is_extended_once_only(client, filed):
    head = token(client, "head@example.vn")
    act(client, head, filed, "extend", days=2, reason=REASON)
    response = client.post(f"/api/v1/items/{filed}/transitions", headers=head,
                           json={"action": "extend", "days": 3, "reason": "Lần thứ hai"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert item(filed).due_at == local(2026, 11, 17, 17)
    assert count(ItemEvent, ItemEvent.action == "extend") == 1


@pytest.mark.parametrize(("fields", "field"), [
    ({"days": 5}, "reason"),
    ({"days": 5, "reason": "   "}, "reason"),
    ({"reason": REASON}, "days"),
    ({"days": 0, "reason": REASON}, "days"),
    ({"days": 31, "reason": REASON}, "days"),
])
def test_an_extension_needs_a_reason_and_days(client, filed, fields, field):
    response = client.post(f"/api/v1/items/{filed}/transitions", headers=token(client, "head@example.vn"),
                           json={"action": "extend", **fields})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert item(filed).due_at == local(2026, 11, 13, 17)
    assert count(ItemEvent, ItemEvent.action == "extend") == 0


def test_a_refused_extension_does_not_use_up_the_only_one(client, filed):
    head = token(client, "head@example.vn")
    client.post(f"/api/v1/items/{filed}/transitions", headers=head, json={"action": "extend", "days": 5})
    out = act(client, head, filed, "extend", days=1, reason=REASON)
    assert parse(out["item"]["due_at"]) == local(2026, 11, 16, 17)


def test_transfer_to_the_same_unit_is_refused(client, filed):
    response = client.post(f"/api/v1/items/{filed}/transitions", headers=token(client),
                           json={"action": "transfer", "unit": "P.STP", "reason": "Nhầm đơn vị"})
    assert response.status_code == 422
    assert "unit" in response.get_json()["error"]["fields"]
    assert item(filed).due_at == local(2026, 11, 13, 17)


def test_transfer_restarts_the_count_at_the_new_unit(client, filed):
    out = act(client, token(client), filed, "transfer", grounds="not_competent", unit="P.XA", reason="Thuộc thẩm quyền của xã")
    assert out["item"]["unit"] == "P.XA"
    assert out["item"]["assignee"] == "xa@example.vn"
    # Reached the commune on Tuesday 10/11 at 9:00: 11-13/11 (3), 16-20/11 (8), 23/11 (9), 25/11 (10).
    assert parse(out["item"]["due_at"]) == local(2026, 11, 25, 17)
    basis = item(filed).deadline_basis
    assert basis["cause"] == "transferred"
    assert basis["counted_from"] == "2026-11-10"
    assert ["2026-11-24", "Ngày Văn hóa Việt Nam"] in basis["days_off"]


def test_transfer_keeps_the_count_when_configured(make_app, people, clock):
    app = make_app(DEADLINE_ON_TRANSFER="keep")
    client = app.test_client()
    with app.app_context():
        clock.set(local(2026, 11, 2, 9))
        code = file_item(client, token(client), received_at=local(2026, 10, 30, 10))["code"]
        clock.set(local(2026, 11, 10, 9))
        out = act(client, token(client), code, "transfer", grounds="not_competent", unit="P.XA", reason="Thuộc thẩm quyền của xã")
        assert out["item"]["assignee"] == "xa@example.vn"
        assert parse(out["item"]["due_at"]) == local(2026, 11, 13, 17)
        assert out["item"]["deadline_days"] == 10
        assert item(code).deadline_basis["counted_from"] == "2026-10-30"
        # The commune's holding of the item has the department's deadline (feedback.obligations).
        from .test_obligations import holdings

        first, second = holdings(code)
        assert (first.status, first.late, second.status) == ("superseded", False, "open")
        assert (second.start_at, second.days, second.due_at, second.basis) == (
            first.start_at, first.days, first.due_at, first.basis)
