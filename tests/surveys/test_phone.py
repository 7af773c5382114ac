"""A person answers the template on a 390-pixel phone, in real Chromium with JavaScript switched
off, through a real gunicorn server (the shared ``server`` and ``browse`` fixtures): everything fits
the width, every choice is a large target, one tap per required question, the answers are stored,
and axe-core finds nothing serious."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.surveys.models import SurveyResponse
from tests.helpers import survey_questions


def test_answering_the_template_on_a_phone_without_javascript(app, sipas, browse):
    with app.app_context():
        required = [q.id for q in survey_questions(sipas).values() if q.required and not q.conditions]
        comment = survey_questions(sipas)["comment"].id
    visit = browse("phone", javascript=False)
    phone = visit.page
    visit.goto("/s/sipas/P.STP")
    assert phone.locator("script").count() == 0
    # Nothing is wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # Every option is a target of at least 44 by 44 CSS pixels, across the width.
    boxes = [phone.locator("label.option").nth(index).bounding_box() for index in range(0, 60, 7)]
    assert all(box["height"] >= 44 and box["width"] >= 200 for box in boxes), boxes
    taps = 0
    for question_id in required:
        phone.locator(f'input[name="q{question_id}"][value="4"]').check()
        taps += 1
    phone.locator(f'textarea[name="q{comment}"]').fill("Cần thêm ghế chờ.")
    visit.click("Gửi câu trả lời")
    taps += 1
    assert "/thanks" in phone.url
    assert "Cảm ơn bạn đã trả lời" in phone.content()
    # About five seconds per tap leaves the whole survey well under two minutes.
    assert taps <= 20
    with app.app_context():
        response = _db.session.scalar(select(SurveyResponse))
        assert _db.session.scalar(select(func.count(SurveyResponse.id))) == 1
        assert response.channel == "link" and len(response.answers) == len(required) + 1


def test_a_refusal_on_a_phone_is_shown_at_the_question(app, sipas, browse):
    with app.app_context():
        first = survey_questions(sipas)["access_place"].id
    visit = browse("phone", javascript=False)
    phone = visit.page
    visit.goto("/s/sipas/P.STP")
    visit.click("Gửi câu trả lời")
    summary = phone.locator(".error-summary")
    assert summary.is_visible() and "Xin trả lời câu hỏi này." in summary.inner_text()
    assert phone.locator(f"#q{first}-error").inner_text() == "Xin trả lời câu hỏi này."
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
