"""The report to the People's Committee: a month of a province counted by hand (answered on time and
late, late then transferred, open and overdue, extensions, transfers, escalations, letters, by
channel, topic and status), the same figures in the PDF's text and in the XLSX, the staff page and
the command; a period in the future is refused and nothing is made."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from feedback.plugins.accountability import report
from feedback.units.services import get_unit
from tests.helpers import pdf_lines, pdf_text

from .conftest import ANSWER, act, file_item, local, login, token

REASON = "Cần xác minh thêm tại hiện trường"


def tick(runner, clock, when):
    clock.set(when)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def november(runner, client, db, people, clock):
    """November 2026 in the test province, counted by hand:
    - A (Sở Tư pháp, in person): received 02/11, answered 03/11: on time.
    - B (Sở Tư pháp, in person): received 02/11, due 16/11, answered 20/11: late, and a letter.
    - C (Sở Tư pháp, hotline): received 02/11, due 16/11, still open on 18/11 and transferred to the
      commune: late against the department; the commune's new deadline (02/12) is not past.
    - D (commune, mailbox, staff conduct): received 03/11, due 17/11, never answered: open and overdue
      at the end, escalated to the province and a letter.
    - E (Sở Tư pháp, in person, petition): received 09/11, extended by 5 working days, still within it.
    - F (Sở Tư pháp, in person): received 02/12: outside the month.
    """
    clock.set(local(2026, 11, 2, 10))
    officer, head, commune_head = token(client), token(client, "head@example.vn"), token(client, "xa@example.vn")
    a = file_item(client, officer, received_at=local(2026, 11, 2, 9))["code"]
    b = file_item(client, officer, received_at=local(2026, 11, 2, 9))["code"]
    c = file_item(client, officer, received_at=local(2026, 11, 2, 9), channel="hotline")["code"]
    clock.set(local(2026, 11, 3, 10))
    act(client, head, a, "respond", body=ANSWER)
    d = file_item(client, officer, received_at=local(2026, 11, 3, 9), unit="P.XA", channel="mailbox",
                  topic="conduct")["code"]
    clock.set(local(2026, 11, 9, 10))
    e = file_item(client, officer, received_at=local(2026, 11, 9, 9), kind="petition")["code"]
    act(client, head, e, "extend", days=5, reason=REASON)
    tick(runner, clock, local(2026, 11, 18, 8))  # B, C and D are overdue: letters, escalations
    clock.set(local(2026, 11, 18, 9))
    act(client, officer, c, "transfer", unit="P.XA", grounds="not_competent", reason="Thuộc thẩm quyền của xã")
    clock.set(local(2026, 11, 20, 9))
    act(client, head, b, "respond", body=ANSWER)
    clock.set(local(2026, 12, 2, 10))
    file_item(client, officer, received_at=local(2026, 12, 2, 9))
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "commune_head": commune_head}


def test_a_month_of_the_province_matches_the_hand_count(db, november):
    figures = report.build(get_unit("P"), report.parse_period("2026-11"))
    lines = {unit.code: figures.lines[unit.id] for unit in figures.units}
    assert [unit.code for unit in figures.units] == ["P", "P.STP", "P.XA"]
    assert lines["P.STP"] == {"received": 3, "answered_on_time": 1, "answered_late": 1, "late_transferred": 1,
                              "open_overdue": 0, "extensions": 1, "transfers": 1, "escalations": 2,
                              "apology_letters": 2}
    # C was received by the department and is now the commune's: "received" counts it where it is;
    # its escalation and its lateness stay with the department, which held it then.
    assert lines["P.XA"] == {"received": 2, "answered_on_time": 0, "answered_late": 0, "late_transferred": 0,
                             "open_overdue": 1, "extensions": 0, "transfers": 0, "escalations": 1,
                             "apology_letters": 1}
    assert lines["P"] == dict.fromkeys(report.MEASURES, 0)
    assert figures.totals["received"] == 5
    assert figures.by_channel["in_person"] == 3 and figures.by_channel["hotline"] == 1 and figures.by_channel["mailbox"] == 1
    assert figures.by_topic["conduct"] == 1 and figures.by_topic["procedure"] == 4
    assert figures.by_status == {"assigned": 3, "responded": 2}
    # Answered on time (1) over answered (2), late then transferred (1) and open and overdue (1).
    assert figures.on_time_rate == pytest.approx(1 / 4)
    assert figures.complete


def test_a_quarter_and_a_unit_alone(db, november):
    quarter = report.build(get_unit("P"), report.parse_period("2026-Q4"))
    assert quarter.period.label == "quý IV năm 2026"
    assert quarter.totals["received"] == 6  # F too
    alone = report.build(get_unit("P.XA"), report.parse_period("2026-11"))
    assert [unit.code for unit in alone.units] == ["P.XA"] and alone.totals["open_overdue"] == 1


def test_the_pdf_reads_back_every_block(db, november):
    figures = report.build(get_unit("P"), report.parse_period("2026-11"))
    pdf = report.pdf(figures)
    text = pdf_text(pdf)
    lines = pdf_lines(pdf)
    assert "ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Số: /BC-UBND" in text
    assert "Thử nghiệm, ngày 02 tháng 12 năm 2026" in text
    assert "BÁO CÁO" in lines
    assert "Tình hình tiếp nhận, xử lý phản ánh, kiến nghị tháng 11 năm 2026" in text
    assert "(từ ngày 01/11/2026 đến ngày 30/11/2026)" in text
    assert "tiếp nhận 5 phản ánh, kiến nghị" in text
    assert "Đường dây nóng 1" in lines and "Hòm thư / văn bản giấy 1" in lines and "Trực tiếp 3" in lines
    assert "Đã trả lời đúng hạn 1, trả lời trễ hạn 1, trễ hạn rồi chuyển đơn vị khác 1, chưa trả lời và đã quá hạn 1" \
        in text
    assert "gia hạn 1 lượt, chuyển đơn vị 1 lượt, báo cáo vượt cấp 3 lượt, gửi 3 phiếu xin lỗi" in text
    assert "Tỷ lệ đúng hạn: 25,0%" in text
    assert "Sở Tư pháp 3 1 1 1 0 1 1 2 2" in text
    assert "Ủy ban nhân dân xã Cô Tô 2 0 0 0 1 0 0 1 1" in text
    assert "Tổng cộng 5 1 1 1 1 1 1 3 3" in text
    assert "Nơi nhận:" in text and "- Như trên;" in text and "- Lưu: VT." in text
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text and "Trần Quốc Tỉnh" in text


def test_the_workbook_holds_the_same_figures(db, november):
    figures = report.build(get_unit("P"), report.parse_period("2026-11"))
    book = load_workbook(io.BytesIO(report.xlsx(figures)), read_only=True)
    units = list(book.worksheets[0].iter_rows(values_only=True))
    assert units[0][:3] == ("Mã đơn vị", "Đơn vị", "Đã tiếp nhận")
    assert units[2] == ("P.STP", "Sở Tư pháp", 3, 1, 1, 1, 0, 1, 1, 2, 2)
    assert units[-1][2:] == (5, 1, 1, 1, 1, 1, 1, 3, 3)
    channels = {row[0]: row[2] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert (channels["in_person"], channels["hotline"], channels["mailbox"]) == (3, 1, 1)
    book.close()


def test_a_period_in_the_future_or_malformed_is_refused(db, people, clock):
    from feedback.errors import Invalid

    today = dt.date(2026, 12, 2)
    with pytest.raises(Invalid, match="chưa bắt đầu"):
        report.parse_period("2027-01", today)
    with pytest.raises(Invalid, match="chưa bắt đầu"):
        report.parse_period("2027-Q1", today)
    for bad in ("2026-13", "2026-Q5", "tháng 11", "", "26-11"):
        with pytest.raises(Invalid):
            report.parse_period(bad, today)
    assert report.parse_period("2026-12", today).slug == "2026-12"  # begun: figures so far


def test_the_staff_page_and_its_downloads(client, db, november):
    login(client, "tinh@example.vn")
    page = client.get("/staff/reports/committee?unit=P&period=2026-11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "tháng 11 năm 2026" in html and "25.0%" in html
    assert "/staff/reports/committee.pdf?unit=P&amp;period=2026-11" in html
    pdf = client.get("/staff/reports/committee.pdf?unit=P&period=2026-11")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Tổng cộng 5 1 1 1 1 1 1 3 3" in pdf_text(pdf.data)
    xlsx = client.get("/staff/reports/committee.xlsx?unit=P&period=2026-Q4")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    # A future period: a clear refusal at the field, nothing made.
    refused = client.get("/staff/reports/committee?unit=P&period=2027-01", headers={"Accept-Language": "vi"})
    assert refused.status_code == 422
    assert 'id="period-error"' in refused.get_data(as_text=True)
    future = client.get("/staff/reports/committee.pdf?unit=P&period=2027-01")
    assert future.status_code == 422 and future.mimetype == "text/html"


def test_staff_report_only_on_their_own_units(client, db, november):
    login(client, "xa@example.vn")
    assert client.get("/staff/reports/committee.pdf?unit=P&period=2026-11").status_code == 404
    assert client.get("/staff/reports/committee.pdf?unit=P.XA&period=2026-11").status_code == 200
    client.post("/logout")
    assert client.get("/staff/reports/committee.pdf?unit=P&period=2026-11").status_code == 302


def test_the_command_writes_the_report_and_refuses_the_future(runner, db, november, tmp_path):
    target = tmp_path / "report.xlsx"
    result = runner.invoke(args=["committee-report", "--unit", "P", "--period", "2026-11", "--format", "xlsx",
                                 "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "5 received, 1 answered on time, 1 late, 1 open and overdue" in result.output
    assert target.read_bytes()[:2] == b"PK"
    refused = runner.invoke(args=["committee-report", "--unit", "P", "--period", "2099-01",
                                  "--output", str(tmp_path / "future.pdf")])
    assert refused.exit_code != 0 and "chưa bắt đầu" in refused.output
    assert not (tmp_path / "future.pdf").exists()
