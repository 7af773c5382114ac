"""The letter of apology as a PDF in the state format (Vietnamese text with its diacritics, the
national motto, the place and date line), who may download it, and what stays private."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from feedback.plugins.accountability.models import ApologyLetter

from tests.helpers import pdf_lines, pdf_text as text_of

from .conftest import ANSWER, act, file_item, local, login, token, user_id

FILER = "Nguyễn Thị Hoa"
PHONE = "0912345678"


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
    # The number from the unit's register, the kind's and the unit's abbreviations (not its code).
    assert "Số: 01/PXL-STP" in text
    assert "V/v xin lỗi và hẹn lại ngày trả lời phản ánh" in text
    assert f"Kính gửi: Ông/Bà {FILER}" in text
    assert letter["code"] in text
    assert "Ngày 30/10/2026, Sở Tư pháp tiếp nhận phản ánh của Ông/Bà Nguyễn Thị Hoa" in text
    assert "17 giờ 00, ngày 13/11/2026" in text
    assert "chưa trả lời được phản ánh của Ông/Bà" in text
    assert "hẹn trả lời vào ngày 23 tháng 11 năm 2026" in text
    assert "GIÁM ĐỐC" in text
    assert "Nguyễn Văn Trưởng" in text
    # Contact data beyond the name is not in the letter.
    assert PHONE not in text
    assert "Hàng Bạc" not in text


def test_every_block_of_the_letter_reads_back_from_the_pdf(letter):
    lines = pdf_lines(letter["pdf"])
    text = " ".join(lines)
    # Top left the issuing unit under its parent, top right the motto; then the number and the date.
    assert text.index("ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM") < text.index("SỞ TƯ PHÁP") < text.index("Số: 01/PXL-STP")
    assert text.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") < text.index("Độc lập - Tự do - Hạnh phúc")
    assert text.index("Kính gửi: Ông/Bà") < text.index("Xin trân trọng cảm ơn./.") < text.index("Nơi nhận:")
    # "Nơi nhận": the addressee, the unit above, and the copy kept by the records office, in that order.
    recipients = text[text.index("Nơi nhận:"):]
    assert recipients.index("- Như trên;") < recipients.index("- Ủy ban nhân dân tỉnh Thử nghiệm (để báo cáo);") \
        < recipients.index("- Lưu: VT.")
    # The head of a department signs in their own name: no "TM.", no "KT.".
    assert "TM." not in text and "KT." not in text
    assert text.index("GIÁM ĐỐC") < text.index("(Ký, ghi rõ họ tên)") < text.index("Nguyễn Văn Trưởng")


def _letter_text(runner, client, db, clock, unit: str, when, *, received=None, name=FILER) -> str:
    clock.set(local(2026, 11, 2, 9) if received is None else received)
    file_item(client, token(client), received_at=received or local(2026, 10, 30, 10), unit=unit,
              contact={"name": name})
    run_tick(runner, clock, when)
    letters = db.session.scalars(select(ApologyLetter).order_by(ApologyLetter.id.desc())).all()
    return text_of(letters[0].pdf)


def test_a_peoples_committee_signs_tm_at_its_own_locality(runner, client, db, people, clock):
    text = _letter_text(runner, client, db, clock, "P.XA", local(2026, 11, 16, 8))
    assert "ỦY BAN NHÂN DÂN XÃ CÔ TÔ" in text
    assert "Số: 01/PXL-UBND" in text
    # The place is the commune's locality, not the province's.
    assert "Cô Tô, ngày 16 tháng 11 năm 2026" in text
    assert "Thử nghiệm, ngày" not in text
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH UBND XÃ" in text
    assert "Phạm Thị Xã" in text


def test_the_locality_and_abbreviation_set_for_the_unit_are_used(runner, client, db, people, clock):
    from feedback.units.services import get_unit, update_unit

    dept = get_unit("P.STP")
    update_unit(dept, code=dept.code, name=dept.name, kind=dept.kind, parent=dept.parent,
                valid_from=dept.valid_from, valid_until=None, abbreviation="STP", locality="Hạ Long")
    db.session.commit()
    text = _letter_text(runner, client, db, clock, "P.STP", local(2026, 11, 16, 8))
    assert "Hạ Long, ngày 16 tháng 11 năm 2026" in text
    assert "Số: 01/PXL-STP" in text


def test_a_deputy_standing_in_for_the_head_signs_kt(runner, client, db, people, clock):
    import datetime as dt

    from feedback.plugins.accountability.models import Delegation

    from feedback.units.services import get_unit

    db.session.add(Delegation(unit_id=get_unit("P.STP").id, delegate_id=user_id("pho@example.vn"), starts_on=dt.date(2026, 11, 9),
                              ends_on=dt.date(2026, 11, 20), reason="Nghỉ phép"))
    db.session.commit()
    text = _letter_text(runner, client, db, clock, "P.STP", local(2026, 11, 16, 8))
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in text
    assert "Hoàng Văn Phó" in text
    assert "Nguyễn Văn Trưởng" not in text


def test_numbers_run_without_gaps_and_start_again_each_year(runner, client, db, people, clock):
    # Two letters of 2026 for the department, then one dated 05/02/2027: "ngày 05 tháng 02".
    clock.set(local(2026, 11, 2, 9))
    for _ in range(2):
        file_item(client, token(client), received_at=local(2026, 10, 30, 10))
    run_tick(runner, clock, local(2026, 11, 16, 8))
    clock.set(local(2027, 1, 5, 9))
    file_item(client, token(client), received_at=local(2027, 1, 5, 9), contact={"name": "  Trần   Văn  An "})
    run_tick(runner, clock, local(2027, 2, 5, 8))
    letters = db.session.scalars(select(ApologyLetter).order_by(ApologyLetter.id)).all()
    assert [(letter.year, letter.reference) for letter in letters] == [
        (2026, "01/PXL-STP"), (2026, "02/PXL-STP"), (2027, "01/PXL-STP")]
    text = text_of(letters[-1].pdf)
    assert "Thử nghiệm, ngày 05 tháng 02 năm 2027" in text
    assert "Kính gửi: Ông/Bà Trần Văn An" in text
    # Every letter is a line of the unit's register of outgoing documents.
    from feedback import numbering
    from feedback.units.services import get_unit

    lines = db.session.scalars(numbering.register(get_unit("P.STP"), 2026)).all()
    assert [(line.reference, line.kind) for line in lines] == [("01/PXL-STP", "PXL"), ("02/PXL-STP", "PXL")]
    assert {letter.document_id for letter in letters[:2]} == {line.id for line in lines}


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
    assert "tiếp nhận kiến nghị của Ông/Bà Lê Văn Bình" in text
    assert "17 giờ 00, ngày 20/11/2026" in text
    assert "đã trả lời sau thời hạn này (ngày 23/11/2026)" in text
    assert "cam kết rút kinh nghiệm" in text
    assert "Thử nghiệm, ngày 23 tháng 11 năm 2026" in text


def test_an_anonymous_filer_is_addressed_as_ong_ba(runner, client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), received_at=local(2026, 10, 30, 10))["code"]
    run_tick(runner, clock, local(2026, 11, 16, 8))
    text = text_of(db.session.scalar(select(ApologyLetter)).pdf)
    letter = db.session.scalar(select(ApologyLetter))
    assert "Kính gửi: Ông/Bà" in pdf_lines(letter.pdf)
    assert "tiếp nhận phản ánh của Ông/Bà, mã số" in text
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
    assert "01/PXL-STP" in html
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
