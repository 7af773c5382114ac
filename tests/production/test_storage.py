"""Uploads and generated PDFs in a storage folder shared by every app process (FEEDBACK_STORAGE_FOLDER),
or in the database by default; rows written before the folder was set stay readable."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select, text

from feedback.extensions import db as _db
from feedback.items.models import Attachment
from feedback.plugins.accountability.models import ApologyLetter
from feedback.storage import REFERENCE, FolderStorage, StorageError
from tests.helpers import PDF, PNG, Clock, bearer, file_item, local, login, post_form


@pytest.fixture
def folder(app, tmp_path) -> Path:
    """The app's storage folder for this test (the app fixture puts its settings back afterwards)."""
    path = tmp_path / "files"
    app.config["STORAGE_FOLDER"] = str(path)
    return path


def stored_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def raw(table: str, column: str) -> list[bytes]:
    """The column's values as the database holds them (inside the current app context)."""
    return [bytes(value) for value in _db.session.execute(text(f"SELECT {column} FROM {table} ORDER BY id")).scalars()
            if value is not None]


def test_attachments_go_to_the_folder_and_the_rows_keep_references(app, client, db, staff, folder, make_app):
    response = post_form(client, files=[("đơn.pdf", PDF), ("ảnh.png", PNG)])
    assert response.status_code == 302, response.get_data(as_text=True)

    assert sorted(stored_files(folder).values()) == sorted([PDF, PNG])
    references = raw("attachments", "data")
    assert all(value.startswith(REFERENCE) and len(value) < 100 for value in references)
    assert {value[len(REFERENCE):].decode() for value in references} == set(stored_files(folder))

    # Another process (another machine) with the same folder reads the same bytes.
    other = make_app(STORAGE_FOLDER=str(folder))
    with other.app_context():
        attachments = list(_db.session.scalars(select(Attachment).order_by(Attachment.id)))
        assert [attachment.data for attachment in attachments] == [PDF, PNG]
        code, first = attachments[0].item.code, attachments[0].id
    staff_client = other.test_client()
    login(staff_client)
    download = staff_client.get(f"/staff/items/{code}/attachments/{first}")
    assert download.status_code == 200 and download.data == PDF


def test_the_same_file_twice_is_stored_once(client, db, staff, folder):
    assert post_form(client, files=[("đơn.pdf", PDF)]).status_code == 302
    assert post_form(client, files=[("bản sao.pdf", PDF)]).status_code == 302
    assert list(stored_files(folder).values()) == [PDF]
    assert len(set(raw("attachments", "data"))) == 1


def test_the_apology_letter_lives_in_the_folder(runner, client, db, people, folder, monkeypatch):
    clock = Clock(monkeypatch)
    clock.set(local(2026, 11, 2, 9))
    file_item(client, bearer(client), received_at=local(2026, 10, 30, 10),
              contact={"name": "Nguyễn Thị Hoa", "phone": "0912345678"})
    clock.set(local(2026, 11, 16, 8))  # still open past its deadline: tick issues the letter
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output

    (reference,) = raw("accountability_apology_letters", "pdf")
    assert reference.startswith(REFERENCE)
    pdf = stored_files(folder)[reference[len(REFERENCE):].decode()]
    assert pdf.startswith(b"%PDF-")
    assert "PHIẾU XIN LỖI" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    db.session.expire_all()
    assert db.session.scalar(select(ApologyLetter)).pdf == pdf


def test_by_default_the_bytes_stay_in_the_database(app, client, db, staff):
    assert app.config["STORAGE_FOLDER"] is None
    assert post_form(client, files=[("đơn.pdf", PDF)]).status_code == 302
    assert raw("attachments", "data") == [PDF]


def test_rows_from_before_the_folder_stay_readable(app, client, db, staff, tmp_path):
    assert post_form(client, files=[("đơn.pdf", PDF)]).status_code == 302
    app.config["STORAGE_FOLDER"] = str(tmp_path / "files")
    assert post_form(client, files=[("ảnh.png", PNG)]).status_code == 302
    db.session.expire_all()
    assert [a.data for a in db.session.scalars(select(Attachment).order_by(Attachment.id))] == [PDF, PNG]
    before, after = raw("attachments", "data")
    assert before == PDF and after.startswith(REFERENCE)


def test_a_missing_file_is_a_clear_error(tmp_path):
    storage = FolderStorage(tmp_path)
    reference = storage.put(b"%PDF-1.4 a letter")
    assert storage.get(reference) == b"%PDF-1.4 a letter"
    next(path for path in tmp_path.rglob("*") if path.is_file()).unlink()
    with pytest.raises(StorageError, match="cannot be read from"):
        storage.get(reference)


# --- files go with the last row that refers to them ----------------------------------------------------


