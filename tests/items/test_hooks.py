"""The item hooks, as a plugin sees them: events inside the transaction, decisions by the first
plugin that answers, and isolation of a failing plugin."""

from __future__ import annotations

import datetime as dt
import logging

from feedback import hookimpl
from feedback.extensions import db
from feedback.items import services
from feedback.workdays import Deadline
from feedback.items.models import Attachment, Item, ItemEvent, Submission
from feedback.timeutil import utcnow

from .conftest import PDF, bearer, count, filing, item_by_code, post_form, submission_token, user

URL = "/api/v1/items"


def payload(**overrides) -> dict:
    data = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": "Hồ sơ bị trễ hạn",
            "body": "Hồ sơ của tôi đã quá hạn giải quyết ba tuần mà chưa có kết quả."}
    data.update(overrides)
    return data


class Recorder:
    def __init__(self):
        self.calls = []


def test_hook_feedback_item_filed(app, client, staff, register_plugin):
    class Filed(Recorder):
        @hookimpl
        def feedback_item_filed(self, item):
            self.calls.append({"id": item.id, "code": item.code, "status": item.status,
                               "assignee": item.assignee_id, "unit": item.unit.code if item.unit else None,
                               "phone": item.contact.phone if item.contact else None,
                               "attachments": [a.filename for a in item.attachments]})
            # A plugin's own rows commit with the item.
            services.log(item, "note", actor_kind="plugin-test", reason="đã nhận", public=False)

    plugin = register_plugin(Filed(), name="test-filed")
    response = post_form(client, phone="0912345678", consent="y", files=[("don.pdf", PDF)])
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[-1]
    assert len(plugin.calls) == 1
    call = plugin.calls[0]
    # Flushed (it has an id and a code), with its contact and files, before routing.
    assert call.pop("id") is not None
    assert call == {"code": code, "status": "received", "assignee": None, "unit": "P.STP", "phone": "0912345678",
                    "attachments": ["don.pdf"]}
    with app.app_context():
        item = item_by_code(code)
        assert [(e.action, e.actor_kind) for e in item.events if e.action == "note"] == [("note", "plugin-test")]
    # A repeated submission does not file again, so the hook is not called again.
    headers = {"Idempotency-Key": "one"}
    client.post(URL, json=payload(), headers=headers)
    client.post(URL, json=payload(), headers=headers)
    assert len(plugin.calls) == 2
    # Refused filings call nothing.
    client.post(URL, json=payload(body="ngắn"))
    assert len(plugin.calls) == 2


def test_a_failing_item_filed_plugin_does_not_stop_filing(app, client, staff, register_plugin, caplog):
    class Broken:
        @hookimpl
        def feedback_item_filed(self, item):
            item.title = "sửa bởi plugin hỏng"
            services.log(item, "note", actor_kind="broken", reason="nửa chừng", public=False)
            db.session.add(Attachment(item=item, filename="x.pdf", content_type="application/pdf", size=3,
                                      sha256="0" * 64, data=b"abc"))
            db.session.flush()
            raise RuntimeError("the SMS gateway is down")

    register_plugin(Broken(), name="broken-plugin")
    with caplog.at_level(logging.ERROR, logger="feedback.plugins"):
        response = post_form(client)
        api = client.post(URL, json=payload(unit=""))
    assert response.status_code == 302 and api.status_code == 201
    assert count(app) == 2
    with app.app_context():
        item = item_by_code(response.headers["Location"].rsplit("/", 1)[-1])
        assert item.title != "sửa bởi plugin hỏng" and item.status == "assigned"
        assert [e.action for e in item.events] == ["filed", "assign"]
        assert item.attachments == []
    assert count(app, ItemEvent, ItemEvent.actor_kind == "broken") == 0
    failures = [record for record in caplog.records if "broken-plugin" in record.getMessage()]
    assert len(failures) == 2 and all("feedback_item_filed" in r.getMessage() for r in failures)
    assert all(r.exc_info and "SMS gateway" in str(r.exc_info[1]) for r in failures)


