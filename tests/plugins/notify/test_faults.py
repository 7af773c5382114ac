"""Messages through real Redis, RQ workers, SMTP and an SMS gateway, with faults: every message
delivered, none lost, none delivered twice per key."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.plugins.notify.models import OutboxMessage
from tests.helpers import PASSWORD, wait_until

ITEM = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": "Chậm trả kết quả chứng thực",
        "body": "Tôi nộp hồ sơ chứng thực từ tuần trước mà chưa nhận được kết quả.", "consent": True}


def file_item(client, phone="0912345678", email="an.nguyen@example.vn", **extra) -> str:
    contact = {"name": "Nguyễn Văn An", "phone": phone, "email": email}
    response = client.post("/api/v1/items", json={**ITEM, "contact": contact, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def messages(app, code: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.reference == code)
                                   .order_by(OutboxMessage.id)).all()
        for row in rows:
            _db.session.expunge(row)
        return rows


def all_sent(app, code: str, count: int):
    rows = messages(app, code)
    return len(rows) == count and all(row.status == "sent" for row in rows) and rows


def test_messages_travel_through_redis_and_a_worker(make_app, staff, components, workers, sms_gateway, smtp_server):
    app = make_app(**components)
    code = file_item(app.test_client())
    # Filed, then assigned to the head at once: two messages on each channel to the filer, and
    # an e-mail to the head.
    assert [(row.channel, row.status) for row in messages(app, code)] == [
        ("sms", "pending"), ("email", "pending"), ("sms", "pending"), ("email", "pending"), ("email", "pending")]
    workers.start()
    rows = wait_until(lambda: all_sent(app, code, 5), what="five messages sent", log=workers.logs)
    sms = [row for row in rows if row.channel == "sms"]
    assert all(sms_gateway.delivered[row.key] == 1 and sms_gateway.requests[row.key] == 1 for row in sms)
    assert {sms_gateway.texts[row.key][0] for row in sms} == {"0912345678"}
    assert code in sms_gateway.texts[sms[0].key][1]
    _controller, handler = smtp_server
    mail = [row for row in rows if row.channel == "email"]
    assert sorted(message["Message-ID"] for message in handler.received) == sorted(
        f"<{row.key}@localhost>" for row in mail)
    assert all(row.attempts == 1 for row in rows)


def test_a_worker_killed_in_the_middle_of_a_send_leads_to_one_delivery(make_app, staff, components, workers,
                                                                      sms_gateway):
    app = make_app(**components)
    sms_gateway.stall_first = 30.0  # the gateway takes the first SMS, then keeps the sender waiting
    code = file_item(app.test_client(), email="")
    first = workers.start()
    wait_until(lambda: sum(sms_gateway.requests.values()) >= 1,
               what="the first SMS to reach the gateway", log=workers.logs)
    workers.kill(first)
    stuck = [row for row in messages(app, code) if row.status == "sending"]
    assert len(stuck) == 1
    workers.start()
    rows = wait_until(lambda: all_sent(app, code, 3),
                      what="both SMS and the head's e-mail sent after the crash", log=workers.logs)
    key = stuck[0].key
    assert sms_gateway.requests[key] == 2  # tried again, with the same key...
    assert sms_gateway.delivered[key] == 1  # ...so the gateway delivered it once
    assert all(sms_gateway.delivered[row.key] == 1 for row in rows if row.channel == "sms")
    assert next(row for row in rows if row.key == key).attempts == 2


def test_filing_while_redis_is_down_loses_nothing(make_app, staff, components, workers, redis_server, sms_gateway,
                                                  smtp_server, caplog):
    app = make_app(**components)
    redis_server.stop()
    started = time.monotonic()
    code = file_item(app.test_client())
    assert time.monotonic() - started < 5  # filing does not wait for Redis
    assert [row.status for row in messages(app, code)] == ["pending"] * 5
    assert "Redis unavailable" in caplog.text
    redis_server.start()
    workers.start()  # its scheduled tick sweeps the outbox and hands the messages to jobs
    rows = wait_until(lambda: all_sent(app, code, 5),
                      what="the messages to go out once Redis is back", log=workers.logs)
    assert all(sms_gateway.delivered[row.key] == 1 for row in rows if row.channel == "sms")
    _controller, handler = smtp_server
    assert len(handler.received) == 3


def test_smtp_and_gateway_failures_are_retried_until_they_recover(make_app, staff, components, workers, sms_gateway,
                                                                 smtp_server):
    _controller, handler = smtp_server
    handler.refuse, sms_gateway.fail = 3, 3
    app = make_app(**components)
    code = file_item(app.test_client())
    workers.start()
    rows = wait_until(lambda: all_sent(app, code, 5),
                      what="the messages to go out after the failures", log=workers.logs)
    assert sum(row.attempts for row in rows) == 5 + 6  # three refusals on each channel, tried again
    assert all(sms_gateway.delivered[row.key] == 1 for row in rows if row.channel == "sms")
    assert sorted(set(message["Message-ID"] for message in handler.received)) == sorted(
        f"<{row.key}@localhost>" for row in rows if row.channel == "email")


def test_a_message_that_keeps_failing_is_listed_and_can_be_sent_again(make_app, staff, components, workers,
                                                                      sms_gateway):
    sms_gateway.fail = 1000
    app = make_app(**components, JOB_RETRIES=1)
    code = file_item(app.test_client(), email="")
    workers.start(JOB_RETRIES=1)
    wait_until(lambda: [row.status for row in messages(app, code)] == ["failed", "failed", "sent"],
             what="the SMS to fail for good (the head's e-mail goes out)", log=workers.logs)
    client = app.test_client()
    assert client.post("/login", data={"email": "admin@example.vn", "password": PASSWORD}).status_code == 302
    page = client.get("/admin/messages?status=failed").get_data(as_text=True)
    assert code in page and "503" in page
    assert "0912345678" not in page  # recipients are masked
    failed = messages(app, code)[0]
    sms_gateway.fail = 0
    forms = re.findall(r'action="(/admin/messages/\d+/retry)"', page)
    assert f"/admin/messages/{failed.id}/retry" in forms
    assert client.post(f"/admin/messages/{failed.id}/retry").status_code == 302
    wait_until(lambda: messages(app, code)[0].status == "sent", what="the retried message to be sent", log=workers.logs)
    assert sms_gateway.delivered[failed.key] == 1
    assert messages(app, code)[1].status == "failed"  # only the one asked for was sent again
