"""Uploads and generated PDFs in a storage folder shared by every app process (FEEDBACK_STORAGE_FOLDER),
or in the database by default; rows written before the folder was set stay readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from feedback.extensions import db as _db
from feedback.items.models import Attachment
from feedback.plugins.accountability.models import ApologyLetter
from feedback.storage import REFERENCE, FolderStorage, StorageError
from tests.items.conftest import PDF, PNG, post_form
from tests.plugins.accountability.conftest import clock, people  # noqa: F401 - fixtures of the letter
from tests.plugins.accountability.test_letters import letter, text_of  # noqa: F401 - the letter fixture


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def app(make_app, folder):
    return make_app(STORAGE_FOLDER=str(folder))


def stored_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def raw(table: str, column: str) -> list[bytes]:
    """The column's values as stored, inside the current app context."""
    return [bytes(value) for value in _db.session.execute(text(f"SELECT {column} FROM {table} ORDER BY id")).scalars()
            if value is not None]


def raw_column(app, table: str, column: str) -> list[bytes]:
    with app.app_context():
        return raw(table, column)


def test_attachments_go_to_the_folder_and_the_rows_keep_references(app, client, staff, make_app, folder):
    response = post_form(client, files=[("đơn.pdf", PDF), ("ảnh.png", PNG)])
    assert response.status_code == 302, response.get_data(as_text=True)

    assert sorted(stored_files(folder).values()) == sorted([PDF, PNG])
    references = raw_column(app, "attachments", "data")
    assert all(value.startswith(REFERENCE) and len(value) < 100 for value in references)
    assert {value[len(REFERENCE):].decode() for value in references} == set(stored_files(folder))

    # Another process (another machine) with the same folder reads the same bytes.
    other = make_app(STORAGE_FOLDER=str(folder))
    with other.app_context():
        assert [a.data for a in _db.session.scalars(select(Attachment).order_by(Attachment.id))] == [PDF, PNG]
        code = _db.session.scalar(select(Attachment)).item.code
        attachment_id = _db.session.scalar(select(Attachment.id).order_by(Attachment.id))
    staff_client = other.test_client()
    staff_client.post("/login", data={"email": "admin@example.vn", "password": "correct horse battery"})
    download = staff_client.get(f"/staff/items/{code}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF


def test_the_same_file_twice_is_stored_once(app, client, staff, folder):
    assert post_form(client, files=[("đơn.pdf", PDF)]).status_code == 302
    assert post_form(client, files=[("bản sao.pdf", PDF)]).status_code == 302
    assert list(stored_files(folder).values()) == [PDF]
    assert len(set(raw_column(app, "attachments", "data"))) == 1


def test_the_apology_letter_lives_in_the_folder(db, letter, folder):  # noqa: F811
    assert letter["pdf"].startswith(b"%PDF-")
    assert "PHIẾU XIN LỖI" in text_of(letter["pdf"])
    (reference,) = raw("accountability_apology_letters", "pdf")
    assert reference.startswith(REFERENCE)
    assert stored_files(folder)[reference[len(REFERENCE):].decode()] == letter["pdf"]
    db.session.expire_all()
    assert db.session.get(ApologyLetter, letter["id"]).pdf == letter["pdf"]


def test_by_default_the_bytes_stay_in_the_database(make_app, staff, tmp_path):
    app = make_app()
    assert post_form(app.test_client(), files=[("đơn.pdf", PDF)]).status_code == 302
    assert raw_column(app, "attachments", "data") == [PDF]


def test_rows_from_before_the_folder_stay_readable(make_app, staff, folder):
    before = make_app()
    assert post_form(before.test_client(), files=[("đơn.pdf", PDF)]).status_code == 302
    after = make_app(STORAGE_FOLDER=str(folder))
    assert post_form(after.test_client(), files=[("ảnh.png", PNG)]).status_code == 302
    with after.app_context():
        assert [a.data for a in _db.session.scalars(select(Attachment).order_by(Attachment.id))] == [PDF, PNG]
    assert raw_column(after, "attachments", "data")[0] == PDF


def test_a_missing_file_is_a_clear_error(tmp_path):
    storage = FolderStorage(tmp_path)
    reference = storage.put(b"%PDF-1.4 a letter")
    assert storage.get(reference) == b"%PDF-1.4 a letter"
    next(path for path in tmp_path.rglob("*") if path.is_file()).unlink()
    with pytest.raises(StorageError, match="cannot be read from"):
        storage.get(reference)
