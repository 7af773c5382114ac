"""The register's and the dashboard's downloads through the public URLs: CSV, XLSX and JSON from one
row definition (same rows, typed cells, local times with the zone named, headers in the visitor's
language, the register's filters and row limit), and the dashboard's charts with their tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from openpyxl import load_workbook

from feedback.exports import MIMETYPES
from tests.helpers import ANSWER, act, bearer, local

from .conftest import file

PERIOD = "date_from=2026-03-01&date_to=2026-03-31"


def _seed(client, clock) -> dict:
    """Three items of P.STP and one of P.XA received on 02/03/2026 at 09:00; one answered on 03/03 at 09:00."""
    clock.set(local(2026, 3, 2, 9))
    head = bearer(client, "head@example.vn")
    answered = file(client, title="=HYPERLINK(\"http://x\") hồ sơ đất đai", publish=True)
    file(client, title="Hồ sơ khai sinh chậm", publish=True)
    file(client, title="Thủ tục cấp phép", publish=True)
    commune = file(client, unit="P.XA", title="Phản ánh ở xã", publish=True)
    clock.set(local(2026, 3, 3, 9))
    act(client, head, answered["code"], "respond", body=ANSWER)
    clock.set(local(2026, 3, 27, 10))
    return {"answered": answered["code"], "commune": commune["code"]}


def _book(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == MIMETYPES["xlsx"]
    return load_workbook(io.BytesIO(response.data))


def _sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_the_register_in_three_formats_holds_the_same_rows(client, people, clock, masked_at_once):
    codes = _seed(client, clock)
    response = client.get("/register/download.csv")
    assert response.headers.get_all("Content-Type") == ["text/csv; charset=utf-8"]
    assert response.headers["Content-Disposition"] == 'attachment; filename="register.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    book = _book(client.get("/register/download.xlsx"))
    items = json.loads(client.get("/register/download.json").get_data(as_text=True))["items"]
    sheet = book.worksheets[0]
    assert sheet.title == "Công khai kết quả"
    cells = _sheet_rows(sheet)
    assert len(rows) == len(cells) == len(items) == 4
    assert [row["Mã số"] for row in rows] == [row["Mã số"] for row in cells] == [item["code"] for item in items]

    by_code = {item["code"]: item for item in items}
    answered = by_code[codes["answered"]]
    assert answered["unit_code"] == "P.STP" and answered["unit"] == "Sở Tư pháp" and answered["late"] is False
    assert answered["received_at"] == "2026-03-02T09:00:00+07:00" and answered["answer"] == ANSWER
    assert answered["deadline_days"] == 10 and isinstance(answered["late_days"], int)
    csv_row = next(row for row in rows if row["Mã số"] == codes["answered"])
    assert csv_row["Thời điểm tiếp nhận (giờ Asia/Ho_Chi_Minh)"] == "2026-03-02 09:00:00"
    assert csv_row["Tiêu đề"] == "'=HYPERLINK(\"http://x\") hồ sơ đất đai"
    xlsx_row = next(row for row in cells if row["Mã số"] == codes["answered"])
    assert xlsx_row["Thời điểm tiếp nhận (giờ Asia/Ho_Chi_Minh)"] == dt.datetime(2026, 3, 2, 9, 0)
    assert xlsx_row["Thời điểm trả lời (giờ Asia/Ho_Chi_Minh)"] == dt.datetime(2026, 3, 3, 9, 0)
    assert xlsx_row["Số ngày làm việc để trả lời"] == 10 and xlsx_row["Trễ hạn"] is False
    assert xlsx_row["Tiêu đề"] == "=HYPERLINK(\"http://x\") hồ sơ đất đai"  # kept as text: never a formula
    assert sheet.freeze_panes == "A2" and all(cell.font.b for cell in sheet[1])
    title_cell = next(cell for cell in sheet[1] if cell.value == "Tiêu đề")
    titles = [row[0] for row in sheet.iter_rows(min_row=2, min_col=title_cell.column, max_col=title_cell.column)]
    assert next(cell for cell in titles if cell.value.startswith("=")).data_type == "s"


def test_downloads_follow_the_filters_the_language_and_the_limit(client, people, clock, monkeypatch):
    codes = _seed(client, clock)
    commune_only = _sheet_rows(_book(client.get("/register/download.xlsx?unit=P.XA")).worksheets[0])
    assert [row["Mã số"] for row in commune_only] == [codes["commune"]]
    english = client.get("/register/download.csv?lang=en&unit=P.XA").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(english[1:])))
    assert header[:2] == ["Tracking code", "Kind"] and "Received at (Asia/Ho_Chi_Minh time)" in header
    assert client.get("/register/download.xlsx?date_from=nonsense").status_code == 400
    assert client.get("/register/download.pdf").status_code == 404

    monkeypatch.setattr("feedback.plugins.register.views.EXPORT_MAX_ROWS", 3)
    assert len(json.loads(client.get("/register/download.json").get_data(as_text=True))["items"]) == 3
    assert len(_sheet_rows(_book(client.get("/register/download.xlsx")).worksheets[0])) == 3
    assert client.get("/register/download.csv").get_data(as_text=True).count("\r\n") == 4  # header and three rows


def test_the_dashboard_figures_as_a_workbook(client, people, clock):
    _seed(client, clock)
    book = _book(client.get(f"/dashboard/stats.xlsx?{PERIOD}"))
    assert book.sheetnames == ["Số liệu theo đơn vị", "Xu hướng theo tháng"]
    units, months = book.worksheets
    assert units.freeze_panes == months.freeze_panes == "A2"
    stp = next(row for row in _sheet_rows(units) if row["Mã đơn vị"] == "P.STP")
    assert (stp["Đã tiếp nhận"], stp["Đã trả lời"], stp["Trả lời đúng hạn"], stp["Đang xử lý"]) == (3, 1, 1, 2)
    # One answered on time, two open past their deadline (16/03): 1 of 3.
    assert (stp["Đang xử lý, quá hạn"], stp["Tỷ lệ đúng hạn"]) == (2, 0.3333)
    rate_cell = next(cell for cell in units[2] if units.cell(1, cell.column).value == "Tỷ lệ đúng hạn")
    assert rate_cell.number_format == "0.0%"
    march = next(row for row in _sheet_rows(months) if row["Tháng"] == dt.datetime(2026, 3, 1))
    assert (march["Trả lời đúng hạn"], march["Trả lời trễ hạn"], march["Tỷ lệ đúng hạn"]) == (1, 0, 0.25)
    assert len(_sheet_rows(months)) == 12
    data = json.loads(client.get(f"/dashboard/stats.json?{PERIOD}").get_data(as_text=True))
    assert data["from"] == "2026-03-01" and data["target"] == 1.0
    assert {row["unit"]: row["received"] for row in data["units"]} == {"P.STP": 3, "P.XA": 1}
    assert client.get("/dashboard/stats.xlsx?date_from=2026-04-01&date_to=2026-03-01").status_code == 400


def test_the_dashboard_shows_each_chart_with_its_table_and_links_every_format(client, people, clock):
    _seed(client, clock)
    page = client.get(f"/dashboard?{PERIOD}").get_data(as_text=True)
    for fmt in ("csv", "xlsx", "json"):
        assert f"/dashboard/stats.{fmt}?" in page
    assert page.count('<figure class="chart-figure"') == 2
    assert 'aria-labelledby="ranking-title"' in page and 'aria-describedby="trend-desc"' in page
    assert "<details class=\"chart-data\">" in page  # the ranking's table, folded
    assert "<th scope=\"row\">03/2026</th><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">25%</td>" in page
    register = client.get("/register").get_data(as_text=True)
    assert all(f"/register/download.{fmt}" in register for fmt in ("csv", "xlsx", "json"))


def test_figures_of_other_plugins_and_of_none_are_downloaded_too(client, make_app, people, clock, register_plugin):
    from feedback import hookimpl

    _seed(client, clock)

    class Satisfaction:
        @hookimpl
        def feedback_unit_statistics(self, units, date_from, date_to, by_month):
            from feedback.units.services import get_unit

            return None if by_month else {get_unit("P.XA").id: {"satisfied_rate": 0.75}}

    register_plugin(Satisfaction())
    rows = list(csv.DictReader(io.StringIO(client.get(f"/dashboard/stats.csv?{PERIOD}").get_data(as_text=True)[1:])))
    assert {row["Mã đơn vị"]: row["satisfied_rate"] for row in rows} == {"P.STP": "", "P.XA": "0.75"}
    units = _book(client.get(f"/dashboard/stats.xlsx?{PERIOD}")).worksheets[0]
    assert {row["Mã đơn vị"]: row["satisfied_rate"] for row in _sheet_rows(units)} == {"P.STP": None, "P.XA": 0.75}

    # Without any plugin that counts answers, the workbook holds the open items and no month sheet.
    book = _book(make_app(DISABLED_PLUGINS=["accountability"]).test_client().get(f"/dashboard/stats.xlsx?{PERIOD}"))
    assert book.sheetnames == ["Số liệu theo đơn vị"]
    rows = {row["Mã đơn vị"]: row for row in _sheet_rows(book.worksheets[0])}
    assert rows["P.STP"]["Đang xử lý"] == 2 and rows["P.STP"]["Đã tiếp nhận"] is None
