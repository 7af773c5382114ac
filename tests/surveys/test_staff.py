"""Staff pages: links, QR codes and the poster; downloads of answers without personal data; the
free-text answers of their units; enrolling a kiosk."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from feedback.extensions import db as _db
from feedback.surveys import services
from feedback.surveys.models import Survey
from tests.helpers import login, survey_answers, survey_questions


def answer(app, sipas, unit, **by_name):
    with app.app_context():
        services.submit_response(services.Answering(survey=_db.session.get(Survey, sipas), unit=unit, source="json",
                                                    answers=survey_answers(sipas, **by_name), sender="192.0.2.44"))
        _db.session.commit()


def test_qr_codes_and_the_poster(app, client, sipas):
    login(client, "officer@example.vn")
    svg = client.get(f"/staff/surveys/{sipas}/P.STP/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert b"http://127.0.0.1:5000/s/sipas/P.STP" in svg.data  # its title names the link
    png = client.get(f"/staff/surveys/{sipas}/P.STP/qr.png")
    assert png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    poster = client.get(f"/staff/surveys/{sipas}/P.STP/poster.pdf")
    assert poster.status_code == 200 and poster.data[:5] == b"%PDF-"
    text = PdfReader(io.BytesIO(poster.data)).pages[0].extract_text()
    assert "ĐÁNH GIÁ SỰ HÀI LÒNG" in text and "SỞ TƯ PHÁP" in text and "/s/sipas/P.STP" in text
    assert client.get(f"/staff/surveys/{sipas}/NOPE/qr.svg").status_code == 404
    share = client.get(f"/staff/surveys/{sipas}/share").text
    assert "/s/sipas/P.STP" in share and "/s/sipas/P.XA" not in share  # the officer's own units only
    client.post("/logout")
    assert client.get(f"/staff/surveys/{sipas}/P.STP/poster.pdf").status_code == 302


def test_downloads_hold_no_personal_data_and_only_the_users_units(app, client, sipas):
    answer(app, sipas, "P.STP", comment="Gọi tôi: 0912 345 678 hoặc an@example.vn")
    answer(app, sipas, "P.XA", comment="Ở xã")
    login(client, "officer@example.vn")
    body = client.get(f"/staff/surveys/{sipas}/answers.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 2 and rows[1][3] == "P.STP"
    text = "\n".join(",".join(row) for row in rows)
    assert "0912" not in text and "an@example.vn" not in text and "[số điện thoại]" in text
    with app.app_context():
        assert "192.0.2.44" not in text and services.sender_hash("sender", "192.0.2.44") not in text
    with app.app_context():
        overall = survey_questions(sipas)["overall"]
    assert f"{overall.position}. overall" in rows[0]
    client.post("/logout")
    login(client)
    book = load_workbook(io.BytesIO(client.get(f"/staff/surveys/{sipas}/answers.xlsx").data))
    sheet = book.worksheets[0]
    assert sheet.max_row == 3
    month = services.month_of(services.utcnow()).strftime("%Y-%m")
    assert len(list(csv.reader(io.StringIO(client.get(
        f"/staff/surveys/{sipas}/answers.csv?unit=P.XA&month={month}").data.decode("utf-8-sig"))))) == 2
    assert client.get(f"/staff/surveys/{sipas}/answers.csv?month=2027-13").status_code == 400
    assert client.get(f"/staff/surveys/{sipas}/answers.csv?version=9").status_code == 404


def test_free_text_answers_of_a_unit_for_staff_only(app, client, sipas):
    answer(app, sipas, "P.STP", comment="Số CCCD của tôi là 001099012345, xin gọi lại")
    answer(app, sipas, "P.XA", comment="Ý kiến ở xã")
    assert client.get(f"/staff/surveys/{sipas}/comments").status_code == 302
    login(client, "officer@example.vn")
    page = client.get(f"/staff/surveys/{sipas}/comments").text
    assert "xin gọi lại" in page and "001099012345" not in page and "Ý kiến ở xã" not in page
    assert client.get(f"/staff/surveys/{sipas}/comments?unit=P.XA").status_code == 404
    # Nothing of it is public.
    for url in ("/s/sipas/P.STP", "/api/v1/surveys/sipas", "/s/sipas/P.STP/thanks"):
        assert "xin gọi lại" not in client.get(url).text


def test_free_text_pages_walk_every_answer_once(make_app, sipas):
    app = make_app(PAGE_SIZE=2)
    for number in range(5):
        answer(app, sipas, "P.STP", comment=f"Ý kiến số {number}")
    client = app.test_client()
    login(client)
    seen, url = [], f"/staff/surveys/{sipas}/comments"
    for _ in range(5):
        page = client.get(url).text
        seen += [f"số {n}" for n in range(5) if f"Ý kiến số {n}" in page]
        older = re.search(r'<a href="([^"]+)">Ý kiến cũ hơn</a>', page)
        if older is None:
            break
        url = older.group(1).replace("&amp;", "&")
    assert sorted(seen) == [f"số {n}" for n in range(5)]
