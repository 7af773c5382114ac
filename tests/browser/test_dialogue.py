"""Journey 5: an administrator plans a unit's dialogue session and announces it; on the day, two
items are taken as questions and answered, a commitment is made, the session is recorded as held;
the minutes go to the chair (the head), who approves them; the administrator downloads the PDF.
Every page is checked with axe-core."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

from pypdf import PdfReader
from sqlalchemy import update

from feedback.extensions import db as _db
from feedback.plugins.dialogues.models import DialogueSession
from feedback.workdays import Calendar
from tests.helpers import LOCAL, file_item


def test_a_dialogue_from_its_plan_to_the_minutes_pdf(app, staff, client, browse):
    codes = [file_item(client, unit="P.STP", title=f"Hỏi về thủ tục chứng thực số {n}")["code"] for n in (1, 2)]
    with app.app_context():
        calendar = Calendar.load()
        day = dt.datetime.now(LOCAL).date() + dt.timedelta(days=28)
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
    desk = browse("desk")
    page = desk.page
    desk.sign_in("admin@example.vn")
    desk.goto("/staff/dialogues/new")
    page.get_by_label("Đơn vị", exact=True).select_option("P.STP")
    page.get_by_label("Ngày", exact=True).fill(day.isoformat())
    page.get_by_label("Giờ bắt đầu", exact=True).fill("08:00")
    page.get_by_label("Giờ kết thúc", exact=True).fill("11:00")
    page.get_by_label("Địa điểm", exact=True).fill("Hội trường tầng 3, Sở Tư pháp")
    desk.click(page.locator("main form").get_by_role("button", name="Lưu"))
    session_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    desk.click(page.locator("main").get_by_role("button", name="Thông báo"))
    for code in codes:
        page.get_by_label("Mã số phản ánh, kiến nghị", exact=True).fill(code)
        desk.click("Gắn phản ánh, kiến nghị này làm câu hỏi")

    # The day comes (the session is moved to yesterday morning: the server keeps real time).
    with app.app_context():
        yesterday = dt.datetime.combine(dt.datetime.now(LOCAL).date() - dt.timedelta(days=1), dt.time(8), tzinfo=LOCAL)
        _db.session.execute(update(DialogueSession).where(DialogueSession.id == session_id).values(
            starts_at=yesterday.astimezone(dt.timezone.utc),
            ends_at=(yesterday + dt.timedelta(hours=3)).astimezone(dt.timezone.utc)))
        _db.session.commit()
    desk.goto(f"/staff/dialogues/{session_id}")
    for number, question in enumerate(page.locator("article.register-entry", has_text="Hỏi về thủ tục").all(), 1):
        question.locator("summary", has_text="Ghi nhận trả lời").click()
        question.get_by_label("Ý kiến trả lời tại hội nghị").fill(f"Sở sẽ hướng dẫn lại quy trình chứng thực (câu {number}).")
        desk.click(question.get_by_role("button", name="Lưu trả lời"))
    page.get_by_label("Nội dung cam kết", exact=True).fill("Niêm yết lại danh mục giấy tờ chứng thực tại bộ phận một cửa.")
    page.get_by_label("Đơn vị thực hiện", exact=True).select_option("P.STP")
    page.get_by_label("Thời hạn (ngày làm việc)", exact=True).fill("10")
    desk.click("Ghi nhận cam kết")
    page.locator("#minutes ~ form").get_by_label("Giờ kết thúc", exact=True).fill("11:30")
    desk.click("Ghi nhận hội nghị đã tổ chức")
    page.get_by_label("Tóm tắt nội dung hội nghị", exact=True).fill(
        "Hội nghị trao đổi về thủ tục chứng thực; hai câu hỏi được trả lời, một cam kết được ghi nhận.")
    desk.click("Trình chủ trì duyệt")
    desk.screenshot("desk-dialogue")
    desk.sign_out()

    # The chair approves; the minutes are published and their PDF made.
    desk.sign_in("head@example.vn")
    desk.goto(f"/staff/dialogues/{session_id}")
    desk.click("Duyệt và công bố")
    desk.goto(f"/staff/dialogues/{session_id}")
    link = page.locator("#minutes ~ section").get_by_role("link", name="PDF").get_attribute("href")
    # The browser would show it in its viewer: the test fetches it with the same session.
    answer = page.request.get(desk.base + link)
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(answer.body()))
    text = unicodedata.normalize("NFC", " ".join(" ".join(p.extract_text() for p in pdf.pages).split()))
    assert "BIÊN BẢN" in text and "Niêm yết lại danh mục giấy tờ chứng thực" in text
    assert "câu 1" in text and "câu 2" in text
