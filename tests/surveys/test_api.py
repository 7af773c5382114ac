"""The survey API: the open surveys, their questions, answering; refusals in the API's error shape."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.surveys import builder, services
from feedback.surveys.models import Survey, SurveyAnswer, SurveyResponse
from tests.helpers import bearer, file_item, local, survey_answers, survey_questions


def stored(app) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count(SurveyAnswer.id)))


def answers(app, sipas, **by_name) -> dict:
    with app.app_context():
        return survey_answers(sipas, **by_name)


def test_the_open_surveys_are_listed_with_their_id(client, app, sipas):
    with app.app_context():
        builder.create_survey("draft-only", "Chưa công bố")
        _db.session.commit()
    body = client.get("/api/v1/surveys").get_json()
    assert body == {"items": [{"id": sipas, "code": "sipas", "title": "Khảo sát sự hài lòng về sự phục vụ hành chính",
                               "version": 1, "version_id": body["items"][0]["version_id"], "unit": None}]}


def test_a_survey_gives_its_sections_and_questions(client, app, sipas):
    body = client.get(f"/api/v1/surveys/{sipas}", headers={"Accept-Language": "en"}).get_json()
    assert client.get("/api/v1/surveys/sipas").get_json()["id"] == sipas
    assert [section["criterion"] for section in body["sections"]] == [
        "access", "procedure", "civil_servant", "result", "feedback_handling", "overall"]
    questions = {q["name"]: q for section in body["sections"] for q in section["questions"]}
    overall = questions["overall"]
    assert overall["type"] == "scale5" and overall["required"] is True and overall["rated"] is True
    assert [option["value"] for option in overall["options"]] == [1, 2, 3, 4, 5]
    assert overall["options"][-1] == {"value": 5, "label": "Very satisfied", "satisfied": True}
    assert questions["feedback_sent"]["options"] == [{"value": 1, "label": "Yes", "satisfied": False},
                                                     {"value": 0, "label": "No", "satisfied": False}]
    assert questions["feedback_received"]["show_if"] == [{"question": questions["feedback_sent"]["id"], "value": 1}]
    assert questions["comment"]["options"] == [] and questions["comment"]["type"] == "long_text"
    vietnamese = client.get(f"/api/v1/surveys/{sipas}").get_json()
    assert vietnamese["sections"][-1]["questions"][0]["options"][-1]["label"] == "Rất hài lòng"
    assert client.get("/api/v1/surveys/999").status_code == 404


def test_answering_through_the_api(client, app, sipas):
    response = client.post(f"/api/v1/surveys/{sipas}/responses",
                           json={"unit": "P.STP", "answers": answers(app, sipas, comment="Tốt")})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["unit"] == "P.STP" and body["channel"] == "api" and body["version"] == 1
    with app.app_context():
        saved = _db.session.get(SurveyResponse, body["id"])
        assert len(saved.answers) == body["answers"] and saved.month.isoformat() == body["month"]
        assert saved.sender_hash == services.sender_hash("sender", "127.0.0.1")


def test_refusals_name_the_answer_and_store_nothing(client, app, sipas):
    with app.app_context():
        q = survey_questions(sipas)
    bad = answers(app, sipas, overall=6, feedback_sent=0, feedback_received=5)
    response = client.post(f"/api/v1/surveys/{sipas}/responses", json={"unit": "P.STP", "answers": bad})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {f"answers.{q['overall'].id}", f"answers.{q['feedback_received'].id}"}
    english = client.post(f"/api/v1/surveys/{sipas}/responses", json={"unit": "NOPE", "answers": {}},
                          headers={"Accept-Language": "en"}).get_json()["error"]
    assert english["fields"]["unit"] == "Choose a unit from the list."
    assert client.post(f"/api/v1/surveys/{sipas}/responses", json={"unit": "P.STP"}).status_code == 422
    assert stored(app) == 0


def test_the_version_shown_must_be_the_published_one(client, app, sipas):
    with app.app_context():
        old = _db.session.get(Survey, sipas).published.id
        builder.publish(builder.new_draft(_db.session.get(Survey, sipas)))
        _db.session.commit()
    response = client.post(f"/api/v1/surveys/{sipas}/responses",
                           json={"unit": "P.STP", "version": old, "answers": answers(app, sipas)})
    assert response.status_code == 409 and "version" in response.get_json()["error"]["fields"]


def test_an_invitation_code_answers_once(client, app, sipas):
    code = file_item(client)["code"]
    with app.app_context():
        from feedback.items.services import find_item

        _invitation, secret = services.new_invitation(_db.session.get(Survey, sipas), find_item(code), days=30)
        _db.session.commit()
    first = client.post(f"/api/v1/surveys/sipas/responses", json={"code": secret, "answers": answers(app, sipas)})
    assert first.status_code == 201 and first.get_json()["channel"] == "invitation"
    again = client.post(f"/api/v1/surveys/sipas/responses", json={"code": secret, "answers": answers(app, sipas)})
    assert again.status_code == 409 and "code" in again.get_json()["error"]["fields"]


def test_only_staff_date_answers_given_earlier(client, app, sipas):
    earlier = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)).replace(microsecond=0)
    body = {"unit": "P.XA", "answers": answers(app, sipas), "submitted_at": earlier.isoformat()}
    refused = client.post(f"/api/v1/surveys/{sipas}/responses", json=body)
    assert refused.status_code == 422 and "submitted_at" in refused.get_json()["error"]["fields"]
    entered = client.post(f"/api/v1/surveys/{sipas}/responses", json=body, headers=bearer(client))
    assert entered.status_code == 201
    assert entered.get_json()["month"] == services.month_of(earlier).isoformat()
    with app.app_context():
        saved = _db.session.get(SurveyResponse, entered.get_json()["id"])
        assert saved.recorded_at - saved.submitted_at > dt.timedelta(days=39)
    too_old = {**body, "submitted_at": local(2020, 1, 1).isoformat()}
    assert client.post(f"/api/v1/surveys/{sipas}/responses", json=too_old, headers=bearer(client)).status_code == 422


def test_the_openapi_document_describes_the_survey_api(client, sipas):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/surveys", "/api/v1/surveys/{ref}", "/api/v1/surveys/{ref}/responses"} <= set(spec["paths"])
    post = spec["paths"]["/api/v1/surveys/{ref}/responses"]["post"]
    assert {"201", "409", "422", "429"} <= set(post["responses"])
