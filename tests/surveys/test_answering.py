"""Answering through the service: what is stored, and every refusal stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from feedback import hookimpl
from feedback.errors import Conflict, Invalid
from feedback.extensions import db as _db
from feedback.surveys import builder, services
from feedback.surveys.models import Survey, SurveyAnswer, SurveyResponse
from feedback.timeutil import LOCAL_TZ
from tests.helpers import file_item, local, survey_answers, survey_questions


def answering(survey_id, **values):
    values.setdefault("unit", "P.STP")
    values.setdefault("source", "json")
    return services.Answering(survey=_db.session.get(Survey, survey_id), **values)


def stored() -> tuple[int, int]:
    return (_db.session.scalar(select(func.count(SurveyResponse.id))),
            _db.session.scalar(select(func.count(SurveyAnswer.id))))


def test_a_response_stores_one_typed_row_per_answer(app, sipas):
    with app.app_context():
        q = survey_questions(sipas)
        answers = survey_answers(sipas, value=4, feedback_sent=1, feedback_received=2, feedback_informed=5,
                                 comment="  Cần thêm ghế chờ.  ")
        response = services.submit_response(answering(sipas, answers=answers, locale="en", sender="192.0.2.7"))
        rows = {row.question_id: row for row in response.answers}
        assert rows[q["overall"].id].value == 4 and rows[q["overall"].id].satisfied is True
        assert rows[q["feedback_received"].id].satisfied is False
        assert rows[q["feedback_sent"].id].value == 1 and rows[q["feedback_sent"].id].satisfied is None
        assert rows[q["comment"].id].text == "Cần thêm ghế chờ." and rows[q["comment"].id].value is None
        assert q["access_online"].id not in rows  # optional, not answered
        assert response.channel == "link" and response.locale == "en" and response.unit.code == "P.STP"
        assert all(row.unit_id == response.unit_id and row.month == response.month and row.survey_id == sipas
                   for row in response.answers)
        # The sender is a keyed hash, never the address.
        assert response.sender_hash == services.sender_hash("sender", "192.0.2.7")
        assert "192.0.2.7" not in response.sender_hash and len(response.sender_hash) == 64


def test_the_month_is_the_local_month_of_the_answer(app, sipas):
    with app.app_context():
        # 23:30 on the last day of last month in Hà Nội is still that month there, though UTC says
        # 16:30 the same day; 00:30 on the 1st is this month locally, still last month in UTC.
        first = services.utcnow().astimezone(LOCAL_TZ).date().replace(day=1)
        last = first - dt.timedelta(days=1)
        late = services.submit_response(answering(sipas, answers=survey_answers(sipas),
                                                  submitted_at=local(last.year, last.month, last.day, 23, 30)))
        early = services.submit_response(answering(sipas, answers=survey_answers(sipas),
                                                   submitted_at=local(first.year, first.month, 1, 0, 30)))
        assert late.month == last.replace(day=1) and early.month == first
        assert early.submitted_at.astimezone(dt.timezone.utc).month == last.month
        assert early.recorded_at > early.submitted_at


@pytest.mark.parametrize("case", ["outside the scale", "not an option", "text too long", "missing required",
                                  "hidden by its condition", "another version", "no such question", "a string"])
def test_bad_answers_are_refused_at_their_question_and_nothing_is_stored(app, sipas, case):
    with app.app_context():
        q = survey_questions(sipas)
        before = stored()
        answers = survey_answers(sipas)
        target = q["overall"].id
        if case == "outside the scale":
            answers[str(target)] = 6
        elif case == "not an option":
            target = q["feedback_sent"].id
            answers[str(target)] = 2
        elif case == "text too long":
            target = q["comment"].id
            answers[str(target)] = "x" * 2001
        elif case == "missing required":
            del answers[str(target)]
        elif case == "hidden by its condition":
            target = q["feedback_received"].id
            answers[str(q["feedback_sent"].id)] = 0
            answers[str(target)] = 5
        elif case == "another version":
            draft = builder.new_draft(_db.session.get(Survey, sipas))
            target = draft.questions[0].id
            answers[str(target)] = 5
        elif case == "no such question":
            target = "999999"
            answers[target] = 5
        elif case == "a string":
            answers[str(target)] = "5"
        with pytest.raises(Invalid) as refused:
            services.submit_response(answering(sipas, answers=answers))
        assert list(refused.value.fields) == [f"answers.{target}"], refused.value.fields
        assert stored() == before


def test_unit_procedure_and_item_are_checked(app, sipas):
    with app.app_context():
        with pytest.raises(Invalid) as refused:
            services.submit_response(answering(sipas, unit="NOPE", procedure="NOPE", answers=survey_answers(sipas)))
        assert set(refused.value.fields) == {"unit", "procedure"}
        with pytest.raises(Invalid) as empty:
            services.submit_response(answering(sipas, answers={}))
        assert set(empty.value.fields) >= {f"answers.{survey_questions(sipas)['overall'].id}"}


def test_an_invitation_takes_one_answer(app, client, sipas):
    code = file_item(client)["code"]
    with app.app_context():
        from feedback.items.services import find_item

        survey = _db.session.get(Survey, sipas)
        invitation, secret = services.new_invitation(survey, find_item(code), days=30)
        assert invitation.code_hash != secret and len(secret) == services.CODE_LENGTH
        # Codes are read as people type them: lower case, with a dash, O for 0.
        typed = services.display_code(secret).lower()
        response = services.submit_response(answering(sipas, unit="", code=typed, answers=survey_answers(sipas)))
        assert response.channel == "invitation" and response.item.code == code and response.invitation_id == invitation.id
        assert invitation.used_at is not None
        before = stored()
        with pytest.raises(Conflict) as again:
            services.submit_response(answering(sipas, unit="", code=secret, answers=survey_answers(sipas)))
        assert "code" in again.value.fields
        with pytest.raises(Invalid) as wrong:
            services.submit_response(answering(sipas, unit="", code="ABCDE-FGHJK", answers=survey_answers(sipas)))
        assert "code" in wrong.value.fields
        assert stored() == before


def test_an_expired_invitation_is_refused(app, client, sipas):
    code = file_item(client)["code"]
    with app.app_context():
        from feedback.items.services import find_item

        invitation, secret = services.new_invitation(_db.session.get(Survey, sipas), find_item(code), days=30)
        invitation.expires_at = invitation.created_at - dt.timedelta(seconds=1)
        with pytest.raises(Invalid) as refused:
            services.submit_response(answering(sipas, unit="", code=secret, answers=survey_answers(sipas)))
        assert "hết hạn" in refused.value.fields["code"]


def test_hook_feedback_survey_answered(app, sipas, register_plugin):
    seen = []

    class Listener:
        @hookimpl
        def feedback_survey_answered(self, response):
            seen.append((response.id, response.unit.code, len(response.answers)))

    register_plugin(Listener())
    with app.app_context():
        response = services.submit_response(answering(sipas, answers=survey_answers(sipas)))
        assert seen == [(response.id, "P.STP", len(response.answers))]
        with pytest.raises(Invalid):
            services.submit_response(answering(sipas, answers={}))
        assert len(seen) == 1
