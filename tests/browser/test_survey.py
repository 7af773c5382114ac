"""Journey 3: a citizen answers the satisfaction survey from the QR code of its unit (read back from
the PNG with zbarimg), on a phone without JavaScript; the administrator then reads the month's
answers of that unit: the CSV download and the free-text answers. Every page is checked with
axe-core."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from urllib.parse import urlsplit

from tests.helpers import LOCAL, survey_questions


def test_a_citizen_answers_from_the_qr_code_and_the_administrator_reads_the_month(app, sipas, browse, tmp_path):
    with app.app_context():
        questions = survey_questions(sipas)
        required = [q.id for q in questions.values() if q.required and not q.conditions]
        comment = questions["comment"].id
    desk = browse("desk")
    desk.sign_in("admin@example.vn")
    desk.goto("/staff/surveys")
    desk.click(desk.page.get_by_role("link", name="Đường dẫn, mã QR và áp phích"))
    row = desk.page.locator("tr", has_text="Sở Tư pháp")
    qr = desk.page.request.get(desk.base + row.get_by_role("link", name="PNG").get_attribute("href"))
    assert qr.ok and qr.headers["content-type"] == "image/png"
    (tmp_path / "qr.png").write_bytes(qr.body())
    link = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "qr.png")], capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip()
    assert urlsplit(link).path == "/s/sipas/P.STP" and link.startswith(desk.base)

    phone = browse("phone", javascript=False)
    phone.goto(link)
    phone.screenshot("phone-survey")
    for question_id in required:
        phone.page.locator(f'input[name="q{question_id}"][value="2"]').check()
    phone.page.locator(f'textarea[name="q{comment}"]').fill("Chờ lâu, gọi số 0912 345 678 không ai nghe.")
    phone.click("Gửi câu trả lời")
    assert "Cảm ơn bạn đã trả lời" in phone.page.locator("main").inner_text()

    # The month's answers of the unit, as the administrator downloads them.
    month = dt.datetime.now(LOCAL).strftime("%Y-%m")
    desk.goto("/staff/surveys")
    with desk.page.expect_download() as download:
        desk.page.get_by_role("link", name="Câu trả lời (CSV)").click()
    assert urlsplit(download.value.url).path.endswith("/answers.csv")
    answers = desk.page.request.get(f"{download.value.url}?unit=P.STP&month={month}")
    rows = list(csv.DictReader(io.StringIO(answers.body().decode("utf-8-sig"))))
    assert len(rows) == 1
    assert sum(1 for value in rows[0].values() if value == "2") >= len(required) - 1
    desk.click(desk.page.get_by_role("link", name="Ý kiến ghi bằng lời"))
    text = desk.page.locator("main article").inner_text()
    assert "Chờ lâu" in text and "0912 345 678" not in text
