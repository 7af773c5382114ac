"""Hostile uploads: zip bombs (honest and lying), image bombs, photos that carry where they were
taken; files served as downloads, only to those entitled."""

from __future__ import annotations

import functools
import html
import io
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.items.attachments import ARCHIVE_MAX_ENTRIES, check_file, without_metadata
from feedback.items.models import Attachment, Item
from tests.helpers import PDF, count, login, odt_bomb, post_form, zip_archive

GPS = 0x8825  # the EXIF pointer to the GPS data
ORIENTATION = 0x0112
DOWNLOAD_LIMIT = 10 * 1024 * 1024


@functools.cache
def bomb() -> bytes:
    return odt_bomb(1024)


@functools.cache
def lying_bomb() -> bytes:
    """The same gigabyte, with a directory that says the entry holds 39 bytes."""
    return odt_bomb(1024, declared=39)


def _peak_while(function):
    """What ``function`` returns, and the most memory Python allocated meanwhile (bytes), once it
    ran a first time (which loads modules and catalogues)."""
    function()
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _stored(client) -> int:
    with client.application.app_context():
        return count(Item) + count(Attachment)


# --- archives ------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_directory_without_inflating(app):
    data = bomb()
    assert len(data) < 1_100_000
    (checked, problem), peak = _peak_while(lambda: check_file("don.odt", data, DOWNLOAD_LIMIT))
    assert checked is None and "zip bomb" in problem
    assert peak < 2 * 1024 * 1024, f"{peak} bytes allocated to refuse a 1 MB file"


def test_a_zip_bomb_that_lies_about_its_sizes_is_inflated_a_hundred_bytes_at_most(app):
    (checked, problem), peak = _peak_while(lambda: check_file("don.odt", lying_bomb(), DOWNLOAD_LIMIT))
    assert checked is None and "is not the kind of file" in problem
    assert peak < 2 * 1024 * 1024, f"{peak} bytes allocated to refuse a 1 MB file"


def _stored_entries(count_: int, size: int, compressed: int) -> bytes:
    return zip_archive([(f"part{n}.xml", b"\x03\x00" + bytes(compressed - 2), size, 0) for n in range(count_)])


@pytest.mark.parametrize("archive, reason", [
    (lambda: _stored_entries(ARCHIVE_MAX_ENTRIES + 1, 10, 10), "too many files"),
    (lambda: _stored_entries(3, 100 * 1024 * 1024, 1024 * 1024), "larger than 200 MB"),
    (lambda: _stored_entries(1, 50 * 1024 * 1024, 100 * 1024), "zip bomb"),
])
def test_an_archive_is_judged_by_what_it_declares(app, archive, reason):
    checked, problem = check_file("bang.xlsx", archive(), DOWNLOAD_LIMIT)
    assert checked is None and reason in problem, problem


def test_a_zip_bomb_on_the_filing_form_is_refused_in_vietnamese_and_nothing_is_stored(client, staff):
    answer = post_form(client, files=[("đơn khiếu nại.odt", bomb())])
    assert answer.status_code == 422
    page = html.unescape(answer.get_data(as_text=True))
    assert "đơn khiếu nại.odt bị từ chối" in page and "bom nén" in page
    assert _stored(client) == 0


# --- images --------------------------------------------------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds almost nothing: decoding it would take width × height."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height", [(40_000, 40_000), (8_000, 5_001), (100_000, 1_000)])
def test_an_image_bomb_is_refused_from_its_header(app, width, height):
    (checked, problem), peak = _peak_while(lambda: check_file("anh.png", _png_header_only(width, height),
                                                              DOWNLOAD_LIMIT))
    assert checked is None and "more than 25,000,000 pixels" in problem, problem
    assert peak < 2 * 1024 * 1024