def file_and_prove(app, files, **fields):
    """File on the web with ``files`` in a browser of its own, prove the filer there by the access key
    from the receipt; returns (that browser, the tracking code)."""
    import re

    filer = app.test_client()
    filed = post_form(filer, files=files, name="Trần Văn Thử", phone="0912000111", consent="y", **fields)
    assert filed.status_code == 302, filed.get_data(as_text=True)[:500]
    code = filed.headers["Location"].rsplit("/", 1)[-1]
    key = re.findall(r'<dd class="code">([^<]+)</dd>', filer.get(f"/receipt/{code}").get_data(as_text=True))[1]
    assert filer.post(f"/track/{code}", data={"key": key, "phone": ""}).status_code == 302
    return filer, code


def another_pdf(mark: str) -> bytes:
    """A PDF of its own bytes (images are stored again without their metadata, PDFs as they are)."""
    return PDF + f"% {mark}\n".encode()


def digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_the_filers_delete_removes_their_files_but_not_one_another_item_still_holds(app, db, staff, folder):
    photo = another_pdf("photo")
    filer, code = file_and_prove(app, [("đơn.pdf", PDF), ("ảnh.pdf", photo)])
    _other, other_code = file_and_prove(app, [("bản sao.pdf", PDF)])
    assert set(stored_files(folder)) == {digest(PDF), digest(photo)}

    done = filer.post(f"/track/{code}/personal-data", data={"confirm": "y"})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    # The photo was only this item's: gone. The PDF is the other item's too: it stays, and reads.
    assert set(stored_files(folder)) == {digest(PDF)}
    assert not list(folder.glob(f"{digest(photo)[:2]}/**")), "the emptied sub-folders go too"
    db.session.expire_all()
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert attachment.item.code == other_code and attachment.data == PDF


def test_a_rolled_back_delete_keeps_the_files(app, db, staff, folder, register_plugin):
    from feedback import hookimpl

    class Failing:
        @hookimpl
        def feedback_personal_data_erased(self, items, by):
            raise RuntimeError("cannot remove my copy")

    filer, code = file_and_prove(app, [("đơn.pdf", PDF)])
    register_plugin(Failing(), name="failing")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert filer.post(f"/track/{code}/personal-data", data={"confirm": "y"}).status_code == 500
    assert stored_files(folder) == {digest(PDF): PDF}
    db.session.expire_all()
    assert db.session.scalar(select(Attachment)).data == PDF


def test_the_retention_job_removes_the_files_of_old_items(app, db, runner, staff, folder, monkeypatch):
    from feedback.items.models import Item
    from tests.helpers import act

    clock = Clock(monkeypatch)
    clock.set(local(2026, 11, 2, 9))
    photo = another_pdf("retention")
    _filer, code = file_and_prove(app, [("ảnh.pdf", photo)])
    head = bearer(app.test_client(), "head@example.vn")
    client = app.test_client()
    act(client, head, code, "respond", body="Kính gửi ông: hồ sơ của ông đã được giải quyết xong, xin thông báo.")
    act(client, head, code, "close")
    assert digest(photo) in stored_files(folder)

    closed_at = db.session.scalar(select(Item.closed_at).where(Item.code == code))
    clock.set(closed_at + dt.timedelta(days=app.config["PERSONAL_DATA_RETENTION_DAYS"] + 1))
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "personal data removed from 1 items" in result.output
    assert digest(photo) not in stored_files(folder)
    assert raw("attachments", "data") == []


def test_files_kept_for_an_abandoned_form_go_when_they_expire(app, db, runner, staff, folder, monkeypatch):
    from feedback.items.kept import KEPT_MINUTES
    from feedback.items.models import KeptAttachment
    clock = Clock(monkeypatch)  # the kept row is dated by the real clock (a column default)
    photo = another_pdf("kept")
    refused = post_form(app.test_client(), files=[("ảnh.pdf", photo)], title="")  # refused: no title
    assert refused.status_code == 422
    assert db.session.scalar(select(KeptAttachment.id)) is not None
    assert digest(photo) in stored_files(folder)

    clock.set(dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=KEPT_MINUTES + 5))
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(KeptAttachment.id)) is None
    assert digest(photo) not in stored_files(folder)


# --- flask storage prune -----------------------------------------------------------------------------------


