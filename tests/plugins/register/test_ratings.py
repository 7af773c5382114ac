"""The filer rates the answer once, with the access key; not satisfied reopens or escalates the item."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.items.models import ItemEvent
from feedback.plugins.register.models import Rating
from tests.helpers import ANSWER, act, bearer, count, item

from .conftest import file


def _answered(client, **fields):
    head = bearer(client, "head@example.vn")
    filed = file(client, title="Phản ánh về thủ tục", publish=True, **fields)
    act(client, head, filed["code"], "respond", body=ANSWER)
    return filed


def _state(db, code):
    db.session.expire_all()
    found = item(code)
    return found.status, found.unit.code, count(Rating), count(ItemEvent)


def test_a_satisfied_rating_through_the_web_with_the_session_grant(client, people, db):
    filed = _answered(client)
    code = filed["code"]
    assert client.get(f"/track/{code}/rating").status_code == 403  # no grant in this session
    assert client.post(f"/track/{code}", data={"key": filed["access_key"]}).status_code == 302
    assert "Đánh giá" in client.get(f"/track/{code}/private").get_data(as_text=True) or \
        f"/track/{code}/rating" in client.get(f"/track/{code}/private").get_data(as_text=True)
    response = client.post(f"/track/{code}/rating", data={"satisfied": "yes", "comment": "Cảm ơn đơn vị."})
    assert response.status_code == 302
    assert item(code).status == "responded"
    assert client.get("/api/v1/register").get_json()["items"][0]["rating"] == "satisfied"
    before = _state(db, code)
    again = client.post(f"/track/{code}/rating", data={"satisfied": "no"})
    assert again.status_code == 409 and _state(db, code) == before
    assert "Cảm ơn đơn vị." not in client.get(f"/register/items/{code}").get_data(as_text=True)


def test_an_unsatisfied_rating_reopens_the_item_by_default(client, people, db):
    filed = _answered(client)
    code = filed["code"]
    response = client.post(f"/api/v1/items/{code}/rating",
                           json={"access_key": filed["access_key"], "satisfied": False, "comment": "Chưa rõ."})
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"code": code, "satisfied": False, "outcome": "reopened", "status": "in_progress"}
    reopen = db.session.scalar(select(ItemEvent).where(ItemEvent.action == "reopen"))
    assert (reopen.actor_id, reopen.actor_kind, reopen.from_status, reopen.to_status) == (
        None, "citizen", "responded", "in_progress")
    assert item(code).due_at is not None
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert row["status"] == "in_progress" and row["rating"] == "unsatisfied"


def test_an_unsatisfied_rating_escalates_to_the_parent_unit_when_configured(make_app, people, db):
    client = make_app(REGISTER_UNSATISFIED="escalate").test_client()
    filed = _answered(client)
    response = client.post(f"/api/v1/items/{filed['code']}/rating",
                           json={"access_key": filed["access_key"], "satisfied": False})
    assert response.status_code == 201 and response.get_json()["outcome"] == "escalated"
    found = item(filed["code"])
    assert found.unit.code == "P" and found.assignee.email == "tinh@example.vn" and found.status == "assigned"
    transfer = db.session.scalar(select(ItemEvent).where(ItemEvent.action == "transfer"))
    assert transfer.actor_kind == "system" and transfer.actor_id is None


def test_a_rating_without_a_valid_key_twice_or_before_an_answer_changes_nothing(client, people, db):
    filed = _answered(client)
    code = filed["code"]
    before = _state(db, code)
    for body, status in (({"access_key": "WRONG-KEY", "satisfied": False}, 403),
                         ({"access_key": "", "satisfied": False}, 403),
                         ({"satisfied": False}, 422),
                         ({"access_key": filed["access_key"]}, 422),
                         ({"access_key": filed["access_key"], "satisfied": "maybe"}, 422),
                         ({"access_key": filed["access_key"], "satisfied": True, "comment": "x" * 3000}, 422)):
        response = client.post(f"/api/v1/items/{code}/rating", json=body)
        assert response.status_code == status, (body, response.get_json())
        assert response.get_json()["error"]["message"]
        assert _state(db, code) == before
    assert client.post("/api/v1/items/PA-00-0000-0000/rating",
                       json={"access_key": "x", "satisfied": True}).status_code == 404
    assert client.post(f"/api/v1/items/{code}/rating", json={"access_key": filed["access_key"],
                                                             "satisfied": True}).status_code == 201
    rated = _state(db, code)
    again = client.post(f"/api/v1/items/{code}/rating", json={"access_key": filed["access_key"], "satisfied": False})
    assert again.status_code == 409 and "đã đánh giá" in again.get_json()["error"]["message"].lower() or again.status_code == 409
    assert _state(db, code) == rated
    unanswered = file(client, title="Chưa có trả lời", publish=True)
    refused = client.post(f"/api/v1/items/{unanswered['code']}/rating",
                          json={"access_key": unanswered["access_key"], "satisfied": True})
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count(Rating.id))) == 1


def test_a_new_answer_after_reopening_can_be_rated_again(client, people):
    filed = _answered(client)
    code, key = filed["code"], filed["access_key"]
    client.post(f"/api/v1/items/{code}/rating", json={"access_key": key, "satisfied": False})
    act(client, bearer(client, "head@example.vn"), code, "respond", body=ANSWER + " Bổ sung kết quả.")
    assert client.post(f"/api/v1/items/{code}/rating", json={"access_key": key, "satisfied": True}).status_code == 201
