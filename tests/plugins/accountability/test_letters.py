"""The letter of apology as a PDF in the state format (Vietnamese text with its diacritics, the
national motto, the place and date line), who may download it, and what stays private."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from feedback.plugins.accountability.models import ApologyLetter

from .conftest import ANSWER, act, file_item, local, login, token

FILER = "Nguyễn Thị Hoa"
PHONE = "0912345678"


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def run_tick(runner, clock, when):
    clock.set(when)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def letter(runner, client, db, people, clock):
    """An item received 30/10/2026, still open on Monday 16/11/2026: tick issues its letter."""
    clock.set(local(2026, 11, 2, 9))
    created = file_item(client, token(client), received_at=local(2026, 10, 30, 10),
                        contact={"name": FILER, "phone": PHONE, "address": "Số 12 phố Hàng Bạc, Hà Nội"})
    run_tick(runner, clock, local(2026, 11, 16, 8))
    found = db.session.scalar(select(ApologyLetter))
    assert found is not None
    return {"code": created["code"], "access_key": created["access_key"], "id": found.id, "pdf": found.pdf}


def test_the_letter_is_in_vietnamese_in_the_state_format(letter):
    text = text_of(letter["pdf"])
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Thử nghiệm, ngày 16 tháng 11 năm 2026" in text
    assert re.search(r", ngày \d{2} tháng \d{1,2} năm \d{4}", text)
    assert "SỞ TƯ PHÁP" in text
    assert "Số: 01/PXL-P.STP" in text
    assert f"Kính gửi: {FILER}" in text
    assert letter["code"] in text
    assert "Ngày 30/10/2026, Sở Tư pháp tiếp nhận phản ánh của Nguyễn Thị Hoa" in text
    assert "17 giờ 00, ngày 13/11/2026" in text
    assert "chưa trả lời được phản ánh" in text
    assert "hẹn trả lời vào ngày 23 tháng 11 năm 2026" in text
    assert "GIÁM ĐỐC" in text
    assert "Nguyễn Văn Trưởng" in text
    # Contact data beyond the name is not in the letter.
    assert PHONE not in text
    assert "Hàng Bạc" not in text


def test_the_letter_is_a4_in_a_serif_font(letter):
    reader = PdfReader(io.BytesIO(letter["pdf"]))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any(re.search(r"Liberation-?Serif|Times", name) for name in fonts), fonts


def test_a_letter_for_an_item_answered_late(runner, client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), received_at=local(2026, 10, 30, 10), kind="petition",
                     contact={"name": "Lê Văn Bình"})["code"]
    # A petition has 15 working days: due Friday 20/11; answered Monday 23/11.
    clock.set(local(2026, 11, 23, 9))
    act(client, token(client, "head@example.vn"), code, "respond", body=ANSWER)
    run_tick(runner, clock, local(2026, 11, 23, 10))
    text = text_of(db.session.scalar(select(ApologyLetter)).pdf)
    assert "tiếp nhận kiến nghị của Lê Văn Bình" in text
    assert "17 giờ 00, ngày 20/11/2026" in text
    assert "đã trả lời sau thời hạn này (ngày 23/11/2026)" in text
    assert "cam kết rút kinh nghiệm" in text
    assert "Thử nghiệm, ngày 23 tháng 11 năm 2026" in text


def test_an_anonymous_filer_is_addressed_as_ong_ba(runner, client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), received_at=local(2026, 10, 30, 10))["code"]
    run_tick(runner, clock, local(2026, 11, 16, 8))
    text = text_of(db.session.scalar(select(ApologyLetter)).pdf)
    assert "Kính gửi: Ông/Bà" in text
    assert code in text


def test_staff_of_the_unit_and_above_download_the_letter(client, letter):
    for email in ("head@example.vn", "officer@example.vn", "tinh@example.vn", "admin@example.vn"):
        login(client, email)
        response = client.get(f"/staff/letters/{letter['id']}.pdf")
        assert response.status_code == 200, email
        assert response.mimetype == "application/pdf"
        assert response.data == letter["pdf"]
        assert response.headers["Cache-Control"] == "private, no-store"
        assert letter["code"] in response.headers["Content-Disposition"]
        client.post("/logout")


def test_another_units_officer_cannot_download_the_letter(client, letter):
    login(client, "canbo.xa@example.vn")
    # Another unit's letter is absent, as one that does not exist.
    assert client.get(f"/staff/letters/{letter['id']}.pdf").status_code == 404
    assert client.get(f"/staff/letters/{letter['id'] + 1000}.pdf").status_code == 404


def test_the_letter_needs_a_login(client, letter):
    response = client.get(f"/staff/letters/{letter['id']}.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_staff_page_links_the_letter(client, letter):
    login(client, "head@example.vn")
    html = client.get(f"/staff/items/{letter['code']}").get_data(as_text=True)
    assert f"/staff/letters/{letter['id']}.pdf" in html
    assert "01/PXL-P.STP" in html
    assert "23/11/2026" in html


def test_the_filer_downloads_the_letter_with_the_access_key(client, letter):
    url = f"/track/{letter['code']}/letters/{letter['id']}.pdf"
    assert client.get(url).status_code == 403
    response = client.post(f"/track/{letter['code']}", data={"key": letter["access_key"], "phone": ""})
    assert response.status_code == 302
    private = client.get(f"/track/{letter['code']}/private").get_data(as_text=True)
    assert url in private
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == letter["pdf"]


def test_the_public_view_of_the_item_has_no_personal_data(client, letter):
    response = client.get(f"/api/v1/items/{letter['code']}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    data = response.get_json()
    assert "apology_issued" in [event["action"] for event in data["timeline"]]
    assert data["overdue"] is True
    for secret in (FILER, PHONE, "Hàng Bạc", "Nguy\\u1ec5n"):
        assert secret not in body
    page = client.get(f"/track/{letter['code']}").get_data(as_text=True)
    for secret in (FILER, PHONE, "Hàng Bạc"):
        assert secret not in page


def test_the_public_tracking_page_does_not_link_the_staff_letter(client, letter):
    page = client.get(f"/track/{letter['code']}").get_data(as_text=True)
    assert "/staff/letters/" not in page
