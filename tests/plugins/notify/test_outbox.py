"""The outbox without Redis: rows written with the change that causes them, jobs run inline after
the commit (never after a rollback), each message sent once with its idempotency key, failures
counted and retried, lost jobs swept up, and channels replaceable through the plugin hook."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback import hookimpl, jobs
from feedback.extensions import db as _db
from feedback.items import services as item_services
from feedback.items.models import Item
from feedback.plugins.notify import channels as notify_channels
from feedback.plugins.notify import services
from feedback.plugins.notify.models import OutboxMessage
from feedback.timeutil import utcnow

BASE_URL = "https://phananhkiennghi.quangninh.gov.vn"
PHONE = "0912345678"
EMAIL = "an.nguyen@example.vn"
TITLE = "Chậm trả kết quả chứng thực bản sao"
BODY = "Tôi nộp hồ sơ chứng thực bản sao từ tuần trước tại bộ phận một cửa mà đến nay chưa nhận được kết quả."
CHANNELS_LOGGER = "feedback.plugins.notify.channels"

# What the test jobs below were called with, in order.
RECORDED: list = []


def record(*args) -> None:
    """A job for feedback.jobs.enqueue: remembers its arguments."""
    RECORDED.append(args)


@pytest.fixture(autouse=True)
def _clean_recorded():
    RECORDED.clear()
    yield
    RECORDED.clear()


@pytest.fixture
def mail_folder(tmp_path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def app(app, mail_folder):
    """The embedded default (no Redis, no SMTP server, no SMS gateway), mail to .eml files."""
    app.config.update(MAIL_OUTBOX_FOLDER=str(mail_folder), PUBLIC_BASE_URL=BASE_URL)
    return app


@pytest.fixture
def sms_log(caplog):
    caplog.set_level(logging.INFO, logger=CHANNELS_LOGGER)
    return caplog


def outbox(*where) -> list[OutboxMessage]:
    _db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for condition in where:
        query = query.where(condition)
    return list(_db.session.scalars(query))


def outbox_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(OutboxMessage))


def of_item(code: str) -> list[OutboxMessage]:
    item_id = select(Item.id).where(Item.code == code).scalar_subquery()
    return outbox(OutboxMessage.owner_type == "item", OutboxMessage.owner_id == item_id)


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def file_api(client, *, contact: dict | None = None, expect: int = 201, headers: dict | None = None,
             **fields) -> dict:
    """File through POST /api/v1/items as a citizen; ``contact`` None files anonymously."""
    body = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY}
    if contact is not None:
        body["contact"] = contact
        body["consent"] = True
    body.update(fields)
    response = client.post("/api/v1/items", json=body, headers=headers or {})
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()


def full_contact(**extra) -> dict:
    return {"name": "Nguyễn Văn An", "phone": PHONE, "email": EMAIL, **extra}


def a_message(channel: str = "email", recipient: str = EMAIL, **values) -> OutboxMessage:
    """An outbox row written directly (its job never handed over: as if Redis lost it)."""
    import uuid

    fields = {"key": uuid.uuid4().hex, "channel": channel, "kind": "filed", "recipient": recipient,
              "subject": "Phản ánh PA-26-7K4Q-9M2X đã được tiếp nhận" if channel == "email" else "",
              "body": "Đã nhận phản ánh PA-26-7K4Q-9M2X.", "enqueued_at": utcnow()}
    fields.update(values)
    message = OutboxMessage(**fields)
    _db.session.add(message)
    _db.session.commit()
    return message


class FlakyChannel:
    """An e-mail channel that refuses while ``failing`` is set, and records what it delivered."""

    name = "email"

    def __init__(self, failing: bool = True):
        self.failing = failing
        self.tries: list[str] = []
        self.delivered: list[str] = []

    def send(self, message):
        self.tries.append(message.key)
        if self.failing:
            raise notify_channels.DeliveryError("SMTP: 451 try again later")
        self.delivered.append(message.key)


class ChannelPlugin:
    def __init__(self, *channels):
        self.channels = list(channels)

    @hookimpl
    def feedback_notification_channels(self):
        return self.channels


# --- the hook -------------------------------------------------------------------------------------


def test_hook_feedback_notification_channels(app, db, client, staff, register_plugin, mail_folder, sms_log):
    class RecordingSms:
        name = "sms"

        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append((message.key, message.recipient, message.body))

    gateway = RecordingSms()
    register_plugin(ChannelPlugin(gateway), name="province-sms")
    code = file_api(client, contact=full_contact())["code"]

    sms = of_item(code)
    sms = [row for row in sms if row.channel == "sms"]
    assert [row.kind for row in sms] == ["filed", "assigned"]
    # The plugin registered later is asked first: it replaces the built-in gateway, which
    # would have logged the message instead.
    assert gateway.sent == [(row.key, PHONE, row.body) for row in sms]
    assert all(row.status == "sent" and row.attempts == 1 for row in sms)
    assert "SMS to" not in sms_log.text
    # E-mail still goes through the built-in channel.
    mail = [row for row in of_item(code) if row.channel == "email" and row.recipient == EMAIL]
    assert {path.stem for path in eml_files(mail_folder)} >= {row.key for row in mail}
    assert services.channels()["sms"] is gateway
    assert isinstance(services.channels()["email"], notify_channels.EmailChannel)


# --- written with the filing ----------------------------------------------------------------------


def test_filing_writes_one_sms_and_one_email_and_sends_them(app, db, client, staff, mail_folder, sms_log):
    before = utcnow()
    code = file_api(client, contact=full_contact())["code"]
    filed = of_item(code)
    filed = [row for row in filed if row.kind == "filed"]
    assert sorted((row.channel, row.recipient) for row in filed) == [("email", EMAIL), ("sms", PHONE)]
    for row in filed:
        assert row.status == "sent" and row.attempts == 1 and row.last_error == ""
        assert before <= row.sent_at <= utcnow() and row.sending_since is None
        assert len(row.key) == 32
    mail = next(row for row in filed if row.channel == "email")
    message = read_eml(mail_folder / f"{mail.key}.eml")
    assert message["To"] == EMAIL and code in message["Subject"]
    sms = next(row for row in filed if row.channel == "sms")
    assert sms.body in sms_log.text and sms.key in sms_log.text
    # The log shows a masked number, never the whole one.
    assert PHONE not in sms_log.text
    assert "0912***678" in sms_log.text


def test_the_rows_belong_to_the_filing_transaction(app, db, staff, mail_folder):
    filing = item_services.Filing(kind="complaint", topic="procedure", unit="P.STP", title=TITLE, body=BODY,
                                  name="Nguyễn Văn An", phone=PHONE, email=EMAIL, consent=True)
    item, _key, _created = item_services.file_item(filing)
    pending = outbox()
    assert {(row.channel, row.kind, row.status) for row in pending} >= {("sms", "filed", "pending"),
                                                                        ("email", "filed", "pending")}
    db.session.rollback()
    # Rolled back with the item: no row, and no job left to run.
    assert outbox_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    assert jobs.run_pending() == 0
    assert eml_files(mail_folder) == []

    item, _key, _created = item_services.file_item(filing)
    db.session.commit()
    rows = outbox()
    assert rows and all(row.status == "pending" for row in rows)  # jobs run after the commit...
    assert jobs.run_pending() == len(rows)  # ...at the end of the request or app context
    assert all(row.status == "sent" and row.attempts == 1 for row in outbox())
    assert len(eml_files(mail_folder)) == len([row for row in rows if row.channel == "email"])


def test_an_anonymous_item_writes_nothing_for_the_filer(app, db, client, staff, mail_folder, sms_log):
    code = file_api(client)["code"]
    # Only the head hears of the new item.
    assert [(row.channel, row.kind, row.recipient) for row in of_item(code)] == [
        ("email", "new_item", "head@example.vn")]
    assert "SMS to" not in sms_log.text


def test_a_filer_who_unticks_sms_gets_only_email(app, db, client, staff, mail_folder, sms_log):
    code = file_api(client, contact=full_contact(notify=["email"]))["code"]
    filer = [row for row in of_item(code) if row.recipient in (PHONE, EMAIL)]
    assert [(row.channel, row.kind) for row in filer] == [("email", "filed"), ("email", "assigned")]
    assert "SMS to" not in sms_log.text
    assert db.session.scalar(select(Item).where(Item.code == code)).contact.notify_sms is False


def test_web_filer_who_unticks_sms_gets_only_email(app, db, client, staff):
    from tests.helpers import post_form

    response = post_form(client, name="Nguyễn Văn An", phone=PHONE, email=EMAIL, consent="y", notify_email="y")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    code = response.headers["Location"].rsplit("/", 1)[-1]
    filer = [row for row in of_item(code) if row.recipient in (PHONE, EMAIL)]
    assert [(row.channel, row.kind) for row in filer] == [("email", "filed"), ("email", "assigned")]


def test_a_filing_that_fails_validation_writes_nothing(app, db, client, staff, mail_folder):
    file_api(client, contact=full_contact(phone="12345"), expect=422)
    file_api(client, contact=full_contact(), title="Ngắn", expect=422)
    body = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY,
            "contact": full_contact()}  # contact data without consent
    assert client.post("/api/v1/items", json=body).status_code == 422
    assert outbox_count() == 0
    assert eml_files(mail_folder) == []


def test_a_failing_plugin_loses_only_its_own_messages(app, db, client, staff, register_plugin, mail_folder, caplog):
    class Broken:
        @hookimpl
        def feedback_item_filed(self, item):
            services.queue_message("email", "survey", "khaosat@example.vn", "Khảo sát", "Mời trả lời",
                                   owner=("item", item.id))
            raise RuntimeError("the survey plugin is broken")

    register_plugin(Broken(), name="survey")
    code = file_api(client, contact=full_contact())["code"]
    rows = of_item(code)
    assert "khaosat@example.vn" not in [row.recipient for row in rows]
    assert sorted((row.channel, row.kind) for row in rows if row.kind == "filed") == [("email", "filed"),
                                                                                     ("sms", "filed")]
    assert all(row.status == "sent" for row in rows)
    # Its job was dropped with its savepoint: no e-mail for the row that does not exist.
    assert {path.stem for path in eml_files(mail_folder)} == {row.key for row in rows if row.channel == "email"}
    assert "survey" in caplog.text and "the survey plugin is broken" in caplog.text


# --- once ---------------------------------------------------------------------------------------------


def test_a_sent_message_is_not_sent_again(app, db, client, staff, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    mail = next(row for row in of_item(code) if row.channel == "email" and row.kind == "filed")
    files = eml_files(mail_folder)
    stamp = (mail_folder / f"{mail.key}.eml").stat().st_mtime_ns
    assert services.send(mail.id) == "nothing to do"
    assert services.send(mail.id) == "nothing to do"
    assert eml_files(mail_folder) == files
    assert (mail_folder / f"{mail.key}.eml").stat().st_mtime_ns == stamp
    assert outbox(OutboxMessage.id == mail.id)[0].attempts == 1


def test_a_message_being_sent_within_its_lease_is_left_alone(app, db, mail_folder):
    message = a_message(status="sending", sending_since=utcnow() - dt.timedelta(seconds=30), attempts=1)
    assert services.send(message.id) == "being sent by another job"
    row = outbox(OutboxMessage.id == message.id)[0]
    assert (row.status, row.attempts) == ("sending", 1)
    assert eml_files(mail_folder) == []
    # Past the lease the sender is presumed dead: the message is sent again, same key.
    row.sending_since = utcnow() - dt.timedelta(seconds=app.config["OUTBOX_SEND_LEASE_SECONDS"] + 1)
    db.session.commit()
    assert services.send(message.id) == "sent"
    row = outbox(OutboxMessage.id == message.id)[0]
    assert (row.status, row.attempts) == ("sent", 2)
    assert [path.stem for path in eml_files(mail_folder)] == [message.key]


def test_a_failing_channel_counts_tries_then_gives_up(app, db, register_plugin):
    channel = register_plugin(ChannelPlugin(FlakyChannel()), name="flaky").channels[0]
    message = a_message()
    retries = app.config["JOB_RETRIES"]
    for attempt in range(1, retries + 1):
        with pytest.raises(notify_channels.DeliveryError):
            services.send(message.id)
        row = outbox(OutboxMessage.id == message.id)[0]
        assert (row.status, row.attempts) == ("pending", attempt)
        assert row.last_error == "DeliveryError: SMTP: 451 try again later"
        assert row.sending_since is None and row.sent_at is None
    with pytest.raises(notify_channels.DeliveryError):
        services.send(message.id)
    row = outbox(OutboxMessage.id == message.id)[0]
    assert (row.status, row.attempts) == ("failed", retries + 1)
    # A failed message is not tried again by a duplicate job...
    assert services.send(message.id) == "nothing to do"
    assert channel.tries == [message.key] * (retries + 1) and channel.delivered == []


def test_an_inline_job_that_fails_leaves_the_message_pending(app, db, client, staff, register_plugin, caplog):
    channel = register_plugin(ChannelPlugin(FlakyChannel()), name="flaky").channels[0]
    code = file_api(client, contact=full_contact())["code"]
    mail = [row for row in of_item(code) if row.channel == "email"]
    assert mail and all(row.status == "pending" and row.attempts == 1 for row in mail)
    assert all(row.last_error.startswith("DeliveryError") for row in mail)
    assert "left for the sweep" in caplog.text
    # The SMS went out; the failures did not stop the filing.
    assert all(row.status == "sent" for row in of_item(code) if row.channel == "sms")
    assert sorted(channel.tries) == sorted(row.key for row in mail)


def test_the_sweep_hands_lost_messages_to_a_job_again(app, db, mail_folder):
    now = utcnow()
    after = dt.timedelta(seconds=app.config["OUTBOX_SWEEP_AFTER_SECONDS"] + 1)
    lease = dt.timedelta(seconds=app.config["OUTBOX_SEND_LEASE_SECONDS"] + 1)
    lost = a_message(enqueued_at=now - after)
    stuck = a_message(status="sending", attempts=1, enqueued_at=now - after, sending_since=now - lease)
    recent = a_message(enqueued_at=now - dt.timedelta(seconds=10))
    busy = a_message(status="sending", attempts=1, enqueued_at=now - after, sending_since=now)
    done = a_message(status="sent", attempts=1, enqueued_at=now - after, sent_at=now - after)
    given_up = a_message(status="failed", attempts=6, enqueued_at=now - after)

    assert services.sweep(now) == 2
    db.session.commit()
    assert jobs.run_pending() == 2
    status = {row.id: (row.status, row.attempts) for row in outbox()}
    assert status[lost.id] == ("sent", 1)
    assert status[stuck.id] == ("sent", 2)
    assert status[recent.id] == ("pending", 0)
    assert status[busy.id] == ("sending", 1)
    assert status[done.id] == ("sent", 1)
    assert status[given_up.id] == ("failed", 6)
    assert sorted(path.stem for path in eml_files(mail_folder)) == sorted([lost.key, stuck.key])
    # Swept again at once: those just handed over are not handed over twice.
    assert services.sweep(now) == 0


def test_the_tick_sweeps_the_outbox(app, db, mail_folder):
    from feedback.pluginmanager import run_tick

    lost = a_message(enqueued_at=utcnow() - dt.timedelta(hours=1))
    results = dict(run_tick(utcnow()))
    assert results["notify"] == "1 messages handed to a job again"
    jobs.run_pending()
    assert outbox(OutboxMessage.id == lost.id)[0].status == "sent"
    assert [path.stem for path in eml_files(mail_folder)] == [lost.key]


# --- jobs and transactions --------------------------------------------------------------------------


def test_a_job_queued_in_a_transaction_that_rolls_back_never_runs(app, db, staff):
    from feedback.units.models import Unit

    db.session.scalar(select(Unit))  # a transaction is open
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "rolled back")
    db.session.rollback()
    db.session.scalar(select(Unit))
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "committed", 2)
    db.session.commit()
    assert jobs.run_pending() == 1
    assert RECORDED == [("committed", 2)]


def test_a_job_queued_before_any_statement_is_dropped_by_a_rollback(app, db, staff):
    """A session with no transaction begun yet: the job still belongs to what rolls back."""
    db.session.commit()
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "rolled back")
    db.session.rollback()
    a_message()  # another transaction, committed
    jobs.run_pending()
    assert RECORDED == []


def test_a_savepoint_rollback_drops_only_its_own_jobs(app, db, staff):
    from feedback.units.models import Unit

    db.session.scalar(select(Unit))
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "outer before")
    savepoint = db.session.begin_nested()
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "inner")
    inner = db.session.begin_nested()
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "innermost")
    inner.commit()
    savepoint.rollback()
    kept = db.session.begin_nested()
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "kept savepoint")
    kept.commit()
    jobs.enqueue("tests.plugins.notify.test_outbox.record", "outer after")
    db.session.commit()
    jobs.run_pending()
    assert RECORDED == [("outer before",), ("kept savepoint",), ("outer after",)]


def test_jobs_run_after_the_response_of_a_request(app, client, staff, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    # No app context of the test's own: the request ran its jobs before it ended.
    with app.app_context():
        rows = of_item(code)
        assert rows and all(row.status == "sent" for row in rows)
    assert len(eml_files(mail_folder)) == len([row for row in rows if row.channel == "email"])


# --- what travels with every try ---------------------------------------------------------------------


def test_the_message_id_carries_the_key_on_every_try(app, db, register_plugin, mail_folder):
    flaky = register_plugin(ChannelPlugin(FlakyChannel()), name="flaky").channels[0]
    message = a_message()
    built = notify_channels.EmailChannel().build(message)
    assert built["Message-ID"] == f"<{message.key}@localhost>"
    with pytest.raises(notify_channels.DeliveryError):
        services.send(message.id)
    flaky.failing = False  # the server is back
    assert services.send(message.id) == "sent"
    assert flaky.tries == [message.key, message.key]

    # Through the built-in channel: the .eml file carries the same Message-ID, from the sender's domain.
    app.config["MAIL_DEFAULT_SENDER"] = "phananh@quangninh.gov.vn"
    other = a_message()
    first = notify_channels.EmailChannel().build(other)["Message-ID"]
    second = notify_channels.EmailChannel().build(other)["Message-ID"]
    assert first == second == f"<{other.key}@quangninh.gov.vn>"


def test_the_eml_file_has_the_message_id(app, db, client, staff, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    for row in of_item(code):
        if row.channel == "email":
            mail = read_eml(mail_folder / f"{row.key}.eml")
            assert mail["Message-ID"] == f"<{row.key}@localhost>"
            assert mail["From"] == "phananh@localhost"


def test_the_sms_gateway_request_carries_the_key_and_the_body_template(app, db):
    app.config.update(SMS_GATEWAY_URL="https://sms.example.vn/api/send", SMS_GATEWAY_METHOD="PUT",
                      SMS_GATEWAY_BODY='{"msisdn": {to}, "content": {text}, "ref": {key}, "brand": "UBND"}')
    text = 'PA-26-7K4Q-9M2X: "trả lời" \\ mới\nXem tại https://phananhkiennghi.quangninh.gov.vn/t/PA-26-7K4Q-9M2X'
    message = a_message(channel="sms", recipient=PHONE, body=text)
    request = notify_channels.SmsChannel().request(message)
    assert request.full_url == "https://sms.example.vn/api/send"
    assert request.get_method() == "PUT"
    assert request.get_header("Idempotency-key") == message.key
    assert request.get_header("Content-type") == "application/json"
    assert not request.has_header("Authorization")
    assert json.loads(request.data.decode()) == {"msisdn": PHONE, "content": text, "ref": message.key,
                                                 "brand": "UBND"}

    app.config["SMS_GATEWAY_AUTH"] = "Bearer s3cr3t-token"
    request = notify_channels.SmsChannel().request(message)
    assert request.get_header("Authorization") == "Bearer s3cr3t-token"
    assert request.get_header("Idempotency-key") == message.key


def test_the_default_sms_gateway_body_template_is_usable(app, db):
    """The default SMS_GATEWAY_BODY must produce JSON with the recipient, text and key."""
    app.config["SMS_GATEWAY_URL"] = "https://sms.example.vn/api/send"
    message = a_message(channel="sms", recipient=PHONE, body='Đã nhận "PA-26-7K4Q-9M2X"')
    request = notify_channels.SmsChannel().request(message)
    assert json.loads(request.data.decode()) == {"to": PHONE, "text": 'Đã nhận "PA-26-7K4Q-9M2X"',
                                                 "reference": message.key}
    assert request.get_method() == "POST"
