"""The administrators' outbox page: failed and waiting messages with masked recipients, and a retry
button that sends a failed message again with the same key, never a sent one twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.plugins.notify import services
from feedback.plugins.notify.models import OutboxMessage
from tests.helpers import start_smtp_server

from .test_outbox import EMAIL, PHONE, ChannelPlugin, FlakyChannel, a_message, app, eml_files, file_api, \
    full_contact, mail_folder, read_eml  # noqa: F401 - app and mail_folder are fixtures

PAGE = "/admin/messages"


def row(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = _db.session.get(OutboxMessage, message_id)
        _db.session.expunge(found)
        return found


def make(app, **values) -> OutboxMessage:
    with app.app_context():
        message = a_message(**values)
        _db.session.refresh(message)
        _db.session.expunge(message)
        return message


def page(client, status: str | None = None) -> str:
    response = client.get(PAGE + (f"?status={status}" if status else ""))
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_only_administrators_see_the_outbox(app, client, auth, staff):
    failed = make(app, status="failed", attempts=6, last_error="DeliveryError: SMTP: 451")
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"{PAGE}/{failed.id}/retry").status_code == 302
    for email in ("officer@example.vn", "head@example.vn"):
        assert auth.login(email).status_code == 302
        assert client.get(PAGE).status_code == 403
        assert client.post(f"{PAGE}/{failed.id}/retry").status_code == 403
        auth.logout()
    assert row(app, failed.id).status == "failed"
    auth.login()
    assert client.get(PAGE).status_code == 200
    # The administration menu links to it.
    assert f'href="{PAGE}"' in client.get("/admin/").get_data(as_text=True)


def test_failed_and_pending_messages_are_listed_with_masked_recipients(app, client, auth, staff):
    make(app, channel="sms", recipient=PHONE, subject="", status="failed", attempts=6,
         last_error="DeliveryError: SMS gateway answered 503")
    make(app, channel="email", recipient=EMAIL, status="failed", attempts=6,
         last_error="DeliveryError: SMTP: SMTPServerDisconnected: Connection unexpectedly closed")
    make(app, channel="email", recipient="tran.binh@example.vn", status="pending", attempts=2,
         last_error="DeliveryError: SMTP: TimeoutError: timed out")
    make(app, channel="sms", recipient="0987654321", status="sent", attempts=1)
    auth.login()

    failed = page(client)
    assert "0912***678" in failed and "a***@example.vn" in failed
    assert "SMS gateway answered 503" in failed and "Connection unexpectedly closed" in failed
    assert failed.count("/retry") == 2
    assert PHONE not in failed and EMAIL not in failed
    assert "t***@example.vn" not in failed  # pending: another tab

    pending = page(client, "pending")
    assert "t***@example.vn" in pending and "timed out" in pending
    assert "tran.binh@example.vn" not in pending
    assert pending.count("/retry") == 1
    assert "0912***678" not in pending

    sent = page(client, "sent")
    assert "0987***321" in sent and "0987654321" not in sent
    assert "/retry" not in sent
    assert client.get(PAGE + "?status=nope").status_code == 404


def test_the_retry_button_sends_a_failed_message_again_with_the_same_key(app, client, auth, staff, mail_folder):
    failed = make(app, channel="email", recipient=EMAIL, status="failed", attempts=6,
                  last_error="DeliveryError: SMTP: ConnectionRefusedError: [Errno 111] Connection refused")
    auth.login()
    response = client.post(f"{PAGE}/{failed.id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{PAGE}?status=pending")
    # The job ran at the end of that request: sent, with the key it always had.
    after = row(app, failed.id)
    assert (after.status, after.key, after.last_error) == ("sent", failed.key, "")
    assert after.sent_at is not None
    assert [path.stem for path in eml_files(mail_folder)] == [failed.key]
    mail = read_eml(mail_folder / f"{failed.key}.eml")
    assert mail["Message-ID"] == f"<{failed.key}@localhost>" and mail["To"] == EMAIL
    assert "/retry" not in page(client)  # nothing failed any more


def test_a_filing_whose_mail_fails_is_retried_from_the_page(app, client, auth, staff, register_plugin):
    smtp = register_plugin(ChannelPlugin(FlakyChannel()), name="flaky-smtp").channels[0]
    code = file_api(client, contact=full_contact())["code"]
    with app.app_context():
        mail = [m.id for m in _db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "email", OutboxMessage.recipient == EMAIL).order_by(OutboxMessage.id))]
        # The retries of RQ, run here by hand, until the message is given up.
        for message_id in mail:
            for _try in range(app.config["JOB_RETRIES"]):
                with pytest.raises(Exception, match="451"):
                    services.send(message_id)
    keys = {row(app, message_id).key for message_id in mail}
    assert {row(app, message_id).status for message_id in mail} == {"failed"}
    auth.login()
    listed = page(client)
    assert code in listed and "a***@example.vn" in listed and EMAIL not in listed
    assert "451 try again later" in listed

    smtp.failing = False  # the mail server is back
    for message_id in mail:
        assert client.post(f"{PAGE}/{message_id}/retry").status_code == 302
    assert {row(app, message_id).status for message_id in mail} == {"sent"}
    assert sorted(smtp.delivered) == sorted(keys)
    assert smtp.tries.count(smtp.delivered[0]) == app.config["JOB_RETRIES"] + 2


def test_a_sent_message_is_not_sent_twice(app, client, auth, staff, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    with app.app_context():
        sent = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "email",
                                                              OutboxMessage.kind == "filed"))
        message_id, key, attempts = sent.id, sent.key, sent.attempts
    assert code and row(app, message_id).status == "sent"
    files = eml_files(mail_folder)
    stamp = (mail_folder / f"{key}.eml").stat().st_mtime_ns
    auth.login()
    response = client.post(f"{PAGE}/{message_id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{PAGE}?status=sent")
    after = row(app, message_id)
    assert (after.status, after.attempts) == ("sent", attempts)
    assert eml_files(mail_folder) == files
    assert (mail_folder / f"{key}.eml").stat().st_mtime_ns == stamp
    assert client.post(f"{PAGE}/999999/retry").status_code == 404


# --- a real SMTP server that refuses the recipient -----------------------------------------------------


@pytest.fixture
def refusing_smtp():
    """An SMTP server on loopback that refuses every recipient, as a mailbox that does not exist."""
    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address

    controller = start_smtp_server(Refuse(), name="the refusing SMTP server")
    yield controller
    controller.stop()


def test_an_smtp_refusal_shows_no_full_address_on_the_page(make_app, client, auth, staff, refusing_smtp,
                                                             tmp_path):
    smtp_app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing_smtp.port)
    with smtp_app.app_context():
        message = a_message(channel="email", recipient=EMAIL)
        with pytest.raises(Exception, match="Recipient"):
            services.send(message.id)
        _db.session.expire_all()
        refused = _db.session.get(OutboxMessage, message.id)
        assert refused.status == "pending" and refused.attempts == 1
        assert "550" in refused.last_error
    auth.login()
    listed = page(client, "pending")
    assert "a***@example.vn" in listed and "550" in listed
    assert EMAIL not in listed
