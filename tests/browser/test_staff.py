"""Journey 2: an officer records a petition received by the hotline and drafts the answer; the head
approves it with its button; the citizen finds it in the public register, rates it unsatisfied, and
the head finds it back in the inbox, reopened. Every page is checked with axe-core."""

from __future__ import annotations

import re

from tests.helpers import item as find_item

TITLE = "Đề nghị rút ngắn thời gian cấp phiếu lý lịch tư pháp"
BODY = "Đề nghị Sở rút ngắn thời gian cấp phiếu lý lịch tư pháp từ 10 ngày xuống 5 ngày làm việc cho người dân."
ANSWER = ("Kính gửi Ông/Bà Trần Văn Bình, Sở Tư pháp đã tiếp thu kiến nghị và sẽ rút ngắn thời gian cấp phiếu lý lịch "
          "tư pháp xuống 7 ngày làm việc từ tháng sau.")


def test_a_hotline_petition_from_entry_to_a_reopening(app, staff, browse):
    desk = browse("desk")
    page = desk.page
    desk.sign_in("officer@example.vn")
    # Staff land on their inbox.
    assert page.url.endswith("/staff/inbox") and page.locator("h1").inner_text() == "Việc của tôi"
    desk.click(page.get_by_role("link", name="Tất cả phản ánh, kiến nghị"))
    desk.goto("/staff/items/new")
    page.get_by_label("Kênh tiếp nhận", exact=True).select_option("hotline")
    page.get_by_label("Kiến nghị", exact=True).check()
    page.get_by_label("Quy định hành chính", exact=True).check()
    page.get_by_label("Đơn vị liên quan", exact=True).select_option("P.STP")
    page.get_by_label("Tiêu đề", exact=True).fill(TITLE)
    page.get_by_label("Nội dung phản ánh hoặc đề xuất", exact=True).fill(BODY)
    page.get_by_label("Họ và tên", exact=True).fill("Trần Văn Bình")
    page.get_by_label("Số điện thoại", exact=True).fill("0987654321")
    page.locator("input[name=consent]").check()
    page.locator("input[name=publish]").check()
    desk.click("Ghi nhận")
    flash = page.locator(".flash").inner_text()
    code, key = re.search(r"([A-Z]{2}-\d{2}-[0-9A-Z]{4}-[0-9A-Z]{4})\b.*\b([0-9A-Z]{10})\b", flash).groups()
    with app.app_context():
        assert find_item(code).channel == "hotline"
    # The officer drafts the answer; an internal note is labelled as one.
    page.locator("summary", has_text="Ghi chú nội bộ").click()
    assert page.get_by_label("Ghi chú nội bộ (chỉ cán bộ xem được)").is_visible()
    page.locator("summary", has_text="Dự thảo trả lời").click()
    page.locator("details[open]", has_text="Dự thảo trả lời").get_by_label("Trả lời", exact=True).fill(ANSWER)
    desk.click(page.locator("details[open]", has_text="Dự thảo trả lời").get_by_role("button", name="Dự thảo trả lời"))
    assert "Dự thảo trả lời, chờ người đứng đầu phê duyệt" in page.locator("main").inner_text()
    # No raw "citizen" or "system" in the history.
    history = page.locator("ol.timeline").inner_text()
    assert "citizen" not in history and "system" not in history
    desk.sign_out()

    # The head approves the draft with its button.
    desk.sign_in("head@example.vn")
    assert page.url.endswith("/staff/inbox")
    desk.click(page.locator("section.inbox-approval").get_by_role("link", name=code))
    desk.screenshot("desk-staff-item")
    desk.click(page.get_by_role("button", name="Phê duyệt"))
    with app.app_context():
        answered = find_item(code)
        assert answered.status == "responded" and answered.published_response.body == ANSWER
    # Its public version waits for a review: the head confirms the masked title, text and answer.
    desk.goto(f"/staff/register/{code}")
    desk.click(page.get_by_role("button", name="Xác nhận bản công khai"))

    # The citizen finds it in the public register, on a phone.
    phone = browse("phone")
    phone.goto("/register")
    phone.page.get_by_label("Từ khóa (có dấu hoặc không dấu) hoặc mã số", exact=True).fill("ly lich tu phap")
    phone.click(phone.page.locator("main form").get_by_role("button", name="Tìm kiếm"))
    assert phone.page.locator(".result-count").inner_text() == "Tìm thấy: 1 phản ánh, kiến nghị."
    # The filters fold away behind their summary; nothing is wider than the phone.
    assert phone.page.locator("details.filter-panel").get_attribute("open") is None
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot("phone-register")
    phone.click(phone.page.locator("main").get_by_role("link", name=TITLE))
    phone.click(phone.page.get_by_role("link", name=re.compile("Hãy mở bằng mã truy cập")))
    phone.page.get_by_label("Mã truy cập riêng", exact=True).fill(key)
    phone.click("Mở phản ánh, kiến nghị của tôi")
    # The filer reads the answer as it was written to them, not masked.
    assert "Kính gửi Ông/Bà Trần Văn Bình" in phone.page.locator(".answer").inner_text()
    phone.click(phone.page.get_by_role("link", name="Đánh giá kết quả trả lời"))
    phone.page.get_by_label("Không hài lòng", exact=True).check()
    phone.click("Gửi đánh giá")
    with app.app_context():
        assert find_item(code).status == "in_progress"

    # Back in the head's inbox, reopened.
    desk.goto("/staff/inbox")
    row = page.locator("main li", has_text=code).first
    desk.click(row.get_by_role("link", name=code))
    assert "Đã mở lại" in page.locator("ol.timeline").inner_text()
    public = browse("phone")
    public.goto(f"/register/items/{code}")
    rated = public.page.locator("ol.timeline li", has_text="Người gửi đã đánh giá")
    assert rated.count() == 1 and "Sở Tư pháp" not in rated.inner_text()