def test_hook_feedback_item_status_changed(app, client, staff, register_plugin):
    class Changed(Recorder):
        @hookimpl
        def feedback_item_status_changed(self, item, old, new, actor, action, event):
            self.calls.append((item.code, old, new, actor.email if actor else None, action, event.action,
                               event.from_status, event.to_status, event.id is not None, item.status))

    plugin = register_plugin(Changed(), name="test-changed")
    code = client.post(URL, json=payload()).get_json()["code"]
    queued = client.post(URL, json=payload(unit="")).get_json()["code"]
    # Routing at filing; nothing for the item waiting at reception.
    assert plugin.calls == [(code, "received", "assigned", None, "assign", "assign", "received", "assigned", True,
                             "assigned")]
    headers = bearer(client, "head@example.vn")
    for body in ({"action": "start"}, {"action": "note", "reason": "ghi chú"},
                 {"action": "draft", "body": "Bản nháp trả lời đủ hai mươi ký tự."},
                 {"action": "extend", "days": 2, "reason": "xác minh"},
                 {"action": "respond", "body": "Trả lời chính thức đủ hai mươi ký tự."},
                 {"action": "close"}):
        assert client.post(f"{URL}/{code}/transitions", json=body, headers=headers).status_code == 200, body
    assert [call[1:5] for call in plugin.calls[1:]] == [
        ("assigned", "in_progress", "head@example.vn", "start"),
        ("in_progress", "in_progress", "head@example.vn", "extend"),
        ("in_progress", "responded", "head@example.vn", "respond"),
        ("responded", "closed", "head@example.vn", "close"),
    ]
    # The event is the row just written, and the item is already in its new state.
    assert all(call[4] == call[5] and call[1:3] == call[6:8] and call[2] == call[9] for call in plugin.calls)
    # The filer withdrawing is a change too, with no actor.
    with app.app_context():
        services.transition(item_by_code(queued), "withdraw", None)
        db.session.commit()
    assert plugin.calls[-1][:5] == (queued, "received", "withdrawn", None, "withdraw")


def test_hook_feedback_response_published(app, client, staff, register_plugin):
    class Published(Recorder):
        @hookimpl
        def feedback_response_published(self, item, response):
            self.calls.append((item.code, item.status, response.body, response.public_body,
                               response.published_at is not None, response.approved_by.email))

    plugin = register_plugin(Published(), name="test-published")
    code = client.post(URL, json=payload(contact={"name": "Vũ Thị Hạnh", "phone": "0912345678"},
                                         consent=True)).get_json()["code"]
    answer = "Kính gửi bà Vũ Thị Hạnh (0912345678): hồ sơ đã có kết quả."
    officer = client.post(f"{URL}/{code}/transitions", json={"action": "respond", "body": answer},
                          headers=bearer(client, "officer@example.vn"))
    assert officer.status_code == 200 and officer.get_json()["event"]["action"] == "draft"
    assert plugin.calls == []  # a draft is not published
    head = client.post(f"{URL}/{code}/transitions", json={"action": "respond"},
                       headers=bearer(client, "head@example.vn"))
    assert head.status_code == 200
    assert len(plugin.calls) == 1
    item_code, status, body, public_body, published, approver = plugin.calls[0]
    assert (item_code, status, body, published, approver) == (code, "responded", answer, True, "head@example.vn")
    assert "Vũ Thị Hạnh" not in public_body and "0912345678" not in public_body


def test_hook_feedback_item_assignee(app, client, staff, register_plugin):
    class Policy(Recorder):
        @hookimpl
        def feedback_item_assignee(self, item):
            self.calls.append(item.unit.code if item.unit else None)
            if item.unit is not None and item.unit.code == "P.XA":
                return user("officer@example.vn")
            return None  # let the next policy answer

    plugin = register_plugin(Policy(), name="test-assignee")
    commune = client.post(URL, json=payload(unit="P.XA")).get_json()
    dept = client.post(URL, json=payload()).get_json()
    queue = client.post(URL, json=payload(unit="")).get_json()
    assert commune["status"] == "assigned" and dept["status"] == "assigned" and queue["status"] == "received"
    assert plugin.calls == ["P.XA", "P.STP"]  # not asked for an item without unit
    with app.app_context():
        assert item_by_code(commune["code"]).assignee.email == "officer@example.vn"
        assert item_by_code(dept["code"]).assignee.email == "head@example.vn"  # the core's default
        # Asked again when reception assigns the item, and when an item is transferred.
        services.transition(item_by_code(queue["code"]), "assign", user("admin@example.vn"), unit="P.XA")
        services.transition(item_by_code(dept["code"]), "transfer", user("admin@example.vn"), grounds="not_competent", unit="P.XA",
                            reason="thuộc xã")
        db.session.commit()
        assert item_by_code(queue["code"]).assignee.email == "officer@example.vn"
        assert item_by_code(dept["code"]).assignee.email == "officer@example.vn"
        assert item_by_code(dept["code"]).status == "assigned"
    assert plugin.calls[2:] == ["P.XA", "P.XA"]


