"""The minutes: draft, the chair's approval, publication as a PDF made by a job (only when its
content changed), corrections as new versions, the published text never edited, and a renderer
that prints markup and links as text without reading a local file or the network."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from feedback.plugins.dialogues import services
from feedback.plugins.dialogues.jobs import render_minutes
from feedback.plugins.dialogues.models import Minutes, PublishedMinutesChanged
from tests.helpers import LOCAL, PASSWORD, Auth, hold_dialogue, images_in, plan_dialogue, png, top_margin_text, user_id

QUESTIONS = 40


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def head(db):
    from feedback.auth.models import User

    return db.session.get(User, user_id("head@example.vn"))


def publish(db, minutes, summary="Hội nghị đã trao đổi thẳng thắn về thủ tục hành chính."):
    actor = head(db)
    day = minutes.session.starts_at.astimezone(LOCAL).date()
    at = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(9), tzinfo=LOCAL)
    services.save_minutes(minutes, summary=summary, changes=minutes.changes or "", actor=actor, now=at)
    services.submit_minutes(minutes, actor, now=at)
    services.approve_minutes(minutes, actor, now=at + dt.timedelta(hours=1))
    db.session.commit()  # the job runs after the commit (inline: at the end of the app context)


def test_minutes_of_forty_questions_as_a_pdf(app, db, client, people):
    session = plan_dialogue()
    minutes = hold_dialogue(session, questions=QUESTIONS, commitments=[
        ("Rút ngắn thời gian chứng thực bản sao xuống còn một ngày làm việc.", "P.STP", 10),
        ("Công khai danh mục giấy tờ phải nộp tại Bộ phận Một cửa của xã.", "P.XA", 5)])
    db.session.commit()
    session_id = session.id
    assert client.get(f"/api/v1/dialogues/{session_id}/minutes.pdf").status_code == 404
    publish(db, minutes)
    from feedback.jobs import run_pending

    run_pending()

    response = client.get(f"/api/v1/dialogues/{session_id}/minutes.pdf")
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) > 3
    text = pdf_text(response.data)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "SỞ TƯ PHÁP",
                     "Số: 01/BB-STP", "BIÊN BẢN", "ngày 10 tháng 3 năm 2027", "Nguyễn Văn Trưởng",
                     "Rút ngắn thời gian chứng thực bản sao xuống còn một ngày làm việc.",
                     "Công khai danh mục giấy tờ phải nộp tại Bộ phận Một cửa của xã.",
                     "10 ngày làm việc", "kết thúc vào lúc 11 giờ 30 phút", "THƯ KÝ", "CHỦ TRÌ",
                     "Ủy ban nhân dân xã Cô Tô"):
        assert expected in text, expected
    for number in range(1, QUESTIONS + 1):
        assert f"Câu hỏi {number}: Câu hỏi số {number} về thủ tục đăng ký" in text
        assert f"Trả lời câu hỏi số {number}: đơn vị tiếp thu" in text
    # Page numbers from the second page on.
    margins = top_margin_text(response.data)
    assert margins[0] == "" and margins[1:4] == ["2", "3", "4"]
    # The minutes are published with the session's page.
    page = client.get(f"/dialogues/{session_id}").text
    assert f"/dialogues/{session_id}/minutes.pdf" in page


def test_the_pdf_is_made_again_only_when_the_minutes_change(app, db, people):
    session = plan_dialogue()
    minutes = hold_dialogue(session, questions=2)
    publish(db, minutes)
    from feedback.jobs import run_pending

    run_pending()
    db.session.expire_all()
    first = db.session.get(Minutes, minutes.id)
    made_at, digest = first.rendered_at, first.pdf_sha256
    assert first.pdf and made_at is not None
    assert render_minutes(first.id) == "already rendered"
    db.session.expire_all()
    assert db.session.get(Minutes, minutes.id).rendered_at == made_at

    # A correction is a new version with its own PDF; the first stays as it was, superseded.
    actor = head(db)
    later = dt.datetime(2027, 3, 20, 9, tzinfo=LOCAL)
    correction = services.start_correction(session, actor, now=later)
    assert correction.version == 2
    with pytest.raises(services.Invalid):
        services.submit_minutes(correction, actor, now=later)  # a correction must say what changed
    correction.changes = "Sửa tên người trả lời câu hỏi số 2."
    publish(db, correction, summary="Hội nghị đã trao đổi; bản đính chính sửa tên người trả lời.")
    run_pending()
    db.session.expire_all()
    old, new = db.session.get(Minutes, minutes.id), db.session.get(Minutes, correction.id)
    assert (old.status, new.status) == ("superseded", "published")
    assert old.pdf_sha256 == digest and new.pdf_sha256 != digest
    assert "Nội dung thay đổi: Sửa tên người trả lời câu hỏi số 2." in pdf_text(new.pdf)
    assert "Số: 01/BB-STP" in pdf_text(new.pdf)


def test_a_published_version_is_never_edited(app, db, people):
    minutes = hold_dialogue(plan_dialogue(), questions=1)
    publish(db, minutes)
    minutes = db.session.get(Minutes, minutes.id)
    minutes.summary = "Một nội dung khác"
    with pytest.raises(PublishedMinutesChanged):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(services.Conflict):
        services.save_minutes(db.session.get(Minutes, minutes.id), summary="Khác", actor=head(db))


def test_only_the_chair_approves_and_may_send_back(app, db, people):
    from feedback.auth.models import User

    minutes = hold_dialogue(plan_dialogue(), questions=1)
    officer = db.session.get(User, user_id("officer@example.vn"))
    services.submit_minutes(minutes, officer)
    with pytest.raises(services.Forbidden):
        services.approve_minutes(minutes, officer)
    with pytest.raises(services.Invalid):
        services.return_minutes(minutes, "", head(db))
    services.return_minutes(minutes, "Bổ sung phần kết luận.", head(db))
    assert (minutes.status, minutes.content) == ("draft", None)


def test_every_question_is_answered_before_the_chair_sees_the_minutes(app, db, people):
    minutes = hold_dialogue(plan_dialogue(), questions=2, answered=False)
    with pytest.raises(services.Invalid) as refused:
        services.submit_minutes(minutes, head(db))
    assert "1, 2" in str(refused.value.fields["questions"])
    assert minutes.status == "draft"


def test_the_minutes_workflow_on_the_staff_pages(app, db, client, people):
    session = plan_dialogue()
    minutes = hold_dialogue(session, questions=1)
    db.session.commit()
    Auth(client).login("officer@example.vn", PASSWORD)
    url = f"/staff/dialogues/{session.id}/actions"
    sent = client.post(url, data={"action": "submit_minutes", "summary": "Tóm tắt nội dung hội nghị."})
    assert sent.status_code == 302, sent.text
    refused = client.post(url, data={"action": "approve_minutes"})
    assert refused.status_code == 403
    Auth(client).logout()
    Auth(client).login("head@example.vn", PASSWORD)
    page = client.get(f"/staff/dialogues/{session.id}").text
    assert "Approve and publish" in page or "Duyệt và công bố" in page
    approved = client.post(url, data={"action": "approve_minutes"})
    assert approved.status_code == 302, approved.text
    db.session.expire_all()
    published = db.session.get(Minutes, minutes.id)
    assert published.status == "published" and published.pdf is not None
    assert client.get(f"/dialogues/{session.id}/minutes.pdf").data == published.pdf
    # Public, it changes rarely: a visitor who has it already is answered 304 (HTTP caching).
    Auth(client).logout()
    public = client.get(f"/dialogues/{session.id}/minutes.pdf")
    assert public.data == published.pdf and public.headers["ETag"]
    again = client.get(f"/dialogues/{session.id}/minutes.pdf", headers={"If-None-Match": public.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


# --- nothing is fetched ------------------------------------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    requests: list = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_markup_and_links_in_the_texts_are_printed_not_fetched(app, db, people, tmp_path, loopback_server):
    planted = tmp_path / "planted.png"
    planted.write_bytes(png(40, 40))
    local_image = f'<img src="file://{planted}">'
    remote_image = f'<img src="{loopback_server}/tracker.png">'
    style = f'<link rel="stylesheet" href="{loopback_server}/style.css"><style>@import url("file://{planted}");</style>'
    actor = head(db)
    session = plan_dialogue(online_link=f"{loopback_server}/meet")
    day = session.starts_at.astimezone(LOCAL).date()
    before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(15), tzinfo=LOCAL)
    question = services.ask(session, title="Ảnh minh họa <b>đậm</b>", body=f"Xem ảnh {local_image} và {remote_image} "
                            f"cùng {style} trong hồ sơ.", now=before)
    during = dt.datetime.combine(day, dt.time(10), tzinfo=LOCAL)
    services.answer(question, f"Trả lời kèm {remote_image} và <a href='file://{planted}'>tệp</a>.", "Trưởng đơn vị",
                    actor, now=during)
    services.add_commitment(session, text=f"Cam kết {local_image} {loopback_server}/cam-ket", unit="P.STP", days=5,
                            actor=actor, now=during)
    minutes = services.mark_held(session, dt.time(11, 30), actor, now=during + dt.timedelta(hours=2))
    publish(db, minutes, summary=f"Tóm tắt {style} {remote_image}")
    from feedback.jobs import run_pending

    run_pending()
    db.session.expire_all()
    pdf = db.session.get(Minutes, minutes.id).pdf
    assert pdf is not None
    assert Recorder.requests == []
    assert images_in(pdf) == 0
    text = pdf_text(pdf)
    assert "<b>đậm</b>" in text
    assert f"file://{planted}" in text.replace(" ", "") or str(planted) in text.replace(" ", "")
    assert f"{loopback_server}/tracker.png" in text.replace(" ", "")
    assert f"{loopback_server}/meet" in text.replace(" ", "")


def test_the_minutes_only_print_what_the_public_may_read(app, db, people):
    actor = head(db)
    session = plan_dialogue()
    day = session.starts_at.astimezone(LOCAL).date()
    before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(15), tzinfo=LOCAL)
    question = services.ask(session, title="Hồ sơ của bà Lê Thị Mận", body="Tôi là Lê Thị Mận, số điện thoại "
                            "0912 345 678, e-mail man@example.vn, căn cước 001203004005; hồ sơ bị trễ.",
                            name="Lê Thị Mận", phone="0912345678", consent=True, now=before)
    services.answer(question, "Đơn vị sẽ liên hệ bà Lê Thị Mận qua số 0912345678.", "Trưởng đơn vị", actor,
                    now=dt.datetime.combine(day, dt.time(10), tzinfo=LOCAL))
    minutes = services.mark_held(session, dt.time(11), actor, now=dt.datetime.combine(day, dt.time(12), tzinfo=LOCAL))
    publish(db, minutes)
    from feedback.jobs import run_pending

    run_pending()
    db.session.expire_all()
    text = pdf_text(db.session.scalar(select(Minutes).where(Minutes.id == minutes.id)).pdf)
    for secret in ("Lê Thị Mận", "0912 345 678", "0912345678", "man@example.vn", "001203004005"):
        assert secret not in text
    assert "[họ tên]" in text and "[số điện thoại]" in text


def test_the_minutes_take_their_number_from_the_units_register(app, db, people):
    """Letters, minutes and reports share the unit's register of outgoing documents: numbers follow
    each other whatever the kind; sending the minutes back and again keeps the number they took."""
    from feedback import numbering
    from feedback.units.services import get_unit

    numbering.take_one(get_unit("P.STP"), "PXL", dt.date(2027, 1, 12), "a letter of apology")
    minutes = hold_dialogue(plan_dialogue(), questions=1)
    actor = head(db)
    services.save_minutes(minutes, summary="Hội nghị đã trao đổi.", changes="", actor=actor)
    services.submit_minutes(minutes, actor)
    assert minutes.content["number"] == "02/BB-STP"
    services.return_minutes(minutes, "Bổ sung kết luận.", actor)
    services.submit_minutes(minutes, actor)
    assert minutes.content["number"] == "02/BB-STP"
    lines = db.session.scalars(numbering.register(get_unit("P.STP"), 2027)).all()
    assert [(line.reference, line.kind) for line in lines] == [("01/PXL-STP", "PXL"), ("02/BB-STP", "BB")]
