"""Attachments are checked by their content, not their name; the filer and staff can download them."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from sqlalchemy import select

from feedback.items.attachments import check_file, safe_name, sniff
from feedback.items.models import Attachment, Item

from .conftest import PDF, PNG, count, docx, post_form

LIMIT = 1024 * 1024


def image(format_name: str, size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format_name)
    return buffer.getvalue()


JPEG, GIF, WEBP = image("JPEG"), image("GIF"), image("WEBP")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)


def zipped(**parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


XLSX = zipped(**{"[Content_Types].xml": "<Types/>", "xl__workbook.xml": "<workbook/>"})
ODT = zipped(mimetype="application/vnd.oasis.opendocument.text", **{"content.xml": "<x/>"})


@pytest.mark.parametrize("name, data, content_type", [
    ("don.pdf", PDF, "application/pdf"),
    ("anh.PNG", PNG, "image/png"),
    ("anh.jpg", JPEG, "image/jpeg"),
    ("anh.jpeg", JPEG, "image/jpeg"),
    ("anh.gif", GIF, "image/gif"),
    ("anh.webp", WEBP, "image/webp"),
    ("don.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("bang.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("don.doc", OLE, "application/octet-stream"),
    ("don.odt", ODT, "application/vnd.oasis.opendocument.text"),
])
def test_accepted_kinds_are_recognised_by_content(name, data, content_type):
    checked, problem = check_file(name, data, LIMIT)
    assert problem is None
    assert checked.filename == name and checked.content_type == content_type
    assert checked.size == len(checked.data) and len(checked.sha256) == 64
    if content_type.startswith("image/"):
        # Images are stored again (without their metadata): the same picture.
        assert Image.open(io.BytesIO(checked.data)).size == Image.open(io.BytesIO(data)).size
    else:
        assert checked.data == data


@pytest.mark.parametrize("name, data", [
    ("anh.pdf", PNG),                                   # a PNG calling itself a PDF
    ("don.png", PDF),
    ("don.docx", zipped(**{"word__document.xml": "<w/>"})),  # no [Content_Types].xml: not a docx
    ("don.docx", XLSX),                                 # a spreadsheet calling itself a document
    ("don.docx", b"PK\x03\x04 this is not a zip at all"),
    ("don.pdf", b"<html><script>alert(1)</script></html>"),
    ("anh.jpg", b"\xff\xd8"),
])
def test_content_that_does_not_match_the_name_is_refused(name, data):
    checked, problem = check_file(name, data, LIMIT)
    assert checked is None and name in problem


@pytest.mark.parametrize("name", ["script.exe", "trang.html", "khong-duoi", "anh.svg", "don.pdf.exe"])
def test_other_extensions_are_refused(name):
    checked, problem = check_file(name, PDF, LIMIT)
    assert checked is None and problem


def test_empty_and_too_large_files_are_refused():
    assert check_file("don.pdf", b"", LIMIT)[0] is None
    assert check_file("don.pdf", PDF, len(PDF))[1] is None
    checked, problem = check_file("don.pdf", PDF, len(PDF) - 1)
    assert checked is None and "don.pdf" in problem


def test_sniff_knows_nothing_of_names():
    assert sniff(PDF) == "pdf" and sniff(PNG) == "png" and sniff(docx()) == "docx" and sniff(b"hello") is None


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\an\\don.pdf", "don.pdf"),
    ('a"b<c>|:*?.pdf', "abc.pdf"),
    ("\x00\x1bdon.pdf", "don.pdf"),
    ("", "tep-dinh-kem"),
])
def test_names_lose_folders_and_dangerous_characters(given, kept):
    assert safe_name(given) == kept


# --- through the filing form ------------------------------------------------------------------


def stored_attachments(app):
    from feedback.extensions import db

    with app.app_context():
        return [(a.filename, a.content_type, a.size, a.data) for a in db.session.scalars(
            select(Attachment).order_by(Attachment.id))]


def test_good_attachments_are_stored_with_the_item(app, client, staff):
    files = [("đơn.pdf", PDF), ("ảnh.png", PNG), ("biên bản.docx", docx())]
    response = post_form(client, files=files)
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = stored_attachments(app)
    assert [(name, size, data) for name, _type, size, data in stored] == [(n, len(d), d) for n, d in files]
    assert [content_type for _name, content_type, _size, _data in stored] == [
        "application/pdf", "image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]


def test_a_png_named_pdf_is_refused_at_the_attachments_field_and_nothing_is_stored(app, client, staff):
    response = post_form(client, files=[("đơn.pdf", PDF), ("anh.pdf", PNG)])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="attachments-error"' in page and "anh.pdf" in page
    assert count(app) == 0 and count(app, Attachment) == 0


def test_more_than_five_attachments_are_refused(app, client, staff):
    response = post_form(client, files=[(f"don{i}.pdf", PDF) for i in range(6)])
    assert response.status_code == 422
    assert 'id="attachments-error"' in response.get_data(as_text=True)
    assert count(app) == 0 and count(app, Attachment) == 0
    assert post_form(client, files=[(f"don{i}.pdf", PDF) for i in range(5)]).status_code == 302
    assert count(app, Attachment) == 5


def test_a_file_over_the_size_limit_is_refused(make_app, staff):
    small = make_app(ATTACHMENT_MAX_BYTES=len(PDF))
    client = small.test_client()
    response = post_form(client, files=[("lon.pdf", PDF + b"%")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="attachments-error"' in page and "lon.pdf" in page
    assert count(small) == 0 and count(small, Attachment) == 0
    assert post_form(client, files=[("vua.pdf", PDF)]).status_code == 302
    assert count(small, Attachment) == 1


def test_the_filer_and_staff_download_attachments_as_downloads(app, client, auth, staff):
    response = post_form(client, files=[("đơn khiếu nại.pdf", PDF)])
    code = response.headers["Location"].rsplit("/", 1)[-1]
    client.get(response.headers["Location"])  # the receipt opens the filer's private view
    from feedback.extensions import db

    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    download = client.get(f"/track/{code}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]

    stranger = app.test_client()
    assert stranger.get(f"/track/{code}/attachments/{attachment_id}").status_code == 403
    assert stranger.get(f"/staff/items/{code}/attachments/{attachment_id}").status_code == 302  # to sign in

    auth.login("officer@example.vn")
    assert client.get(f"/staff/items/{code}/attachments/{attachment_id}").data == PDF
    assert client.get(f"/staff/items/{code}/attachments/{attachment_id + 1000}").status_code == 404


def test_an_attachment_is_only_served_with_its_own_item(app, client, staff):
    first = post_form(client, files=[("mot.pdf", PDF)])
    second = post_form(client)
    for response in (first, second):
        client.get(response.headers["Location"])
    from feedback.extensions import db

    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
        assert db.session.scalar(select(Item.id).where(Item.code == second.headers["Location"].rsplit("/", 1)[-1]))
    other_code = second.headers["Location"].rsplit("/", 1)[-1]
    assert client.get(f"/track/{other_code}/attachments/{attachment_id}").status_code == 404