def test_hook_feedback_item_deadline(app, client, staff, register_plugin):
    class Deadlines(Recorder):
        @hookimpl
        def feedback_item_deadline(self, item, start, cause, days):
            self.calls.append((item.unit.code if item.unit else None, start, cause, days))
            total = 7 + (days or 0)
            return Deadline(due_at=start + dt.timedelta(days=total), days=total,
                            explanation={"rule": "test", "cause": cause})

    plugin = register_plugin(Deadlines(), name="test-deadline")
    received = (utcnow() - dt.timedelta(days=1)).replace(microsecond=0)
    response = client.post(URL, json=payload(channel="hotline", received_at=received.isoformat()),
                           headers=bearer(client, "officer@example.vn"))
    assert response.status_code == 201
    body = response.get_json()
    due = received + dt.timedelta(days=7)
    assert dt.datetime.fromisoformat(body["due_at"]) == due and body["deadline_days"] == 7
    assert plugin.calls == [("P.STP", received, "filed", None)]  # counted from the day of receipt
    with app.app_context():
        item = item_by_code(body["code"])
        assert item.due_at == due and item.deadline_days == 7
        assert item.events[-1].action == "assign" and item.events[-1].data["due_at"] == due.isoformat()
    view = client.get(f"{URL}/{body['code']}").get_json()
    assert dt.datetime.fromisoformat(view["due_at"]) == due and view["deadline_days"] == 7
    listed = client.get(URL, headers=bearer(client)).get_json()["items"][0]
    assert dt.datetime.fromisoformat(listed["due_at"]) == due and listed["deadline_days"] == 7
    # An extension asks again, with the days and the current deadline as start.
    extended = client.post(f"{URL}/{body['code']}/transitions", json={"action": "extend", "days": 3,
                                                                      "reason": "xác minh"},
                           headers=bearer(client, "head@example.vn"))
    assert extended.status_code == 200
    assert plugin.calls[-1] == ("P.STP", due, "extended", 3)
    assert dt.datetime.fromisoformat(extended.get_json()["item"]["due_at"]) == due + dt.timedelta(days=10)
    assert extended.get_json()["item"]["deadline_days"] == 10
    # An item waiting for routing is on the clock too: the reception desk's deadline, from receipt.
    queued = client.post(URL, json=payload(unit="")).get_json()
    assert plugin.calls[-1][0] is None and plugin.calls[-1][2:] == ("awaiting_routing", None)
    assert dt.datetime.fromisoformat(queued["due_at"]) == plugin.calls[-1][1] + dt.timedelta(days=7)


def test_a_deadline_plugin_answering_none_leaves_no_deadline_without_other_policy(make_app, staff):
    app = make_app(DISABLED_PLUGINS=["accountability"])

    class Silent(Recorder):
        @hookimpl
        def feedback_item_deadline(self, item, start, cause, days):
            self.calls.append(cause)

    plugin = Silent()
    app.extensions["feedback.plugins"].register(plugin, name="silent")
    client = app.test_client()
    body = client.post(URL, json=payload()).get_json()
    assert plugin.calls == ["filed"]
    assert body["status"] == "assigned" and body["due_at"] is None and body["deadline_days"] is None


def test_hooks_run_inside_the_transaction_of_the_change(db, staff, register_plugin):
    class Spy(Recorder):
        @hookimpl
        def feedback_item_filed(self, item):
            self.calls.append(item.id)

    plugin = register_plugin(Spy(), name="spy")
    services.file_item(filing())
    assert plugin.calls
    db.session.rollback()  # the caller gives up: nothing of the filing stays
    assert db.session.scalar(db.select(Item.id)) is None


def test_a_filing_that_fails_midway_leaves_nothing_behind(app, client, staff, register_plugin):
    class Crashing:
        @hookimpl
        def feedback_item_assignee(self, item):
            raise RuntimeError("the directory of heads is unreachable")

    register_plugin(Crashing(), name="crashing-assignee")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = submission_token(client)
    assert post_form(client, token=token).status_code == 500
    # Nothing half-filed: no item without its "filed" event, no spent token.
    assert count(app) == 0 and count(app, Submission) == 0
