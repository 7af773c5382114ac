"""Broken parts: a database that stays locked or refuses to serialize, a disk that fills up while
an attachment is saved. Retried within a budget, then 503 with Retry-After; the filer's input kept;
nothing half-stored."""

from __future__ import annotations

import hashlib
import html
import re
import sqlite3
import subprocess
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from feedback.extensions import db as _db
from feedback.items.models import Attachment, Item
from tests.helpers import BODY, FORM_BODY, PDF, TITLE, form_data, multipart, submission_token

QUICK = {"SQLITE_BUSY_TIMEOUT": 0.2, "DATABASE_RETRIES": 2, "BUSY_RETRY_AFTER": 7}
API_BODY = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY}


@contextmanager
def refusing(database_url: str, times: int | None = None):
    """The database says "try again" to every filing (or to the first ``times``): on SQLite another
    connection holds the write lock; on PostgreSQL a trigger raises a serialization failure
    (SQLSTATE 40001) as the server does when two transactions cannot be serialized."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        if times is not None:
            # Released after about ``times`` tries of 0.2 s each.
            threading.Timer(0.2 * times + 0.1, holder.rollback).start()
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = create_engine(database_url)
    limit = "true" if times is None else f"nextval('test_refusals') <= {times}"
    with engine.begin() as connection:
        connection.execute(text("CREATE SEQUENCE test_refusals"))
        connection.execute(text(f"""CREATE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN
            IF {limit} THEN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END IF;
            RETURN NEW; END $$ LANGUAGE plpgsql"""))
        connection.execute(text("CREATE TRIGGER test_refuse BEFORE INSERT ON items FOR EACH ROW "
                                "EXECUTE FUNCTION test_refuse()"))
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER test_refuse ON items"))
            connection.execute(text("DROP FUNCTION test_refuse()"))
            connection.execute(text("DROP SEQUENCE test_refusals"))
        engine.dispose()


def _items(app) -> int:
    with app.app_context():
        _db.session.remove()
        return _db.session.scalar(select(func.count(Item.id)))


def test_a_refusal_for_now_is_tried_again_and_the_filing_goes_through(make_app, staff, database_url, real_commits):
    app = make_app(**QUICK)
    with refusing(database_url, times=2):
        answer = app.test_client().post("/api/v1/items", json=API_BODY)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert _items(app) == 1


def test_past_its_retries_the_api_answers_503_with_retry_after_and_stores_nothing(make_app, staff, database_url,
                                                                                    real_commits):
    app = make_app(**QUICK)
    with refusing(database_url):
        answer = app.test_client().post("/api/v1/items", json=API_BODY, headers={"Accept-Language": "en"})
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"] == "7"
    assert answer.get_json()["error"]["code"] == "busy"
    assert "nothing was stored" in answer.get_json()["error"]["message"]
    assert _items(app) == 0


class _Fields(list):
    """The (name, value) pairs of the first form of a page that posts (what a browser sends again;
    check boxes only when checked)."""

    @classmethod
    def of(cls, page: str) -> _Fields:
        form = page[page.index("<form method=\"post\""):]
        form = form[:form.index("</form>")]
        found = cls()
        for tag in re.findall(r"<input [^>]*>", form):
            name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
            if ('type="checkbox"' in tag or 'type="radio"' in tag) and "checked" not in tag:
                continue
            if name:
                found.append((html.unescape(name.group(1)), html.unescape(value.group(1)) if value else ""))
        for name, value in re.findall(r'<textarea [^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', form, re.DOTALL):
            # A browser leaves out the line break that may open a textarea's content.
            found.append((html.unescape(name), html.unescape(value.removeprefix("\r\n").removeprefix("\n"))))
        for name, options in re.findall(r'<select [^>]*name="([^"]*)"[^>]*>(.*?)</select>', form, re.DOTALL):
            chosen = re.search(r'<option [^>]*selected[^>]*value="([^"]*)"|<option [^>]*value="([^"]*)"[^>]*selected',
                               options)
            if chosen:
                value = chosen.group(1) if chosen.group(1) is not None else chosen.group(2)
                found.append((html.unescape(name), html.unescape(value)))
        return found


def test_past_its_retries_the_filing_form_keeps_the_citizens_text_and_sends_it_again(make_app, staff, database_url,
                                                                                      real_commits):
    app = make_app(**QUICK)
    client = app.test_client()
    long_body = FORM_BODY + " Tôi đã đến ba lần, lần nào cũng được hẹn tuần sau."
    data = {**form_data(title="Hồ sơ khai sinh bị giữ quá hạn", body=long_body, name="Vũ Thị Lan", consent="y"),
            "submission": submission_token(client)}
    with refusing(database_url):
        answer = client.post("/file", data=data)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "7"
    page = answer.get_data(as_text=True)
    assert "Hệ thống đang bận" in page
    kept = dict(_Fields.of(page))
    assert kept["body"] == long_body and kept["title"] == "Hồ sơ khai sinh bị giữ quá hạn"
    assert kept["name"] == "Vũ Thị Lan" and kept["submission"] == data["submission"]
    assert kept["unit"] == "P.STP" and kept["kind"] == "complaint" and kept["consent"] == "y"
    assert _items(app) == 0
    # Once the database answers again, "Send again" files it, once.
    again = client.post("/file", data=kept)
    assert again.status_code == 302, again.get_data(as_text=True)[:500]
    assert client.post("/file", data=kept).status_code == 302
    assert _items(app) == 1


@pytest.fixture
def small_disk(tmp_path):
    """A real filesystem of 256 KiB (tmpfs), for the storage folder."""
    folder = tmp_path / "files"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True,
                             text=True, timeout=30)
    assert mounted.returncode == 0, f"the test mounts a small tmpfs (it runs as root): {mounted.stderr}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True, timeout=30)


def test_a_full_disk_while_saving_an_attachment_stores_nothing_half(make_app, staff, real_commits, small_disk):
    app = make_app(STORAGE_FOLDER=str(small_disk))
    client = app.test_client()
    small = PDF
    large = PDF + b"%" + bytes(300 * 1024) + b"\n%%EOF\n"  # larger than the whole disk
    body, content_type = multipart({**form_data(), "submission": submission_token(client)},
                                   [("attachments", "don.pdf", small), ("attachments", "ho-so-day-du.pdf", large)])
    answer = client.post("/file", data=body, content_type=content_type)
    assert answer.status_code == 503, answer.get_data(as_text=True)[:500]
    page = html.unescape(answer.get_data(as_text=True))
    assert "Không lưu được tệp đính kèm" in page
    assert TITLE in page and FORM_BODY in page, "the filer's text is still on the form"
    with app.app_context():
        _db.session.remove()
        assert _db.session.scalar(select(func.count(Item.id))) == 0
        assert _db.session.scalar(select(func.count(Attachment.id))) == 0
    # No half-written file: nothing under a temporary name, every file whole (named by its SHA-256).
    files = [path for path in small_disk.rglob("*") if path.is_file()]
    assert not [path for path in files if path.name.startswith(".incoming-")]
    assert all(hashlib.sha256(path.read_bytes()).hexdigest() == path.name for path in files)
    # With room again (the large file left out), the same form goes through.
    body, content_type = multipart({**form_data(), "submission": submission_token(client)},
                                   [("attachments", "don.pdf", small)])
    assert client.post("/file", data=body, content_type=content_type).status_code == 302
    with app.app_context():
        _db.session.remove()
        assert [a.data for a in _db.session.scalars(select(Attachment))] == [small]
