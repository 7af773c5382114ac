"""Downloads from one row definition: CSV that a spreadsheet cannot run, typed XLSX with local
times and a frozen bold header, JSON; CSV and JSON streamed; headers in the visitor's language."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from feedback import exports
from feedback.exports import Column, Rows

UTC = dt.timezone.utc
COLUMNS = (
    Column("code", _l("Tracking code")),
    Column("count", _l("Received"), "int"),
    Column("mean", _l("Mean working days to answer"), "float"),
    Column("rate", _l("On-time rate"), "percent"),
    Column("late", _l("Late"), "bool"),
    Column("month", _l("Month"), "date"),
    Column("at", _l("Received at"), "datetime"),
    Column("unit", _l("Unit"), value=lambda row: (row.get("unit") or {}).get("name")),
)
ROWS = [
    {"code": "PA-26-7K4Q-9M2X", "count": 8035, "mean": 2.25, "rate": 0.997, "late": False, "month": dt.date(2026, 3, 1),
     "at": dt.datetime(2026, 3, 2, 2, 30, tzinfo=UTC), "unit": {"name": "Sở Tư pháp"}},
    {"code": "=HYPERLINK(\"http://x\")", "count": -3, "mean": None, "rate": None, "late": True, "month": None,
     "at": None, "unit": None},
]
DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]


def test_csv_is_formula_safe_typed_and_local(app):
    with app.test_request_context("/"):
        text = "".join(exports.csv_lines(Rows(COLUMNS, ROWS)))
        danger = "".join(exports.csv_lines(Rows((Column("text", "Text"),), [{"text": t} for t in DANGEROUS])))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["Mã số", "Đã tiếp nhận", "Số ngày làm việc trung bình để trả lời", "Tỷ lệ đúng hạn", "Trễ hạn",
                       "Tháng", "Thời điểm tiếp nhận (giờ Asia/Ho_Chi_Minh)", "Đơn vị"]
    assert rows[1] == ["PA-26-7K4Q-9M2X", "8035", "2.25", "0.997", "0", "2026-03-01", "2026-03-02 09:30:00", "Sở Tư pháp"]
    # A number is a number, even negative; only text is quoted.
    assert rows[2] == ["'=HYPERLINK(\"http://x\")", "-3", "", "", "1", "", "", ""]
    assert [row[0] for row in csv.reader(io.StringIO(danger[1:]))][1:] == ["'" + t for t in DANGEROUS]


def test_csv_headers_follow_the_language(app):
    with app.test_request_context("/?lang=en"):
        header = next(csv.reader(io.StringIO("".join(exports.csv_lines(Rows(COLUMNS, [])))[1:])))
    assert header[0] == "Tracking code" and header[6] == "Received at (Asia/Ho_Chi_Minh time)"


def test_csv_and_json_are_streamed(app):
    read = []

    def rows():
        for number in range(3 * exports.CHUNK_ROWS):
            read.append(number)
            yield {"code": f"PA-{number}", "count": number}

    with app.test_request_context("/"):
        chunks = exports.csv_lines(Rows(COLUMNS[:2], rows()))
        first = next(chunks)
        assert len(read) <= exports.CHUNK_ROWS + 1  # the first chunk went out before the rest was read
        body = first + "".join(chunks)
    assert len(read) == 3 * exports.CHUNK_ROWS and body.count("\r\n") == 3 * exports.CHUNK_ROWS + 1
    read.clear()
    with app.test_request_context("/"):
        parts = exports.json_chunks({"items": Rows(COLUMNS[:2], rows())})
        head = [next(parts) for _ in range(4)]
        assert len(read) <= exports.CHUNK_ROWS + 1
        data = json.loads("".join(head) + "".join(parts))
    assert [item["count"] for item in data["items"]] == list(range(3 * exports.CHUNK_ROWS))


def test_json_keeps_keys_and_types(app):
    with app.test_request_context("/"):
        data = json.loads("".join(exports.json_chunks({
            "from": dt.date(2026, 3, 1), "target": 1.0, "items": Rows(COLUMNS, ROWS), "empty": Rows(COLUMNS, [])})))
    assert data["from"] == "2026-03-01" and data["target"] == 1.0 and data["empty"] == []
    first, second = data["items"]
    assert first == {"code": "PA-26-7K4Q-9M2X", "count": 8035, "mean": 2.25, "rate": 0.997, "late": False,
                     "month": "2026-03-01", "at": "2026-03-02T09:30:00+07:00", "unit": "Sở Tư pháp"}
    assert second["code"] == "=HYPERLINK(\"http://x\")" and second["late"] is True and second["at"] is None


def test_xlsx_cells_are_typed_with_a_frozen_bold_header(app):
    buffer = io.BytesIO()
    long_text = "Phản ánh về thủ tục cấp giấy chứng nhận quyền sử dụng đất " * 4
    rows = ROWS + [{"code": long_text + "\x07", "count": 1}]
    with app.test_request_context("/"):
        exports.write_xlsx([Rows(COLUMNS, rows, title="Sổ: công khai/2026"), Rows(COLUMNS[:2], [], title="Sổ: công khai/2026")],
                           buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["Sổ  công khai 2026", "Sổ  công khai 2026 (2)"]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    header = [cell for cell in sheet[1]]
    assert [cell.value for cell in header][:2] == ["Mã số", "Đã tiếp nhận"] and all(cell.font.b for cell in header)
    code, count, mean, rate, late, month, at, unit = sheet[2]
    assert count.value == 8035 and count.data_type == "n" and count.number_format == "#,##0"
    assert mean.value == 2.25 and rate.value == 0.997 and rate.number_format == "0.0%"
    assert late.value is False and late.data_type == "b"
    assert month.value == dt.datetime(2026, 3, 1) and month.is_date and month.number_format == "dd/mm/yyyy"
    assert at.value == dt.datetime(2026, 3, 2, 9, 30) and at.number_format == "dd/mm/yyyy hh:mm"
    assert unit.value == "Sở Tư pháp"
    formula = sheet["A3"]
    assert formula.value == "=HYPERLINK(\"http://x\")" and formula.data_type == "s"  # text, never a formula
    assert sheet["B3"].value == -3 and sheet["C3"].value is None
    assert sheet["A4"].value == long_text  # a control character Excel refuses is dropped
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGH"}
    assert widths["A"] == exports.WIDEST + 2  # the long text, capped
    assert widths["G"] >= len("Thời điểm tiếp nhận (giờ Asia/Ho_Chi_Minh)")  # the header fits
    assert 8 <= widths["B"] < 20


def test_download_answers_each_format(app):
    with app.test_request_context("/"):
        table = Rows(COLUMNS, ROWS)
        csv_response = exports.download("csv", "register", table)
        xlsx_response = exports.download("xlsx", "register", Rows(COLUMNS, ROWS))
        json_response = exports.download("json", "register", Rows(COLUMNS, ROWS))
        with pytest.raises(ValueError):
            exports.download("pdf", "register", table)
    assert csv_response.headers.get_all("Content-Type") == ["text/csv; charset=utf-8"]
    assert csv_response.headers["Content-Disposition"] == 'attachment; filename="register.csv"'
    assert csv_response.is_streamed and json_response.is_streamed
    assert xlsx_response.headers["Content-Type"] == exports.MIMETYPES["xlsx"]
    assert xlsx_response.headers["Content-Disposition"] == 'attachment; filename="register.xlsx"'
    assert json_response.mimetype == "application/json"


def test_a_column_has_a_known_type():
    with pytest.raises(ValueError):
        Column("x", "X", "money")
