"""Personal data (Law 91/2025): removed by tick once an item has been closed longer than the retention
period, the public record kept; seen and deleted by the filer proven by the access key, on a page
that needs no JavaScript; never in URLs, logs or error pages."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import select

from feedback import hookimpl

from tests.helpers import ANSWER, act, bearer, login, multipart, post_form
from tests.security.scene import PDF

NAME = "Đặng Thị Canaryhoa"
PHONE = "0987654123"
EMAIL = "canaryhoa.filer@example.vn"
ADDRESS = "Số 7 ngõ Canaryhoa, phường Thử"
CANARIES = (NAME, "Canaryhoa", PHONE, EMAIL, "canaryhoa")
BODY = f"Tôi là {NAME}, số điện thoại {PHONE}, hồ sơ nộp tại bộ phận một cửa bị giữ quá hạn mười ngày."


def file_on_the_web(client, **extra):
    filed = post_form(client, body=BODY, name=NAME, phone=PHONE, email=EMAIL, address=ADDRESS, consent="y",
                      notify_sms="y", notify_email="y", files=[("giay-hen.pdf", PDF)], **extra)
    assert filed.status_code == 302, filed.get_data(as_text=True)[:500]
    code = filed.headers["Location"].rsplit("/", 1)[-1]
    # The receipt shows the access key, which the filer proves in the same browser.
    receipt = client.get(f"/receipt/{code}").get_data(as_text=True)
    key = re.findall(r'<dd class="code">([^<]+)</dd>', receipt)[1]
    assert client.post(f"/track/{code}", data={"key": key, "phone": ""}).status_code == 302
    return code


def the_item(db, code):
    from feedback.items.models import Item

    db.session.expire_all()
    return db.session.scalar(select(Item).where(Item.code == code))


def answer_and_close(client, code):
    head = bearer(client, "head@example.vn")
    act(client, head, code, "respond", body=f"Kính gửi bà {NAME}: {ANSWER}")
    act(client, head, code, "close")


# --- retention --------------------------------------------------------------------------------------


def test_tick_removes_the_personal_data_of_items_closed_longer_than_the_retention(app, db, client, staff):
    from feedback.items import audit
    from feedback.pluginmanager import run_tick
    from feedback.plugins.notify.models import OutboxMessage

    old, recent = file_on_the_web(app.test_client()), file_on_the_web(app.test_client())
    answer_and_close(client, old), answer_and_close(client, recent)
    item = the_item(db, old)
    closed_at = item.closed_at
    item.closed_at = closed_at - dt.timedelta(days=10)
    db.session.commit()
    public_before = client.get(f"/api/v1/items/{old}").get_json()
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == EMAIL)) is not None

    summaries = dict(run_tick(now=closed_at + dt.timedelta(days=730 - 15)))
    assert "personal data removed" not in str(summaries), "nothing is old enough yet"
    summaries = dict(run_tick(now=closed_at + dt.timedelta(days=730 - 5)))
    assert summaries["core.items"] == "personal data removed from 1 items closed long ago"

    item = the_item(db, old)
    assert item.personal_data_erased_at is not None
    assert (item.contact.name, item.contact.phone, item.contact.email, item.contact.address) == ("", "", "", "")
    assert item.attachments == []
    stored = f"{item.title} {item.body} {' '.join(r.body for r in item.responses)}"
    assert not any(canary in stored for canary in CANARIES), stored
    assert "[họ tên]" in item.body and "[số điện thoại]" in item.body
    assert "personal_data_erased" in [event.action for event in item.events]
    # The outbox forgets whom it wrote to and what it said.
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.owner_type == "item",
                                                               OutboxMessage.owner_id == item.id)).all()
    assert messages and all(m.recipient == "" and m.body == "" for m in messages)
    # The public record stays as it was; the other item keeps its data.
    assert client.get(f"/api/v1/items/{old}").get_json() == public_before
    assert the_item(db, recent).contact.name == NAME and the_item(db, recent).personal_data_erased_at is None
    # Idempotent, and the audit log's chain holds.
    assert "personal data removed" not in str(dict(run_tick(now=closed_at + dt.timedelta(days=730 - 5))))
    assert audit.verify().broken is None


def test_a_retention_of_zero_keeps_everything(app, db, client, staff):
    from feedback.pluginmanager import run_tick

    app.config["PERSONAL_DATA_RETENTION_DAYS"] = 0
    code = file_on_the_web(app.test_client())
    answer_and_close(client, code)
    run_tick(now=the_item(db, code).closed_at + dt.timedelta(days=3650))
    assert the_item(db, code).contact.name == NAME


# --- the filer's own page ---------------------------------------------------------------------------


def test_the_filer_sees_and_deletes_their_personal_data(app, db, client, staff):
    filer = app.test_client()
    code = file_on_the_web(filer)
    private = filer.get(f"/track/{code}/private").get_data(as_text=True)
    assert f"/track/{code}/personal-data" in private
    page = filer.get(f"/track/{code}/personal-data")
    assert page.status_code == 200 and "no-store" in page.headers.get("Cache-Control", "")
    shown = page.get_data(as_text=True)
    assert all(value in shown for value in (NAME, PHONE, EMAIL, ADDRESS, "giay-hen.pdf"))
    assert "<script" not in shown  # a plain form: no JavaScript needed

    # Without the confirmation nothing is deleted.
    refused = filer.post(f"/track/{code}/personal-data", data={})
    assert refused.status_code == 422
    assert "Hãy đánh dấu vào ô để xác nhận" in refused.get_data(as_text=True)
    assert the_item(db, code).contact.name == NAME

    # Someone without the key gets nothing, and deletes nothing.
    stranger = app.test_client()
    assert stranger.get(f"/track/{code}/personal-data").status_code == 403
    assert stranger.post(f"/track/{code}/personal-data", data={"confirm": "y"}).status_code == 403
    assert the_item(db, code).contact.name == NAME

    done = filer.post(f"/track/{code}/personal-data", data={"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/track/{code}/personal-data")
    after = filer.get(done.headers["Location"]).get_data(as_text=True)
    assert "Dữ liệu cá nhân của bạn đã được xoá" in after
    assert not any(canary in after for canary in CANARIES)
    item = the_item(db, code)
    assert item.contact.is_empty and item.attachments == [] and item.personal_data_erased_at is not None
    assert item.status in ("received", "assigned"), "the item is still handled"
    events = [(event.action, event.actor_kind, event.data) for event in item.events]
    assert ("personal_data_erased", "citizen", {"by": "filer"}) in events
    # Staff see that it was deleted, and nothing of it.
    officer = app.test_client()
    login(officer, "officer@example.vn")
    staff_page = officer.get(f"/staff/items/{code}").get_data(as_text=True)
    assert "Dữ liệu cá nhân đã được xoá khỏi phản ánh, kiến nghị này" in staff_page
    assert not any(canary in staff_page for canary in CANARIES)
    # Once more: nothing left to delete.
    assert filer.post(f"/track/{code}/personal-data", data={"confirm": "y"}).status_code == 409


# --- never in URLs, logs or error pages -------------------------------------------------------------


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]*)"', html)


def test_personal_data_never_reaches_urls_logs_or_error_pages(app, db, client, staff, register_plugin, caplog):
    """A whole journey with canary contact data, every logger at DEBUG: the canaries are in no log
    line, no URL the app makes (redirects, links, form targets), and no error page."""
    caplog.set_level(logging.DEBUG)
    seen_urls, pages = [], []

    def keep(response):
        if "Location" in response.headers:
            seen_urls.append(response.headers["Location"])
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            pages.append(html)
            seen_urls.extend(links(html))
        return response

    filer = app.test_client()
    code = file_on_the_web(filer)
    for url in (f"/receipt/{code}", f"/track/{code}", f"/track/{code}/private", f"/track/{code}/personal-data"):
        keep(filer.get(url))
    # Another browser proves the filer by the phone number (and first gets it wrong).
    other = app.test_client()
    keep(other.post(f"/track/{code}", data={"key": "", "phone": "0987654000"}))
    keep(other.post(f"/track/{code}", data={"key": "", "phone": PHONE}))
    # Filing through the API, and a refused filing with a bad e-mail.
    api = client.post("/api/v1/items", json={"kind": "complaint", "topic": "procedure", "unit": "P.STP",
                                             "title": "Hồ sơ bị giữ quá hạn", "body": BODY,
                                             "contact": {"name": NAME, "phone": PHONE, "email": EMAIL}, "consent": True})
    assert api.status_code == 201, api.get_json()
    bad = client.post("/api/v1/items", json={"kind": "complaint", "topic": "procedure", "unit": "P.STP",
                                             "title": "Hồ sơ bị giữ quá hạn", "body": BODY,
                                             "contact": {"name": NAME, "phone": PHONE, "email": f"{NAME}@@x"}})
    assert bad.status_code == 422
    # Staff open the item, answer it and publish it.
    officer = app.test_client()
    login(officer, "officer@example.vn")
    keep(officer.get(f"/staff/items/{code}"))
    keep(officer.get("/staff/items", query_string={"q": code}))
    answer_and_close(client, code)
    keep(client.get(f"/register/items/{code}"))

    # A fault while filing: the error page and the log name no canary.
    class Broken:
        @hookimpl(tryfirst=True)
        def feedback_item_deadline(self, item, start, cause, days):
            raise RuntimeError("the deadline plugin broke")

    register_plugin(Broken(), name="broken-deadline")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    crashed = keep(post_form(app.test_client(), body=BODY, name=NAME, phone=PHONE, email=EMAIL, consent="y"))
    assert crashed.status_code == 500
    assert "the deadline plugin broke" in caplog.text, "the fault itself is logged"

    assert len(pages) >= 8 and len(seen_urls) > 50
    for canary in CANARIES:
        assert canary not in caplog.text, f"{canary} in the log"
        assert not [url for url in seen_urls if canary.lower() in url.lower()], f"{canary} in a URL"
        assert canary not in crashed.get_data(as_text=True), f"{canary} on the error page"
        assert canary not in str(bad.get_json()), f"{canary} in the API's error"


def test_hook_feedback_personal_data_erased(app, db, client, staff, register_plugin):
    """Plugins hear of each removal, with the items and who asked; a plugin that fails undoes it all."""
    heard = []

    class Listener:
        @hookimpl
        def feedback_personal_data_erased(self, items, by):
            heard.append(([item.contact.name for item in items], by))

    register_plugin(Listener(), name="listener")
    filer = app.test_client()
    code = file_on_the_web(filer)
    assert filer.post(f"/track/{code}/personal-data", data={"confirm": "y"}).status_code == 302
    assert heard == [([""], "filer")], "called once the contact data is blank"

    class Failing:
        @hookimpl
        def feedback_personal_data_erased(self, items, by):
            raise RuntimeError("cannot remove my copy")

    register_plugin(Failing(), name="failing")
    again = app.test_client()
    second = file_on_the_web(again)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert again.post(f"/track/{second}/personal-data", data={"confirm": "y"}).status_code == 500
    item = the_item(db, second)
    assert item.contact.name == NAME and len(item.attachments) == 1 and item.personal_data_erased_at is None


# --- what the filer writes after filing -------------------------------------------------------------

# Plain ASCII, so that a JSON column escaping Vietnamese letters cannot hide them from the search.
ADDED = "Canaryadded 4471 bo sung"
REASON = "Canarywithdrawn 5582 ly do"
ADDED_FILE = "Canaryfile-giay-to.pdf"


def database_dump(db) -> str:
    """Every row of every table of the database (the full-text index's own tables too), as text."""
    from sqlalchemy import inspect, text

    def as_text(value) -> str:
        if isinstance(value, memoryview | bytes):
            return bytes(value).decode("latin-1")
        return str(value)

    connection = db.session.connection()
    tables = inspect(connection).get_table_names()
    assert {"items", "item_events", "item_filer_texts", "attachments"} <= set(tables)
    return "\n".join(" ".join(as_text(value) for value in row)
                     for table in tables for row in connection.execute(text(f'SELECT * FROM "{table}"')))


def add_and_withdraw(filer, code):
    body, content_type = multipart({"text": f"Tôi bổ sung: {ADDED}"}, [("attachments", ADDED_FILE, PDF)])
    added = filer.post(f"/track/{code}/private", data=body, content_type=content_type)
    assert added.status_code == 302, added.get_data(as_text=True)[:500]
    assert ADDED in filer.get(f"/track/{code}/private").get_data(as_text=True)
    withdrawn = filer.post(f"/track/{code}/withdraw", data={"reason": REASON})
    assert withdrawn.status_code == 302


def test_what_the_filer_wrote_later_is_erased_with_their_personal_data(app, db, client, staff):
    from feedback.items import audit

    filer = app.test_client()
    code = file_on_the_web(filer)
    add_and_withdraw(filer, code)
    officer = app.test_client()
    login(officer, "officer@example.vn")
    shown = officer.get(f"/staff/items/{code}").get_data(as_text=True)
    assert ADDED in shown and REASON in shown and ADDED_FILE in shown, "staff read it while it exists"
    own = filer.get(f"/track/{code}/personal-data").get_data(as_text=True)
    assert ADDED in own and ADDED_FILE in own, "the filer sees it among their personal data"
    # It is in the database, beside the log, and not in the log itself.
    dump = database_dump(db)
    assert ADDED in dump and REASON in dump
    from sqlalchemy import text

    log_rows = " ".join(str(tuple(row)) for row in db.session.execute(text("SELECT * FROM item_events")))
    assert "Canary" not in log_rows

    assert filer.post(f"/track/{code}/personal-data", data={"confirm": "y"}).status_code == 302
    dump = database_dump(db)
    # Also in any spelling (the folded search text is lower case); four digits alone would be found
    # by chance in the hashes and tokens of any database.
    for canary in (ADDED, REASON, ADDED_FILE, "canaryadded", "canarywithdrawn", "canaryfile"):
        assert canary.lower() not in dump.lower(), f"{canary} left in the database"
    shown = officer.get(f"/staff/items/{code}").get_data(as_text=True)
    assert shown.count("Nội dung người gửi viết thêm đã được xoá ngày") == 2, "staff see that it was erased"
    assert "đã xoá ngày" in filer.get(f"/track/{code}/private").get_data(as_text=True)
    verdict = audit.verify()
    assert verdict.broken is None and verdict.rows > 4


def test_the_retention_erases_what_the_filer_wrote_later(app, db, client, staff):
    from feedback.items import audit
    from feedback.pluginmanager import run_tick

    filer = app.test_client()
    code = file_on_the_web(filer)
    add_and_withdraw(filer, code)
    assert ADDED in database_dump(db)
    closed_at = the_item(db, code).closed_at
    summaries = dict(run_tick(now=closed_at + dt.timedelta(days=app.config["PERSONAL_DATA_RETENTION_DAYS"] + 1)))
    assert summaries["core.items"] == "personal data removed from 1 items closed long ago"
    dump = database_dump(db)
    assert not [canary for canary in (ADDED, REASON, ADDED_FILE) if canary in dump]
    assert audit.verify().broken is None


def test_the_filers_comment_on_the_answer_goes_with_their_personal_data(app, db, client, staff):
    from feedback.plugins.register.models import Rating

    filer = app.test_client()
    code = file_on_the_web(filer)
    act(client, bearer(client, "head@example.vn"), code, "respond", body=ANSWER)
    rated = filer.post(f"/track/{code}/rating", data={"satisfied": "yes", "comment": f"Cam on. {ADDED}"})
    assert rated.status_code == 302, rated.get_data(as_text=True)[:500]
    assert ADDED in database_dump(db)
    assert filer.post(f"/track/{code}/personal-data", data={"confirm": "y"}).status_code == 302
    assert ADDED not in database_dump(db)
    db.session.expire_all()
    assert db.session.scalar(select(Rating.satisfied)) is True, "the rating itself stays for the figures"