def age(path: Path, hours: float) -> None:
    import os
    import time

    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_prune_removes_old_orphans_only(app, runner, staff, folder, real_commits):
    """With real commits (no ``db`` fixture: its app context would keep a transaction open)."""
    from feedback.extensions import db as database
    from feedback.storage import FolderStorage
    _filer, _code = file_and_prove(app, [("đơn.pdf", PDF)])
    storage = FolderStorage(folder)
    old, fresh = another_pdf("old"), another_pdf("fresh")
    # A rolled-back transaction left its file behind; another upload is still in flight.
    with app.app_context():
        database.session.add(Attachment(item_id=database.session.scalar(select(Attachment.item_id)), filename="x.pdf",
                                        content_type="application/pdf", size=len(old), sha256=digest(old), data=old))
        database.session.flush()
        database.session.rollback()
    storage.put(fresh)
    leftover = folder / "ab" / "cd" / ".incoming-k3j2"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a file")
    for path in folder.rglob("*"):
        if path.is_file() and path.name != digest(fresh):
            age(path, 30)
    assert set(stored_files(folder)) == {digest(PDF), digest(old), digest(fresh), ".incoming-k3j2"}

    listed = runner.invoke(args=["storage", "prune", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    assert f"orphaned: {Path(digest(old)[:2], digest(old)[2:4], digest(old))} ({len(old)} bytes)" in listed.output
    assert "orphaned: ab/cd/.incoming-k3j2 (11 bytes)" in listed.output
    assert digest(PDF) not in listed.output and digest(fresh) not in listed.output
    assert "2 orphaned files" in listed.output and "nothing removed" in listed.output
    assert len(stored_files(folder)) == 4

    pruned = runner.invoke(args=["storage", "prune"])
    assert pruned.exit_code == 0, pruned.output
    assert f"2 orphaned files ({len(old) + 11} bytes) older than 24 h removed." in pruned.output
    assert set(stored_files(folder)) == {digest(PDF), digest(fresh)}

    # With a shorter grace, the in-flight file is old enough too; the referenced one always stays.
    age(storage.path(digest(fresh)), 3)
    assert runner.invoke(args=["storage", "prune", "--grace-hours", "2"]).exit_code == 0
    assert set(stored_files(folder)) == {digest(PDF)}
    with app.app_context():
        assert database.session.scalar(select(Attachment)).data == PDF


def test_prune_without_a_folder_says_so(app, runner):
    assert app.config["STORAGE_FOLDER"] is None
    result = runner.invoke(args=["storage", "prune"])
    assert result.exit_code == 1 and "FEEDBACK_STORAGE_FOLDER is not set" in result.output
    refused = runner.invoke(args=["storage", "prune", "--grace-hours", "0"])
    assert refused.exit_code == 2 and "--grace-hours" in refused.output


def test_a_file_written_again_meanwhile_is_not_removed(app, folder, real_commits):
    """Two rows of the same bytes share a file. While one transaction writes a new row of it (not yet
    committed), another deletes the last committed row: the file must outlive the delete, or the new
    row would refer to nothing. (PostgreSQL: the writer's lock on the file makes the remover leave it;
    SQLite: the remover's transaction waits for the writer's commit.)"""
    import threading

    from feedback.extensions import db as database
    from feedback.items.models import KeptAttachment

    data = another_pdf("shared")
    with app.app_context():
        first = KeptAttachment(token_hash="a" * 64, filename="a.pdf", size=len(data), data=data)
        database.session.add(first)
        database.session.commit()
        first_id = first.id
    assert list(stored_files(folder)) == [digest(data)]

    flushed, problems = threading.Event(), []

    def writer():
        try:
            with app.app_context():
                database.session.add(KeptAttachment(token_hash="b" * 64, filename="b.pdf", size=len(data), data=data))
                database.session.flush()
                flushed.set()
                threading.Event().wait(1.0)  # the other transaction deletes the first row meanwhile
                database.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the test
            problems.append(error)
            flushed.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert flushed.wait(30)
    with app.app_context():
        database.session.execute(delete(KeptAttachment).where(KeptAttachment.id == first_id))
        database.session.commit()
    thread.join(30)
    assert not thread.is_alive() and not problems, problems
    assert list(stored_files(folder)) == [digest(data)]
    with app.app_context():
        (kept,) = database.session.scalars(select(KeptAttachment)).all()
        assert kept.filename == "b.pdf" and kept.data == data
        # Once that row goes too, so does the file.
        database.session.delete(kept)
        database.session.commit()
    assert stored_files(folder) == {}


def test_the_apology_letter_naming_the_filer_goes_with_their_personal_data(runner, client, db, people, folder,
                                                                          monkeypatch, app):
    """The letter is made again without the filer's name once their personal data goes: the file
    that named them is removed, the new one stays."""
    from feedback.items.models import Item
    from tests.helpers import act

    clock = Clock(monkeypatch)
    clock.set(local(2026, 11, 2, 9))
    filed = file_item(client, bearer(client), received_at=local(2026, 10, 30, 10),
                      contact={"name": "Nguyễn Thị Hoa", "phone": "0912345678"})
    clock.set(local(2026, 11, 16, 8))
    assert runner.invoke(args=["tick"]).exit_code == 0
    (named,) = raw("accountability_apology_letters", "pdf")
    named_file = stored_files(folder)[named[len(REFERENCE):].decode()]
    assert "Nguyễn Thị Hoa" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(named_file)).pages)

    head = bearer(client, "head@example.vn")
    act(client, head, filed["code"], "respond", body="Kính gửi bà: hồ sơ của bà đã được giải quyết xong, xin thông báo.")
    act(client, head, filed["code"], "close")
    closed_at = db.session.scalar(select(Item.closed_at).where(Item.code == filed["code"]))
    clock.set(closed_at + dt.timedelta(days=app.config["PERSONAL_DATA_RETENTION_DAYS"] + 1))
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output

    (again,) = raw("accountability_apology_letters", "pdf")
    assert again != named and named[len(REFERENCE):].decode() not in stored_files(folder)
    text_now = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(stored_files(folder)[
        again[len(REFERENCE):].decode()])).pages)
    assert "Hoa" not in text_now and "PHIẾU XIN LỖI" in text_now
