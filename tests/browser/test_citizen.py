"""Journey 1: a citizen on a 390-pixel phone files a complaint with an attachment, gets the code and
the printable receipt, and looks the item up; then the same without JavaScript, with the keyboard
alone. Every page is checked with axe-core (``browse``)."""

from __future__ import annotations

import re

from feedback.extensions import db as _db
from feedback.items.models import Item
from tests.helpers import PDF, item as find_item

CODE = re.compile(r"[A-Z]{2}-\d{2}-[0-9A-Z]{4}-[0-9A-Z]{4}")
BODY = "Hồ sơ đăng ký khai sinh nộp ngày 3/3 tại bộ phận một cửa đã quá hạn ba tuần mà chưa có kết quả."


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def receipt_facts(page) -> dict:
    facts = page.locator(".receipt dl.facts")
    return dict(zip(facts.locator("dt").all_inner_texts(), facts.locator("dd").all_inner_texts()))


def test_a_citizen_files_on_a_phone_and_looks_the_item_up(app, staff, browse, tmp_path):
    visit = browse("phone")
    page = visit.page
    attachment = tmp_path / "bien-nhan.pdf"
    attachment.write_bytes(PDF)
    visit.goto("/file")
    visit.screenshot("phone-file")
    assert fits_the_width(page)
    page.get_by_label("Đơn vị liên quan", exact=True).select_option("P.STP")
    page.get_by_label("Tiêu đề", exact=True).fill("Hồ sơ khai sinh bị trễ hạn")
    page.get_by_label("Nội dung phản ánh hoặc đề xuất", exact=True).fill(BODY)
    page.get_by_label("Tệp đính kèm (không bắt buộc)", exact=True).set_input_files(str(attachment))
    page.get_by_label("Họ và tên", exact=True).fill("Nguyễn Thị Hoa")
    page.get_by_label("Số điện thoại", exact=True).fill("0912345678")
    # Every checkbox has the size of the others, however long its label.
    sizes = {(round(box["width"]), round(box["height"]))
             for box in (page.locator(f"input[type=checkbox][name={name}]").bounding_box()
                         for name in ("notify_sms", "notify_email", "consent", "publish"))}
    assert len(sizes) == 1, sizes
    page.locator("input[name=consent]").check()
    visit.click("Gửi")
    # Refused for the missing topic: the error is tied to its field, and the file stays on the server.
    assert page.locator(".error-summary").is_visible()
    assert page.locator("fieldset.radios", has_text="Nội dung liên quan đến").get_attribute("aria-describedby") == "topic-error"
    assert page.locator(".kept-files").inner_text().count("bien-nhan.pdf") == 1
    page.get_by_label("Hành vi, thái độ của cán bộ", exact=True).check()
    visit.click("Gửi")

    facts = receipt_facts(page)
    code = facts["Mã số"]
    assert CODE.fullmatch(code)
    assert "Sở Tư pháp" in facts["Đơn vị"]
    visit.screenshot("phone-receipt")
    # The tracking code stays on one line of the phone's screen.
    box = page.locator(".receipt dd.code").first.bounding_box()
    line = page.locator(".receipt dd.code").first.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert box["height"] <= line * 1.2 and box["x"] + box["width"] <= 390, box
    assert fits_the_width(page)
    # Printed, the receipt keeps the code and the key and leaves the menus and buttons out.
    page.emulate_media(media="print")
    assert page.locator(".site-header nav").first.is_hidden() and page.locator(".receipt .actions").is_hidden()
    assert page.locator(".receipt dd.code").first.is_visible()
    page.emulate_media(media="screen")
    with app.app_context():
        filed = find_item(code)
        assert filed.channel == "web" and [a.filename for a in filed.attachments] == ["bien-nhan.pdf"]

    # Someone else (another browser) looks the item up by its code.
    other = browse("phone")
    other.goto("/track")
    other.page.get_by_label("Mã số", exact=True).fill(code.lower())
    other.click("Tra cứu")
    assert other.page.url.endswith(f"/track/{code}")
    assert other.page.locator("h1").inner_text() == f"Phản ánh, kiến nghị {code}"
    assert "Nguyễn Thị Hoa" not in other.page.content() and "0912345678" not in other.page.content()
    other.screenshot("phone-track")


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the field named ``name`` has the focus (a keyboard user's way)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"the field {name!r} cannot be reached with the Tab key")


def test_without_javascript_and_with_the_keyboard_alone(app, staff, browse, tmp_path):
    visit = browse("phone", javascript=False)
    page = visit.page
    attachment = tmp_path / "anh-chup.pdf"
    attachment.write_bytes(PDF)
    visit.goto("/file")
    assert page.locator("script").count() == 0 or page.evaluate("document.documentElement.className") == ""
    tab_to(page, "topic")
    page.keyboard.press("Space")
    assert page.locator("input[name=topic][value=procedure]").is_checked()
    page.get_by_label("Tệp đính kèm (không bắt buộc)", exact=True).set_input_files(str(attachment))
    # Without JavaScript the unit's procedures come from the server; the file chosen stays.
    tab_to(page, "unit")
    page.get_by_label("Đơn vị liên quan", exact=True).select_option("P.STP")
    visit.submit("Hiện các thủ tục của đơn vị này")
    assert page.get_by_label("Đơn vị liên quan", exact=True).input_value() == "P.STP"
    assert "anh-chup.pdf" in page.locator(".kept-files").inner_text()
    tab_to(page, "title")
    page.keyboard.type("Trả kết quả chậm")
    tab_to(page, "body")
    page.keyboard.type(BODY)
    tab_to(page, "consent")
    page.keyboard.press("Space")
    assert page.locator("input[name=consent]").is_checked()
    visit.submit("Gửi")
    code = receipt_facts(page)["Mã số"]
    key = receipt_facts(page)["Mã truy cập riêng"]
    with app.app_context():
        assert [a.filename for a in find_item(code).attachments] == ["anh-chup.pdf"]
    # Looked up by code, then opened with the private key, without JavaScript.
    other = browse("phone", javascript=False)
    other.goto(f"/track?code={code}")
    other.page.get_by_label("Mã truy cập riêng", exact=True).fill(key)
    other.submit("Mở phản ánh, kiến nghị của tôi")
    assert other.page.url.endswith(f"/track/{code}/private")
    assert "anh-chup.pdf" in other.page.locator("main").inner_text()
    # Withdrawing asks first, on a page of its own.
    other.click(other.page.get_by_role("link", name="Rút phản ánh, kiến nghị…"))
    assert other.page.locator("h1").inner_text() == "Rút phản ánh, kiến nghị này?"
    other.click("Không, giữ lại")
    with app.app_context():
        assert find_item(code).status == "assigned"
    other.click(other.page.get_by_role("link", name="Rút phản ánh, kiến nghị…"))
    other.page.get_by_label("Lý do (không bắt buộc)", exact=True).fill("Đã nhận được kết quả.")
    other.click("Đồng ý rút")
    with app.app_context():
        assert find_item(code).status == "withdrawn" and _db.session.query(Item).count() == 1
