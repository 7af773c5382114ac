"""A person answers the template on a 390-pixel phone, in real Chromium with JavaScript switched
off, through a real gunicorn server: everything fits the width, every choice is a large target,
one tap per required question, and the answers are stored."""

from __future__ import annotations

import os
import sys

import pytest
from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.surveys.models import SurveyResponse
from tests.helpers import free_port, running, survey_questions

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def server(database_url, app, real_commits, tmp_path):
    """gunicorn on a free loopback port (other processes: the test's commits are real)."""
    port = free_port()
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": database_url, "FEEDBACK_SECRET_KEY": "phone-test",
           "FEEDBACK_RATELIMIT_ENABLED": "false", "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false"}
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "2", "--worker-class", "gthread",
               "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    with running(command, tmp_path / "gunicorn.log", name="gunicorn", env=env, url=base + "/api/v1/units"):
        yield base


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, java_script_enabled=False, locale="vi-VN")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_answering_the_template_on_a_phone_without_javascript(app, sipas, server, phone):
    with app.app_context():
        required = [q.id for q in survey_questions(sipas).values() if q.required and not q.conditions]
        comment = survey_questions(sipas)["comment"].id
    phone.goto(f"{server}/s/sipas/P.STP")
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
    phone.get_by_role("button", name="Gửi câu trả lời").click()
    taps += 1
    phone.wait_for_url("**/thanks**")
    assert "Cảm ơn bạn đã trả lời" in phone.content()
    # About five seconds per tap leaves the whole survey well under two minutes.
    assert taps <= 20
    with app.app_context():
        response = _db.session.scalar(select(SurveyResponse))
        assert _db.session.scalar(select(func.count(SurveyResponse.id))) == 1
        assert response.channel == "link" and len(response.answers) == len(required) + 1


def test_a_refusal_on_a_phone_is_shown_at_the_question(app, sipas, server, phone):
    with app.app_context():
        first = survey_questions(sipas)["access_place"].id
    phone.goto(f"{server}/s/sipas/P.STP")
    phone.get_by_role("button", name="Gửi câu trả lời").click()
    summary = phone.locator(".error-summary")
    assert summary.is_visible() and "Xin trả lời câu hỏi này." in summary.inner_text()
    assert phone.locator(f"#q{first}-error").inner_text() == "Xin trả lời câu hỏi này."
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
