"""Answering on the web: public links, the kiosk and invitations, without JavaScript; every refusal
is shown at its question and stores nothing; the honeypot and the rate limit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.surveys import builder, services
from feedback.surveys.models import Survey, SurveyAnswer, SurveyResponse
from tests.helpers import file_item, login, survey_answers, survey_questions

PAGE = "/s/sipas/P.STP"


def stored(app) -> tuple[int, int]:
    with app.app_context():
        return (_db.session.scalar(select(func.count(SurveyResponse.id))),
                _db.session.scalar(select(func.count(SurveyAnswer.id))))


def form(app, sipas, **by_name) -> dict:
    with app.app_context():
        data = survey_answers(sipas, form=True, **by_name)
        data["version"] = str(_db.session.get(Survey, sipas).published.id)
    return data


def error_at(page: str, question_id: int) -> str:
    """The error shown inside the question's own block."""
    found = re.search(rf'id="q{question_id}(?:-block)?".*?<p class="error" id="q{question_id}-error">([^<]+)</p>',
                      page, re.S)
    assert found, f"no error at question {question_id}"
    return found.group(1)


def test_the_page_shows_every_question_vietnamese_first_with_english(client, sipas):
    page = client.get(PAGE).text
    assert "Khảo sát sự hài lòng về sự phục vụ hành chính" in page and "Sở Tư pháp" in page
    assert page.count('type="radio"') > 5 * 18
    assert "Rất hài lòng" in page and "<script" not in page
    english = client.get(PAGE + "?lang=en").text
    assert "Very satisfied" in english and "Overall, how satisfied are you" in english


def test_conditional_questions_are_grouped_and_explained(app, client, sipas):
    page = client.get(PAGE).text
    with app.app_context():
        sent = survey_questions(sipas)["feedback_sent"].position
    assert page.count('class="conditional"') == 2
    assert f"Chỉ trả lời nếu bạn đã trả lời “Có” ở câu {sent}." in page
    # Optional and conditional questions can be left (or set back to) unanswered without JavaScript.
    assert page.count("Không trả lời") >= 4


def test_answering_stores_the_response_and_thanks(app, client, sipas):
    response = client.post(PAGE, data=form(app, sipas, comment="Nhân viên rất chu đáo."))
    assert response.status_code == 302 and response.headers["Location"].startswith("/s/sipas/P.STP/thanks")
    assert "Cảm ơn" in client.get(response.headers["Location"]).text
    with app.app_context():
        saved = _db.session.scalar(select(SurveyResponse))
        assert saved.channel == "link" and saved.unit.code == "P.STP" and saved.locale == "vi"
        assert saved.sender_hash == services.sender_hash("sender", "127.0.0.1")
        assert any(answer.text == "Nhân viên rất chu đáo." for answer in saved.answers)


def test_answers_about_a_procedure(app, client, sipas):
    with app.app_context():
        from feedback.procedures.models import Procedure
        from feedback.units.services import get_unit

        _db.session.add(Procedure(code="1.000.STP", name="Cấp phiếu lý lịch tư pháp", unit=get_unit("P.STP")))
        _db.session.commit()
    assert "Cấp phiếu lý lịch tư pháp" in client.get(PAGE + "/1.000.STP").text
    assert client.post(PAGE + "/1.000.STP", data=form(app, sipas)).status_code == 302
    assert client.get(PAGE + "/NO.SUCH").status_code == 404
    with app.app_context():
        assert _db.session.scalar(select(SurveyResponse)).procedure.code == "1.000.STP"
        assert {answer.procedure_id for answer in _db.session.scalars(select(SurveyAnswer))} != {None}


@pytest.mark.parametrize("case", ["outside the scale", "missing required", "hidden by its condition",
                                  "text too long", "another version"])
def test_bad_answers_are_shown_at_their_question_and_nothing_is_stored(app, client, sipas, case):
    with app.app_context():
        q = survey_questions(sipas)
        target = q["overall"].id
        data = form(app, sipas)
        if case == "outside the scale":
            data[f"q{target}"] = ["9"]
        elif case == "missing required":
            del data[f"q{target}"]
        elif case == "hidden by its condition":
            target = q["feedback_received"].id
            data[f"q{q['feedback_sent'].id}"] = ["0"]
            data[f"q{target}"] = ["4"]
        elif case == "text too long":
            target = q["comment"].id
            data[f"q{target}"] = ["x" * 2001]
        else:
            target = builder.new_draft(_db.session.get(Survey, sipas)).questions[0].id
            _db.session.commit()
            data[f"q{target}"] = ["5"]
    response = client.post(PAGE, data=data)
    assert response.status_code == 422
    page = response.text
    assert stored(app) == (0, 0)
    assert "Xin sửa các mục sau" in page or "Please correct" in page or "error-summary" in page
    if case == "another version":
        assert "không thuộc phiên bản 1" in page
    else:
        message = error_at(page, target)
        assert {"outside the scale": "không phải là một lựa chọn", "missing required": "Xin trả lời",
                "hidden by its condition": "Hãy để trống câu này", "text too long": "Tối đa 2000 ký tự"}[case] in message
        assert f'href="#q{target}"' in page


