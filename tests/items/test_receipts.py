"""The receipt (phiếu tiếp nhận): from the filer's receipt page and from the staff item page, A4 and
80 mm, a page to print (no inline style, no script) and a PDF whose every block reads back; the
access key only on the filer's own copy; the QR code leads to the tracking page on the public site."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from feedback.items import receipts
from tests.helpers import pdf_lines, pdf_text, post_form, submission_token, form_data

KEY = re.compile(r'<dd class="code">([^<]+)</dd>')
BASE = "https://phananh.example.vn"


def filed(app, client) -> tuple[str, str]:
    app.config["PUBLIC_BASE_URL"] = BASE
    response = post_form(client)
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[-1]
    key = KEY.findall(client.get(f"/receipt/{code}").get_data(as_text=True))[1]
    return code, key


def test_the_filers_receipt_pdf_carries_every_block_and_the_key(app, client, staff):
    code, key = filed(app, client)
    page = client.get(f"/receipt/{code}").get_data(as_text=True)
    assert f"/receipt/{code}/receipt.pdf?layout=a4" in page and f"/receipt/{code}/print?layout=80mm" in page
    response = client.get(f"/receipt/{code}/receipt.pdf?layout=a4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    lines = pdf_lines(response.data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "SỞ TƯ PHÁP" in text
    assert "PHIẾU TIẾP NHẬN PHẢN ÁNH" in text
    assert f"Mã số {code}" in text
    assert re.search(r"Ngày tiếp nhận \d{2} giờ \d{2}, ngày \d{2}/\d{2}/\d{4}", text)
    assert "Hình thức Cổng thông tin" in lines
    assert "Nội dung liên quan Thủ tục hành chính" in lines
    assert lines.index("PHIẾU TIẾP NHẬN PHẢN ÁNH") < lines.index(f"Mã số {code}") \
        < lines.index("Cách theo dõi kết quả xử lý")
    assert "Đơn vị giải quyết Sở Tư pháp" in text
    assert re.search(r"Hạn trả lời 17 giờ 00, ngày \d{2}/\d{2}/\d{4} \(10 ngày làm việc\)", text)
    assert f"Mã truy cập riêng {key}" in text
    assert "Cách theo dõi kết quả xử lý" in text
    assert f"{BASE}/track/{code}" in text.replace(" ", "")
    # One page of A4.
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (595, 842)


def test_the_80mm_receipt_is_a_roll_for_thermal_printers(app, client, staff):
    code, key = filed(app, client)
    response = client.get(f"/receipt/{code}/receipt.pdf?layout=80mm")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    assert round(float(reader.pages[0].mediabox.width) / 72 * 25.4) == 80
    text = pdf_text(response.data)
    assert "PHIẾU TIẾP NHẬN PHẢN ÁNH" in text and code in text and key in text
    assert "CỘNG HÒA" not in text  # the roll keeps to the unit's name


def test_the_page_to_print_has_the_qr_code_of_the_tracking_page_and_nothing_inline(app, client, staff):
    code, key = filed(app, client)
    for layout in receipts.LAYOUTS:
        response = client.get(f"/receipt/{code}/print?layout={layout}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'class="receipt-document receipt-{layout}"' in html
        assert receipts.qr_data_url(f"{BASE}/track/{code}") in html
        assert key in html
        assert "style=" not in html and "<style" not in html and "<script" not in html
        assert '<link rel="stylesheet" href="/static/documents/receipt.css">' in html
    with client.get("/static/documents/receipt.css") as sheet:
        assert sheet.status_code == 200 and b"@page receipt-80mm" in sheet.data


def test_the_qr_code_encodes_the_public_tracking_link():
    import segno

    link = f"{BASE}/track/PA-26-ABCD-EFGH"
    assert receipts.qr_data_url(link) == segno.make(link, error="m", micro=False).svg_data_uri(scale=4, border=2)
    assert receipts.qr_data_url(link) != receipts.qr_data_url(link + "X")


def test_another_browser_gets_no_copy_of_the_receipt(app, client, staff):
    code, _key = filed(app, client)
    other = app.test_client()
    for url in (f"/receipt/{code}/print", f"/receipt/{code}/receipt.pdf"):
        response = other.get(url)
        assert response.status_code == 302 and response.headers["Location"] == f"/track/{code}"


def test_an_unknown_layout_is_refused_clearly(app, client, staff):
    code, _key = filed(app, client)
    response = client.get(f"/receipt/{code}/receipt.pdf?layout=a5", headers={"Accept-Language": "vi"})
    assert response.status_code == 400
    assert "Không có mẫu phiếu này" in response.get_data(as_text=True)


def test_staff_print_the_receipt_of_a_hotline_item_without_the_key(app, client, auth, staff):
    app.config["PUBLIC_BASE_URL"] = BASE
    auth.login("officer@example.vn")
    data = form_data(channel="hotline", received_at="2026-03-02T08:30")
    data["submission"] = submission_token(client, "/staff/items/new")
    response = client.post("/staff/items/new", data=data)
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/staff/items/{code}").get_data(as_text=True)
    key = re.search(r"access key ([A-Z0-9]+)|mã truy cập ([A-Z0-9]+)", page)
    assert key, "the entry screen tells the officer the key once"
    key = key.group(1) or key.group(2)
    assert f"/staff/items/{code}/receipt.pdf?layout=80mm" in page
    for layout in receipts.LAYOUTS:
        pdf = client.get(f"/staff/items/{code}/receipt.pdf?layout={layout}")
        assert pdf.status_code == 200
        text = pdf_text(pdf.data)
        assert code in text and "Hình thức Đường dây nóng" in text
        assert "02/03/2026" in text
        assert key not in text and "Mã truy cập riêng" not in text
        html = client.get(f"/staff/items/{code}/receipt?layout={layout}").get_data(as_text=True)
        assert key not in html and code in html


def test_another_units_officer_gets_no_receipt(app, client, auth, people):
    code, _key = filed(app, app.test_client())
    auth.login("canbo.xa@example.vn")
    assert client.get(f"/staff/items/{code}/receipt.pdf").status_code == 404
    assert client.get(f"/staff/items/{code}/receipt").status_code == 404
