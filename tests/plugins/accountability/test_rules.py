"""Deadline rules: the most specific wins (procedure, then kind and topic, then topic, then kind),
the settings give the default, and administrators manage the rules on /admin/deadlines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.plugins.accountability.models import DeadlineRule

from .conftest import count, file_item, item, local, login, token

KHAI_SINH = "1.001193.000.00.00.H46"


@pytest.fixture
def procedure(app, people):
    from feedback.procedures.services import save_procedure
    from feedback.units.services import get_unit

    with app.app_context():
        from feedback.extensions import db

        save_procedure(None, code=KHAI_SINH, name="Đăng ký khai sinh", field="Hộ tịch", unit=get_unit("P.STP"),
                       processing_days=3, fee=None, online_level=4, postal_return=False)
        db.session.commit()
    return KHAI_SINH


def add_rule(client, expect=302, **fields):
    data = {"kind": "", "topic": "", "procedure": "", "days": "", "legal_basis": ""}
    data.update({key: str(value) for key, value in fields.items()})
    response = client.post("/admin/deadlines", data=data)
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    return response


def test_the_most_specific_rule_wins(client, db, procedure, clock):
    login(client, "admin@example.vn")
    add_rule(client, kind="complaint", days=12, legal_basis="Quyết định số 1/QĐ-UBND (loại)")
    add_rule(client, topic="procedure", days=8, legal_basis="Quyết định số 2/QĐ-UBND (chủ đề)")
    add_rule(client, kind="complaint", topic="procedure", days=6, legal_basis="Quyết định số 3/QĐ-UBND (loại và chủ đề)")
    add_rule(client, procedure=KHAI_SINH, days=4, legal_basis="Quyết định số 4/QĐ-UBND (thủ tục)")
    assert count(DeadlineRule) == 4

    clock.set(local(2026, 11, 2, 9))  # Monday: counting starts today
    headers = token(client)
    cases = [
        ({"kind": "complaint", "topic": "procedure", "procedure": KHAI_SINH}, 4, "Quyết định số 4/QĐ-UBND (thủ tục)"),
        ({"kind": "petition", "topic": "procedure", "procedure": KHAI_SINH}, 4, "Quyết định số 4/QĐ-UBND (thủ tục)"),
        ({"kind": "complaint", "topic": "procedure"}, 6, "Quyết định số 3/QĐ-UBND (loại và chủ đề)"),
        ({"kind": "petition", "topic": "procedure"}, 8, "Quyết định số 2/QĐ-UBND (chủ đề)"),
        ({"kind": "complaint", "topic": "conduct"}, 12, "Quyết định số 1/QĐ-UBND (loại)"),
        ({"kind": "petition", "topic": "regulation"}, 15, "Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của đơn vị"),
    ]
    expected_due = {4: local(2026, 11, 6, 17), 6: local(2026, 11, 10, 17), 8: local(2026, 11, 12, 17),
                    12: local(2026, 11, 18, 17), 15: local(2026, 11, 23, 17)}
    for fields, days, basis in cases:
        created = file_item(client, headers, **fields)
        assert created["deadline_days"] == days, fields
        found = item(created["code"])
        assert found.deadline_basis["legal_basis"] == basis
        assert found.deadline_basis["days"] == days
        assert found.due_at == expected_due[days], fields


def test_the_default_comes_from_the_settings(make_app, people, clock):
    app = make_app(DEADLINE_DAYS={"complaint": 7, "petition": 9}, DEADLINE_LEGAL_BASIS="Nghị định số 1/2027/NĐ-CP")
    client = app.test_client()
    clock.set(local(2026, 11, 2, 9))
    with app.app_context():
        headers = token(client)
        complaint = file_item(client, headers)
        petition = file_item(client, headers, kind="petition")
        assert complaint["deadline_days"] == 7
        assert petition["deadline_days"] == 9
        assert item(complaint["code"]).due_at == local(2026, 11, 11, 17)
        assert item(petition["code"]).deadline_basis["legal_basis"] == "Nghị định số 1/2027/NĐ-CP"


def test_rules_apply_to_items_assigned_afterwards_only(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    headers = token(client)
    before = file_item(client, headers)
    login(client, "admin@example.vn")
    add_rule(client, kind="complaint", days=3, legal_basis="Quyết định số 5/QĐ-UBND")
    after = file_item(client, headers)
    assert item(before["code"]).deadline_days == 10
    assert item(after["code"]).deadline_days == 3
    assert item(after["code"]).due_at == local(2026, 11, 5, 17)


def test_the_rules_page_creates_refuses_a_duplicate_and_deletes(client, db, procedure):
    login(client, "admin@example.vn")
    page = client.get("/admin/deadlines")
    assert page.status_code == 200
    add_rule(client, kind="complaint", topic="conduct", days=5, legal_basis="Quyết định số 6/QĐ-UBND")
    rule_id = db.session.scalar(select(DeadlineRule.id))
    stored = db.session.get(DeadlineRule, rule_id)
    assert (stored.kind, stored.topic, stored.procedure_id, stored.days) == ("complaint", "conduct", None, 5)
    assert "Quyết định số 6/QĐ-UBND" in client.get("/admin/deadlines").get_data(as_text=True)

    # The same scope again is refused, whatever the days.
    add_rule(client, expect=422, kind="complaint", topic="conduct", days=7, legal_basis="Quyết định số 7/QĐ-UBND")
    assert count(DeadlineRule) == 1
    # A different scope is not a duplicate.
    add_rule(client, kind="complaint", days=7, legal_basis="Quyết định số 7/QĐ-UBND")
    add_rule(client, procedure=KHAI_SINH, days=2, legal_basis="Quyết định số 8/QĐ-UBND")
    add_rule(client, expect=422, procedure=KHAI_SINH, days=3, legal_basis="Quyết định số 9/QĐ-UBND")
    assert count(DeadlineRule) == 3

    response = client.post(f"/admin/deadlines/{rule_id}/delete")
    assert response.status_code == 302
    assert count(DeadlineRule) == 2
    db.session.expire_all()
    assert db.session.get(DeadlineRule, rule_id) is None
    assert client.post(f"/admin/deadlines/{rule_id}/delete").status_code == 404


@pytest.mark.parametrize("fields", [
    {"kind": "complaint", "days": 0, "legal_basis": "Quyết định"},
    {"kind": "complaint", "days": 91, "legal_basis": "Quyết định"},
    {"kind": "complaint", "days": "", "legal_basis": "Quyết định"},
    {"kind": "complaint", "days": 5, "legal_basis": ""},
    {"procedure": "9.999999.000.00.00.H46", "days": 5, "legal_basis": "Quyết định"},
])
def test_the_rules_page_refuses_bad_rules(client, db, procedure, fields):
    login(client, "admin@example.vn")
    add_rule(client, expect=422, **fields)
    assert count(DeadlineRule) == 0


def test_only_administrators_manage_rules(client, db, people):
    login(client, "head@example.vn")
    assert client.get("/admin/deadlines").status_code == 403
    response = client.post("/admin/deadlines", data={"kind": "complaint", "days": "3", "legal_basis": "Tự đặt"})
    assert response.status_code == 403
    assert count(DeadlineRule) == 0