def test_a_refused_form_keeps_what_was_answered(app, client, sipas):
    with app.app_context():
        q = survey_questions(sipas)
    data = form(app, sipas, comment="Góp ý của tôi")
    del data[f"q{q['overall'].id}"]
    page = client.post(PAGE, data=data).text
    assert f'name="q{q["access_place"].id}" value="5" checked' in page
    assert "Góp ý của tôi</textarea>" in page


def test_the_honeypot_stores_nothing(app, client, sipas):
    assert client.post(PAGE, data={**form(app, sipas), "website": "http://spam.example"}).status_code == 400
    assert stored(app) == (0, 0)


def test_a_new_version_published_meanwhile_sends_the_person_to_it(app, client, sipas):
    data = form(app, sipas)
    with app.app_context():
        survey = _db.session.get(Survey, sipas)
        builder.publish(builder.new_draft(survey))
        _db.session.commit()
    response = client.post(PAGE, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert "cập nhật trong lúc bạn trả lời" in client.get(PAGE).text
    assert stored(app) == (0, 0)


def test_closed_surveys_and_unknown_units_are_not_found(app, client, sipas):
    assert client.get("/s/sipas/NOPE").status_code == 404
    assert client.get("/s/nope/P.STP").status_code == 404
    with app.app_context():
        builder.archive(_db.session.get(Survey, sipas))
        _db.session.commit()
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, data={}).status_code == 404


def test_choosing_the_unit_without_javascript(client, sipas):
    assert client.get("/s").headers["Location"].startswith("/s/sipas")
    page = client.get("/s/sipas").text
    assert 'value="P.STP"' in page and 'value="P.XA"' in page
    assert client.get("/s/sipas?unit=P.XA").headers["Location"] == "/s/sipas/P.XA"


def test_the_public_link_is_limited_per_address_but_an_enrolled_kiosk_is_not(make_app, sipas):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SURVEY="2 per minute")
    client = app.test_client()
    data = form(app, sipas)
    assert [client.post(PAGE, data=data).status_code for _ in range(3)] == [302, 302, 429]
    kiosk = app.test_client()
    login(kiosk)
    assert kiosk.post("/staff/surveys/kiosk", data={"unit": "P.STP"}).status_code == 302
    kiosk.post("/logout")
    assert kiosk.get("/kiosk/survey").headers["Location"] == "/kiosk/s/sipas/P.STP"
    statuses = [kiosk.post("/kiosk/s/sipas/P.STP", data=data).status_code for _ in range(4)]
    assert statuses == [302] * 4
    with app.app_context():
        channels = _db.session.scalars(select(SurveyResponse.channel).order_by(SurveyResponse.id)).all()
    assert channels == ["link", "link"] + ["kiosk"] * 4
    # A forged kiosk cookie is no kiosk.
    forged = app.test_client()
    forged.set_cookie("feedback_survey_kiosk", "eyJ1bml0IjoiUC5TVFAifQ.forged")
    assert forged.post(PAGE, data=data).status_code == 429


def test_the_kiosk_offers_the_survey(client, sipas):
    page = client.get("/kiosk").text
    assert "Đánh giá sự hài lòng" in page and 'href="/kiosk/survey"' in page
    assert "/s/sipas" in client.get("/kiosk/survey").text
    thanks = client.get("/s/sipas/P.STP/thanks?kiosk=1").text
    assert 'data-idle-reset="/kiosk/s/sipas/P.STP"' in thanks and 'http-equiv="refresh"' not in thanks


def test_an_invitation_answers_once(app, client, sipas):
    code = file_item(client)["code"]
    with app.app_context():
        from feedback.items.services import find_item

        _invitation, secret = services.new_invitation(_db.session.get(Survey, sipas), find_item(code), days=30)
        _db.session.commit()
    link = f"/i/{secret}"
    page = client.get(link).text
    assert "Sở Tư pháp" in page and code not in page
    assert client.post(link, data=form(app, sipas)).status_code == 302
    again = client.get(link)
    assert again.status_code == 409 and "đã được dùng" in again.text
    assert client.post(link, data=form(app, sipas)).status_code == 409
    assert client.get("/i?code=" + services.display_code(secret).lower()).status_code == 409
    assert client.get("/i?code=AAAAA-BBBBB").status_code == 404
    with app.app_context():
        response = _db.session.scalar(select(SurveyResponse))
        assert stored(app)[0] == 1 and response.channel == "invitation" and response.item.code == code