def test_the_pixel_limit_is_a_setting(app):
    app.config["ATTACHMENT_MAX_PIXELS"] = 100
    with app.app_context():
        checked, problem = check_file("anh.png", _png_header_only(11, 10), DOWNLOAD_LIMIT)
    assert checked is None and problem.endswith("ảnh có hơn 100 điểm ảnh."), problem


def _photo(format_name: str = "JPEG", size=(40, 20), orientation: int = 6) -> bytes:
    """A photo as a phone takes it: EXIF with the GPS position, the camera, an orientation."""
    image = Image.new("RGB", size, (10, 120, 200))
    image.putpixel((0, 0), (255, 0, 0))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS).update({1: "N", 2: (21.0, 1.0, 42.5), 3: "E", 4: (105.0, 51.0, 7.3)})
    buffer = io.BytesIO()
    options = {"exif": exif.tobytes()}
    if format_name == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", "Nhà số 17 ngõ 42 phố Hàng Bạc")
        options["pnginfo"] = info
    image.save(buffer, format_name, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("format_name, extension", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_a_photo_loses_its_gps_position_and_keeps_which_way_is_up(format_name, extension):
    photo = _photo(format_name)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS), "the photo carries its position"
    kept = without_metadata(photo, {"jpg": "jpeg"}.get(extension, extension), 25_000_000)
    image = Image.open(io.BytesIO(kept))
    assert dict(image.getexif()) == {ORIENTATION: 6} and not image.getexif().get_ifd(GPS)
    assert b"PhoneMaker" not in kept and "Comment" not in image.info
    assert image.size == (40, 20)
    if format_name == "PNG":  # the same pixels (JPEG and WEBP are compressed with loss)
        assert image.getpixel((0, 0))[:3] == (255, 0, 0)


def test_a_photo_without_orientation_keeps_no_exif_at_all():
    kept = without_metadata(_photo("JPEG", orientation=1), "jpeg", 25_000_000)
    assert not Image.open(io.BytesIO(kept)).getexif() and b"Exif" not in kept


def test_uploaded_photos_are_stored_and_served_without_metadata_only_to_those_entitled(app, client, people):
    photo = _photo("JPEG")
    answer = post_form(client, files=[("ảnh hiện trường.jpg", photo), ("đơn.pdf", PDF)])
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    with app.app_context():
        item = _db.session.scalar(select(Item))
        code = item.code
        attachments = {a.filename: a.id for a in item.attachments}
    officer, other_head = app.test_client(), app.test_client()
    login(officer, "officer@example.vn")
    login(other_head, "xa@example.vn")
    url = f"/staff/items/{code}/attachments/{attachments['ảnh hiện trường.jpg']}"
    served = officer.get(url)
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert dict(image.getexif()) == {ORIENTATION: 6} and b"PhoneMaker" not in served.data and image.size == (40, 20)
    pdf = officer.get(f"/staff/items/{code}/attachments/{attachments['đơn.pdf']}")
    assert pdf.data == PDF, "other files are stored as they came"
    # Another unit's head, and a visitor without the access key, get nothing.
    assert other_head.get(url).status_code == 404
    stranger = app.test_client().get(f"/track/{code}/attachments/{attachments['ảnh hiện trường.jpg']}")
    assert stranger.status_code in (302, 403, 404) and b"\xff\xd8" not in stranger.data


def test_an_xlsform_bomb_is_refused_before_openpyxl_opens_it(app):
    from feedback.surveys.xlsform import parse_workbook
    from tests.helpers import deflated_zeros

    stream, crc = deflated_zeros(512)
    workbook = zip_archive([("[Content_Types].xml", b"\x03\x00", 0, 0), ("xl/workbook.xml", stream, 512 << 20, crc)])
    with app.test_request_context("/"):
        (_settings, sections, _intro, problems), peak = _peak_while(lambda: parse_workbook(workbook))
    assert not sections and any("bom nén" in message for message in problems.messages), problems.messages
    assert peak < 2 * 1024 * 1024
