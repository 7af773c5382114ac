"""API v1 for items: filing (with Idempotency-Key), the public view without personal data, the
staff list scoped by the token's units, and the state machine."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from feedback.items import codes
from feedback.items.models import ItemContact, ItemEvent, Submission
from feedback.timeutil import utcnow

from tests.helpers import review_public_version

from .conftest import BODY, TITLE, bearer, count, file_now, item_by_code

URL = "/api/v1/items"
NAME, PHONE, EMAIL, CITIZEN_ID = "Hoàng Thị Quỳnh", "0912345678", "quynh.hoang@example.com", "001203004567"


def payload(**overrides) -> dict:
    data = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY}
    data.update(overrides)
    return data


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code and body["error"]["message"].strip()
    return body["error"]["fields"]


# --- filing -----------------------------------------------------------------------------------


def test_filing_answers_201_with_the_code_and_the_key(app, client, staff):
    before = utcnow()
    response = client.post(URL, json=payload(contact={"name": NAME, "phone": "+84 912 345 678"}, consent=True))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "access_key", "status", "unit", "received_at", "due_at", "deadline_days"}
    assert codes.is_valid(body["code"]) and body["code"].startswith("PA-")
    assert len(body["access_key"]) == codes.ACCESS_KEY_LENGTH
    assert body["status"] == "assigned" and body["unit"] == "P.STP"
    assert before <= dt.datetime.fromisoformat(body["received_at"]) <= utcnow()
    assert "Idempotent-Replayed" not in response.headers
    with app.app_context():
        item = item_by_code(body["code"])
        assert item.channel == "api" and item.entered_by_id is None
        assert item.access_key_hash == codes.digest(body["access_key"])
        assert item.contact.phone == PHONE and item.contact.consent is True
        assert body["due_at"] == (item.due_at.isoformat() if item.due_at else None)
        assert body["deadline_days"] == item.deadline_days


def test_without_a_deadline_policy_there_is_no_deadline(make_app, staff):
    client = make_app(DISABLED_PLUGINS=["accountability"]).test_client()
    body = client.post(URL, json=payload()).get_json()
    assert body["due_at"] is None and body["deadline_days"] is None


def test_an_item_without_unit_waits_at_reception(client, staff):
    body = client.post(URL, json=payload(unit="", kind="petition")).get_json()
    assert body["status"] == "received" and body["unit"] is None and body["code"].startswith("KN-")


def test_the_access_key_opens_the_private_view(client, staff):
    body = client.post(URL, json=payload()).get_json()
    response = client.post(f"/track/{body['code']}", data={"key": body["access_key"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/private")


def test_a_retry_with_the_same_idempotency_key_files_once(app, client, staff):
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = client.post(URL, json=payload(), headers=headers)
    second = client.post(URL, json=payload(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(app) == 1 and count(app, Submission) == 1
    assert count(app, ItemEvent, ItemEvent.action == "filed") == 1


def test_the_same_key_with_another_body_is_refused(app, client, staff):
    headers = {"Idempotency-Key": "retry-7f3a"}
    assert client.post(URL, json=payload(), headers=headers).status_code == 201
    fields = assert_error(client.post(URL, json=payload(title="Một việc khác hẳn"), headers=headers), 422, "invalid")
    assert set(fields) == {"idempotency_key"}
    assert count(app) == 1


def test_different_keys_file_different_items(app, client, staff):
    first = client.post(URL, json=payload(), headers={"Idempotency-Key": "a"}).get_json()
    second = client.post(URL, json=payload(), headers={"Idempotency-Key": "b"}).get_json()
    assert first["code"] != second["code"] and first["access_key"] != second["access_key"]
    assert count(app) == 2


def test_an_overlong_idempotency_key_is_refused(app, client, staff):
    fields = assert_error(client.post(URL, json=payload(), headers={"Idempotency-Key": "k" * 201}), 422, "invalid")
    assert set(fields) == {"idempotency_key"}
    assert count(app) == 0


@pytest.mark.parametrize("changes, field", [
    ({"contact": {"phone": "12345"}, "consent": True}, "contact.phone"),
    ({"contact": {"phone": "+1 202 555 0100"}, "consent": True}, "contact.phone"),
    ({"contact": {"email": "not-an-email"}, "consent": True}, "contact.email"),
    ({"contact": {"name": NAME}}, "consent"),
    ({"body": "   "}, "body"),
    ({"body": "ngắn"}, "body"),
    ({"body": "x" * 10_001}, "body"),
    ({"title": "ab"}, "title"),
    ({"unit": "NO.SUCH"}, "unit"),
    ({"procedure": "9.999.H46"}, "procedure"),
    ({"kind": "denunciation"}, "kind"),
    ({"topic": None}, "topic"),
    ({"channel": "hotline"}, "channel"),
    ({"received_at": "2026-01-01T08:00:00+07:00"}, "received_at"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_stored(app, client, staff, changes, field):
    data = payload(**changes)
    data = {key: value for key, value in data.items() if value is not None}
    fields = assert_error(client.post(URL, json=data), 422, "invalid")
    assert field in fields, fields
    assert count(app) == 0 and count(app, ItemContact) == 0


def test_missing_fields_are_named(app, client, staff):
    fields = assert_error(client.post(URL, json={}), 422, "invalid")
    assert {"kind", "topic", "title", "body"} <= set(fields)
    assert_error(client.post(URL, data="{not json", content_type="application/json"), 400, "bad_request")
    assert count(app) == 0


def test_schema_errors_in_the_contact_are_named_like_service_errors(app, client, staff):
    fields = assert_error(client.post(URL, json=payload(contact={"phone": "0" * 31})), 422, "invalid")
    assert "contact.phone" in fields


def test_a_procedure_of_another_unit_is_refused(app, client, procedures):
    fields = assert_error(client.post(URL, json=payload(procedure=procedures["commune"])), 422, "invalid")
    assert set(fields) == {"procedure"}
    body = client.post(URL, json=payload(unit="", procedure=procedures["commune"])).get_json()
    assert body["unit"] == "P.XA"


def test_staff_file_with_channel_and_date_of_receipt(app, client, staff):
    received = (utcnow() - dt.timedelta(days=2)).replace(microsecond=0)
    response = client.post(URL, json=payload(channel="hotline", received_at=received.isoformat()),
                           headers=bearer(client, "officer@example.vn"))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert dt.datetime.fromisoformat(body["received_at"]) == received
    with app.app_context():
        item = item_by_code(body["code"])
        assert item.channel == "hotline" and item.entered_by.email == "officer@example.vn"


@pytest.mark.parametrize("received_at", [
    (utcnow() + dt.timedelta(days=1)).isoformat(),
    "2026-01-01T08:00:00",  # without time zone
])
def test_staff_cannot_date_an_item_in_the_future_or_without_zone(app, client, staff, received_at):
    fields = assert_error(client.post(URL, json=payload(channel="mailbox", received_at=received_at),
                                      headers=bearer(client, "officer@example.vn")), 422, "invalid")
    assert "received_at" in fields
    assert count(app) == 0


def test_a_bad_bearer_token_is_refused_not_ignored(app, client, staff):
    response = client.post(URL, json=payload(), headers={"Authorization": "Bearer nope"})
    assert_error(response, 401, "unauthorized")
    assert count(app) == 0


# --- the public view --------------------------------------------------------------------------


def test_the_public_view_carries_no_personal_data(app, client, staff):
    secrets_ = [NAME, PHONE, "0912 345 678", EMAIL, CITIZEN_ID, "12 Hàng Bài"]
    body = client.post(URL, json=payload(
        title=f"{NAME} {PHONE} {CITIZEN_ID}",
        body=f"Tôi là {NAME}, CCCD {CITIZEN_ID}, điện thoại 0912 345 678, thư {EMAIL}, ở 12 Hàng Bài.",
        contact={"name": NAME, "phone": PHONE, "email": EMAIL, "address": "12 Hàng Bài"}, consent=True,
        publish=True)).get_json()
    code = body["code"]
    with app.app_context():
        from feedback.extensions import db
        from feedback.items import services
        from feedback.auth.models import User

        item = item_by_code(code)
        head = db.session.scalar(select(User).where(User.email == "head@example.vn"))
        services.transition(item, "extend", head, days=3, reason=f"Chờ bà {NAME} ({PHONE}) bổ sung CCCD {CITIZEN_ID}")
        services.transition(item, "respond", head, body=f"Kính gửi bà {NAME}, email {EMAIL}: hồ sơ đã có kết quả.")
        db.session.commit()
    # Until staff review the public version, only the metadata is public: the title is the filer's text too.
    waiting = client.get(f"{URL}/{code}").get_json()
    assert waiting["title"] is None and waiting["body"] is None and waiting["response"]["body"] is None
    assert waiting["status"] == "responded" and waiting["response"]["published_at"]
    review_public_version(client, code)
    response = client.get(f"{URL}/{code}")
    assert response.status_code == 200
    view = response.get_json()
    text = json.dumps(view, ensure_ascii=False)
    for secret in secrets_:
        assert secret not in text, secret
    assert "access_key" not in text and body["access_key"] not in text
    assert BODY not in text and "CCCD" not in (view["title"] or "")
    assert view["code"] == code and view["status"] == "responded"
    assert view["title"] and "[họ tên]" in view["title"]
    assert "hồ sơ đã có kết quả" in view["response"]["body"]
    assert [event["action"] for event in view["timeline"]] == ["filed", "assign", "extend", "respond"]
    assert "[số định danh]" in view["timeline"][2]["reason"]


def test_an_unpublished_title_is_not_shown(client, staff):
    code = client.post(URL, json=payload()).get_json()["code"]
    assert client.get(f"{URL}/{code}").get_json()["title"] is None


def test_the_public_view_accepts_the_code_as_typed(client, staff):
    code = client.post(URL, json=payload()).get_json()["code"]
    response = client.get(f"{URL}/{code.lower().replace('-', '')}")
    assert response.status_code == 200 and response.get_json()["code"] == code


def test_unknown_or_mistyped_codes_are_not_found(client, staff):
    code = client.post(URL, json=payload()).get_json()["code"]
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert "code" in assert_error(client.get(f"{URL}/{typo}"), 404, "not_found")
    assert_error(client.get(f"{URL}/{codes.new_code('petition', 2026)}"), 404, "not_found")


# --- the staff list ---------------------------------------------------------------------------


def test_the_list_needs_a_token(client, staff):
    assert_error(client.get(URL), 401, "unauthorized")
    assert_error(client.get(URL, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")


def test_the_list_is_scoped_by_the_tokens_units(app, client, staff):
    mine = file_now(app)[0]
    commune = file_now(app, unit="P.XA")[0]
    queue = file_now(app, unit="")[0]
    officer = client.get(URL, headers=bearer(client, "officer@example.vn"))
    assert officer.status_code == 200
    assert [row["code"] for row in officer.get_json()["items"]] == [mine]
    assert client.get(URL, query_string={"unit": "P.XA"},
                      headers=bearer(client, "officer@example.vn")).get_json()["items"] == []
    admin = bearer(client)
    assert {row["code"] for row in client.get(URL, headers=admin).get_json()["items"]} == {mine, commune, queue}
    assert [row["code"] for row in client.get(URL, query_string={"unit": "none"}, headers=admin).get_json()["items"]] \
        == [queue]
    row = next(row for row in client.get(URL, headers=admin).get_json()["items"] if row["code"] == mine)
    assert row["unit"] == "P.STP" and row["assignee"] == "head@example.vn" and row["status"] == "assigned"
    assert row["title"] == TITLE and row["overdue"] is False


def test_the_list_pages_with_a_cursor_and_refuses_a_tampered_one(app, client, staff):
    expected = [file_now(app)[0] for _ in range(5)]
    headers = bearer(client)
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, query_string=query, headers=headers).get_json()
        assert len(page["items"]) <= 2
        seen += [row["code"] for row in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(expected) and len(seen) == 5
    tampered = client.get(URL, query_string={"cursor": "x" + (cursor or "abc.def")}, headers=headers)
    assert "cursor" in assert_error(tampered, 422, "invalid")


@pytest.mark.parametrize("query, field", [({"status": "lost"}, "status"), ({"limit": 0}, "limit"),
                                          ({"sort": "random"}, "sort"), ({"unit": "NO.SUCH"}, "unit")])
def test_bad_list_filters_are_named(client, staff, query, field):
    assert field in assert_error(client.get(URL, query_string=query, headers=bearer(client)), 422, "invalid")


# --- transitions ------------------------------------------------------------------------------


def test_a_transition_answers_200_with_the_item_and_the_event(app, client, staff):
    code = file_now(app)[0]
    response = client.post(f"{URL}/{code}/transitions", json={"action": "start"},
                           headers=bearer(client, "officer@example.vn"))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["item"]["code"] == code and body["item"]["status"] == "in_progress"
    assert {key: body["event"][key] for key in ("action", "from_status", "to_status")} == {
        "action": "start", "from_status": "assigned", "to_status": "in_progress"}
    with app.app_context():
        assert item_by_code(code).status == "in_progress"


def test_transitions_need_a_token(app, client, staff):
    code = file_now(app)[0]
    assert_error(client.post(f"{URL}/{code}/transitions", json={"action": "start"}), 401, "unauthorized")


def test_a_transition_on_another_units_item_is_not_found_as_if_absent(app, client, staff):
    code = file_now(app, unit="P.XA")[0]
    fields = assert_error(client.post(f"{URL}/{code}/transitions", json={"action": "note", "reason": "xem"},
                                      headers=bearer(client, "officer@example.vn")), 404, "not_found")
    unknown = assert_error(client.post(f"{URL}/{codes.new_code('complaint', 2026)}/transitions",
                                       json={"action": "note", "reason": "xem"},
                                       headers=bearer(client, "officer@example.vn")), 404, "not_found")
    assert fields == unknown
    with app.app_context():
        assert [e.action for e in item_by_code(code).events] == ["filed"]


def test_a_transition_on_an_unknown_item_is_not_found(client, staff):
    assert_error(client.post(f"{URL}/{codes.new_code('complaint', 2026)}/transitions", json={"action": "start"},
                             headers=bearer(client)), 404, "not_found")


@pytest.mark.parametrize("action", ["close", "reopen", "assign", "teleport"])
def test_an_illegal_transition_is_a_conflict(app, client, staff, action):
    code = file_now(app)[0]
    fields = assert_error(client.post(f"{URL}/{code}/transitions", json={"action": action, "reason": "vì sao"},
                                      headers=bearer(client)), 409, "conflict")
    assert "action" in fields
    with app.app_context():
        item = item_by_code(code)
        assert item.status == "assigned" and len(item.events) == 2


def test_staff_cannot_withdraw_an_item_on_the_filers_behalf(app, client, staff):
    code = file_now(app)[0]
    response = client.post(f"{URL}/{code}/transitions", json={"action": "withdraw"}, headers=bearer(client))
    assert response.status_code in (403, 409)
    with app.app_context():
        assert item_by_code(code).status == "assigned"


@pytest.mark.parametrize("body, field", [
    ({"action": "reject"}, "reason"),
    ({"action": "extend", "reason": "xác minh", "days": 99}, "days"),
    ({"action": "transfer", "reason": "sai", "unit": "NO.SUCH"}, "unit"),
    ({"action": "merge", "original": "PA-26-0000-0000"}, "original"),
    ({}, "action"),
    ({"action": "start", "days": "many"}, "days"),
])
def test_an_invalid_transition_names_the_field(app, client, staff, body, field):
    code = file_now(app)[0]
    fields = assert_error(client.post(f"{URL}/{code}/transitions", json=body, headers=bearer(client)), 422, "invalid")
    assert field in fields
    with app.app_context():
        item = item_by_code(code)
        assert item.status == "assigned" and len(item.events) == 2
