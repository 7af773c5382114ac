"""Uploads and generated PDFs in a storage folder shared by every app process (FEEDBACK_STORAGE_FOLDER),
or in the database by default; rows written before the folder was set stay readable."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

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
