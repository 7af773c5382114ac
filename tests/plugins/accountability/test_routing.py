"""Routing to the head of unit, delegation to a deputy while the head is away, who may publish an
answer, and the /staff/delegation page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from feedback import hookimpl
from feedback.auth.models import User
from feedback.items.models import Response
from feedback.plugins.accountability.models import Delegation

from .conftest import ANSWER, act, count, file_item, item, local, login, token, user_id


def delegate(client, deputy_email="pho@example.vn", starts="2026-11-09", ends="2026-11-13", expect=302,
             reason="Đi công tác tại Hà Nội"):
    data = {"delegate": str(user_id(deputy_email)), "starts_on": starts, "ends_on": ends, "reason": reason}
    response = client.post("/staff/delegation", data=data)
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    return response


def test_an_item_goes_to_the_head_of_its_unit(client, db, people, clock):
    clock.set(local(2026, 11, 10, 9))
    created = file_item(client)
    assert created["status"] == "assigned"
    found = item(created["code"])
    assert found.assignee.email == "head@example.vn"
    listed = client.get("/api/v1/items?unit=P.STP", headers=token(client)).get_json()["items"]
    assert [(row["code"], row["assignee"]) for row in listed] == [(created["code"], "head@example.vn")]
    commune = file_item(client, unit="P.XA")
    assert item(commune["code"]).assignee.email == "xa@example.vn"


def test_an_item_of_a_unit_without_head_waits_unassigned(client, db, staff, clock):
    clock.set(local(2026, 11, 10, 9))
    created = file_item(client, unit="P.XA")  # the staff fixture gives the commune no head
    assert created["status"] == "received"
    assert created["due_at"] is None
    assert item(created["code"]).assignee is None


def test_the_head_names_a_deputy_who_receives_and_answers(client, db, people, clock):
    clock.set(local(2026, 11, 10, 9))
    before = file_item(client)  # filed while the head is in
    login(client, "head@example.vn")
    assert client.get("/staff/delegation").status_code == 200
    delegate(client)
    stored = db.session.scalar(select(Delegation))
    assert (stored.delegate.email, stored.starts_on, stored.ends_on, stored.reason) == (
        "pho@example.vn", dt.date(2026, 11, 9), dt.date(2026, 11, 13), "Đi công tác tại Hà Nội")
    assert "Hoàng Văn Phó" in client.get("/staff/delegation").get_data(as_text=True)

    during = file_item(client)
    assert item(during["code"]).assignee.email == "pho@example.vn"
    assert item(before["code"]).assignee.email == "head@example.vn"

    deputy = token(client, "pho@example.vn")
    for code in (during["code"], before["code"]):  # the deputy answers for the whole unit
        out = act(client, deputy, code, "respond", body=ANSWER)
        assert out["event"]["action"] == "respond"
        assert out["item"]["status"] == "responded"
        published = item(code).published_response
        assert published is not None and published.approved_by.email == "pho@example.vn"


def test_an_officer_who_is_not_the_deputy_only_drafts(client, db, people, clock):
    clock.set(local(2026, 11, 10, 9))
    login(client, "head@example.vn")
    delegate(client)
    code = file_item(client)["code"]
    officer = token(client, "officer@example.vn")
    out = act(client, officer, code, "respond", body=ANSWER)
    assert out["event"]["action"] == "draft"
    assert out["item"]["status"] == "assigned"
    found = item(code)
    assert found.published_response is None
    assert found.pending_draft.author.email == "officer@example.vn"
    # The deputy approves the draft as it is.
    out = act(client, token(client, "pho@example.vn"), code, "respond")
    assert out["item"]["status"] == "responded"
    assert item(code).published_response.body == ANSWER


def test_without_delegation_an_officers_answer_is_a_draft_for_the_head(client, db, people, clock):
    clock.set(local(2026, 11, 10, 9))
    code = file_item(client)["code"]
    out = act(client, token(client, "pho@example.vn"), code, "respond", body=ANSWER)
    assert out["event"]["action"] == "draft"
    assert item(code).status == "assigned"
    assert count(Response, Response.published_at.is_not(None)) == 0
    out = act(client, token(client, "head@example.vn"), code, "respond")
    assert out["event"]["action"] == "respond"
    assert item(code).published_response.approved_by.email == "head@example.vn"


def test_an_item_of_another_unit_cannot_be_answered_it_is_absent(client, db, people, clock):
    clock.set(local(2026, 11, 10, 9))
    code = file_item(client)["code"]
    for email in ("xa@example.vn", "canbo.xa@example.vn"):
        response = client.post(f"/api/v1/items/{code}/transitions", json={"action": "respond", "body": ANSWER},
                               headers=token(client, email))
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert item(code).status == "assigned"
    assert item(code).responses == []


def test_a_deputy_of_another_unit_cannot_answer_here(client, db, people, clock):
    """A delegation at the commune gives its deputy nothing at the department."""
    clock.set(local(2026, 11, 10, 9))
    login(client, "xa@example.vn")
    delegate(client, deputy_email="canbo.xa@example.vn")
    code = file_item(client)["code"]
    response = client.post(f"/api/v1/items/{code}/transitions", json={"action": "respond", "body": ANSWER},
                           headers=token(client, "canbo.xa@example.vn"))
    assert response.status_code == 404


@pytest.mark.parametrize(("today", "assignee"), [
    (local(2026, 11, 8, 9), "head@example.vn"),   # before the delegation starts
    (local(2026, 11, 9, 9), "pho@example.vn"),    # its first day
    (local(2026, 11, 13, 16), "pho@example.vn"),  # its last day
    (local(2026, 11, 16, 9), "head@example.vn"),  # after it ended
])
def test_a_delegation_holds_only_between_its_dates(client, db, people, clock, today, assignee):
    clock.set(local(2026, 11, 6, 9))
    login(client, "head@example.vn")
    delegate(client)
    clock.set(today)
    code = file_item(client)["code"]
    assert item(code).assignee.email == assignee
    deputy_may_publish = assignee == "pho@example.vn"
    out = act(client, token(client, "pho@example.vn"), code, "respond", body=ANSWER)
    assert out["event"]["action"] == ("respond" if deputy_may_publish else "draft")


def test_an_inactive_deputy_does_not_receive_items(client, db, people, clock):
    clock.set(local(2026, 11, 10, 9))
    login(client, "head@example.vn")
    delegate(client)
    db.session.scalar(select(User).where(User.email == "pho@example.vn")).active = False
    db.session.commit()
    code = file_item(client)["code"]
    assert item(code).assignee.email == "head@example.vn"


def test_the_delegation_page_refuses_bad_requests(client, db, people, clock):
    clock.set(local(2026, 11, 10, 9))
    login(client, "head@example.vn")
    delegate(client, starts="2026-11-13", ends="2026-11-09", expect=422)  # ends before it starts
    delegate(client, starts="2026-11-02", ends="2026-11-06", expect=422)  # already over
    delegate(client, deputy_email="canbo.xa@example.vn", expect=422)     # not a member of the unit
    response = client.post("/staff/delegation", data={"delegate": str(user_id("pho@example.vn")), "starts_on": "",
                                                      "ends_on": "2026-11-13"})
    assert response.status_code == 422
    assert count(Delegation) == 0


@pytest.mark.parametrize(("email", "status"), [("officer@example.vn", 403), ("pho@example.vn", 403)])
def test_only_a_head_delegates(client, db, people, email, status):
    login(client, email)
    assert client.get("/staff/delegation").status_code == status
    assert client.post("/staff/delegation", data={"delegate": str(user_id("officer@example.vn")),
                                                  "starts_on": "2026-11-09", "ends_on": "2026-11-13"}).status_code == status
    assert count(Delegation) == 0


def test_the_delegation_page_needs_a_login(client, db, people):
    response = client.get("/staff/delegation")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_hook_feedback_item_may_answer(client, db, people, clock, register_plugin):
    calls = []

    class Policy:
        """The officer may publish; the head of unit may not (say, an inspection); others: no opinion."""

        @hookimpl
        def feedback_item_may_answer(self, item, user):
            calls.append((item.code, user.email))
            return {"officer@example.vn": True, "head@example.vn": False}.get(user.email)

    register_plugin(Policy(), name="answer-policy")
    clock.set(local(2026, 11, 10, 9))
    first, second, third = (file_item(client)["code"] for _ in range(3))

    out = act(client, token(client, "officer@example.vn"), first, "respond", body=ANSWER)
    assert (out["event"]["action"], out["item"]["status"]) == ("respond", "responded")
    assert item(first).published_response.approved_by.email == "officer@example.vn"

    out = act(client, token(client, "head@example.vn"), second, "respond", body=ANSWER)
    assert (out["event"]["action"], out["item"]["status"]) == ("draft", "assigned")

    # No opinion from the plugin: the accountability policy decides (a plain officer drafts).
    out = act(client, token(client, "pho@example.vn"), third, "respond", body=ANSWER)
    assert out["event"]["action"] == "draft"
    assert (first, "officer@example.vn") in calls and (third, "pho@example.vn") in calls
