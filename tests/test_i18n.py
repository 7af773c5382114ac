"""Vietnamese first: every string translated, dates as dd/mm/yyyy, numbers with local separators."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from feedback.templating import date_filter, datetime_filter, number_filter

ROOT = Path(__file__).parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_every_string_is_translated_into_vietnamese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True, timeout=120)
    with pot.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with (ROOT / "feedback/translations/vi/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = {message.id: message for message in read_po(handle) if message.id}
    missing = sorted(wanted - set(catalogue))
    assert not missing, f"run scripts/i18n and translate: {missing[:10]}"
    for msgid in wanted:
        message = catalogue[msgid]
        # A plural message (WTForms' own) has a tuple of ids and of translations (one form in Vietnamese).
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and "fuzzy" not in message.flags, f"untranslated: {msgid!r}"
        for string in strings:
            assert set(PLACEHOLDER.findall(ids[-1])) == set(PLACEHOLDER.findall(string)), \
                f"placeholders differ: {msgid!r}"
        # A lone % breaks the formatting that templates always apply ("100% đúng" raises).
        for text in (*ids, *strings):
            assert "%" not in PLACEHOLDER.sub("", text).replace("%%", ""), f"a lone % in {text!r}"


def test_dates_times_and_numbers(app):
    moment = dt.datetime(2027, 3, 4, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 on the 5th in Hanoi
    with app.test_request_context("/"):
        assert date_filter(dt.date(2027, 3, 5)) == "05/03/2027"
        assert datetime_filter(moment) == "05/03/2027 06:30"
        assert number_filter(8035) == "8.035"
    with app.test_request_context("/?lang=en"):
        assert date_filter(dt.date(2027, 3, 5)) == "05/03/2027"
        assert number_filter(8035) == "8,035"


def test_counts_are_formatted_as_babel_formats_any_number(app):
    from flask_babel import format_decimal

    for lang in ("vi", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for value in (0, 7, 999, 1000, 8035, 1234567, -1234, 12.5, 1234.567, 0.3333, 33.3, 100.0, 0.0, 0.5,
                          1234.5, 0.1 + 0.2, 2.675, 1e20, 1e-7, 98765.4321, float("nan"), -0.5):
                assert number_filter(value) == format_decimal(value), (lang, value)


def test_pages_speak_vietnamese_then_english(client):
    assert "Danh mục thủ tục hành chính" in client.get("/procedures").text
    assert "Procedure catalogue" in client.get("/procedures?lang=en").text


def test_api_errors_follow_accept_language(client):
    vi = client.get("/api/v1/nope").json["error"]["message"]
    en = client.get("/api/v1/nope", headers={"Accept-Language": "en"}).json["error"]["message"]
    assert vi == "Không tìm thấy nội dung tại địa chỉ này."
    assert en == "Nothing was found at this address."
    fields = client.post("/api/v1/auth/token", json={}).json["error"]["fields"]
    assert fields == {"email": "Thiếu dữ liệu cho trường bắt buộc.", "password": "Thiếu dữ liệu cho trường bắt buộc."}


def test_file_sizes_and_working_days_in_words(app):
    from feedback.templating import filesize_filter, working_days_filter

    with app.test_request_context("/"):
        assert [filesize_filter(size) for size in (0, 612, 1536, 5 * 1024 * 1024)] == [
            "0 byte", "612 byte", "1,5 KB", "5 MB"]
        assert working_days_filter(0) == "trong ngày làm việc" and working_days_filter(10) == "10 ngày làm việc"
    with app.test_request_context("/?lang=en"):
        assert filesize_filter(612) == "612 B" and filesize_filter(1536) == "1.5 KB"
        assert working_days_filter(0) == "the same working day"
