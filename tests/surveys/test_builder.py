"""Building surveys: the template, limits and clear refusals, display conditions, publishing that
freezes a version, and new versions that never change what earlier answers meant."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.errors import Conflict, Invalid
from feedback.extensions import db as _db
from feedback.surveys import builder, services
from feedback.surveys.models import SIPAS_CRITERIA, FrozenVersion, Survey, SurveyAnswer, SurveyOption, SurveyQuestion
from feedback.surveys.types import OptionSpec
from tests.helpers import survey_answers, survey_questions


def test_the_template_has_the_five_criteria_an_overall_question_and_a_comment(app, sipas):
    with app.app_context():
        survey = _db.session.get(Survey, sipas)
        version = survey.published
        criteria = [section.criterion for section in version.sections]
        assert criteria == list(SIPAS_CRITERIA) + ["overall"]
        for section in version.sections[:5]:
            assert 3 <= len(section.questions) <= 5, section.criterion
            assert all(question.label_vi and question.label_en for question in section.questions)
        overall = {question.name: question for question in version.sections[-1].questions}
        assert overall["overall"].type == "scale5" and overall["overall"].required and overall["overall"].rated
        assert overall["comment"].type == "long_text" and not overall["comment"].required
        # A display condition: the questions on handling feedback show only to those who sent some.
        received = survey_questions(sipas)["feedback_received"]
        assert [(c.depends_on.name, c.value) for c in received.conditions] == [("feedback_sent", 1)]
        scale = survey_questions(sipas)["overall"]
        assert [(o.value, o.satisfied) for o in scale.options] == [(1, False), (2, False), (3, False), (4, True),
                                                                    (5, True)]


def test_a_survey_needs_a_good_code_and_texts_within_their_limits(app, staff):
    with app.app_context():
        with pytest.raises(Invalid) as refused:
            builder.create_survey("Bad Code!", "", "x" * 201, intro_vi="y" * 4001)
        assert set(refused.value.fields) == {"code", "title_vi", "title_en", "intro_vi"}
        assert "4001" in refused.value.fields["intro_vi"]
        builder.create_survey("hai-long", "Khảo sát")
        with pytest.raises(Invalid) as taken:
            builder.create_survey("hai-long", "Khảo sát khác")
        assert "hai-long" in taken.value.fields["code"]


def draft_with_sections(code="test"):
    survey = builder.create_survey(code, "Khảo sát thử")
    version = survey.draft
    first = builder.add_section(version, builder.SectionSpec("access", "Tiếp cận"))
    second = builder.add_section(version, builder.SectionSpec("overall", "Chung"))
    return survey, version, first, second


def test_questions_are_checked_field_by_field(app, staff):
    with app.app_context():
        survey, version, first, _second = draft_with_sections()
        with pytest.raises(Invalid) as refused:
            builder.add_question(first, builder.QuestionSpec(name="1bad", type="nonsense", label_vi="",
                                                             hint_vi="h" * 501))
        assert set(refused.value.fields) == {"name", "type", "label_vi", "hint_vi"}
        with pytest.raises(Invalid) as fixed:
            builder.add_question(first, builder.QuestionSpec(name="q", type="scale5", label_vi="Câu hỏi", options=[
                OptionSpec(value, str(value), "", value > 3) for value in range(0, 5)]))
        assert "1, 2, 3, 4, 5" in fixed.value.fields["options"]
        with pytest.raises(Invalid) as none_satisfied:
            builder.add_question(first, builder.QuestionSpec(name="q", type="scale3", label_vi="Câu hỏi", options=[
                OptionSpec(value, str(value), "", False) for value in (1, 2, 3)]))
        assert "options" in none_satisfied.value.fields
        with pytest.raises(Invalid) as one_option:
            builder.add_question(first, builder.QuestionSpec(name="q", type="single", label_vi="Câu hỏi",
                                                             options=[OptionSpec(1, "Một", "One")]))
        assert "options" in one_option.value.fields
        question = builder.add_question(first, builder.QuestionSpec(name="q", type="single", label_vi="Câu hỏi"))
        with pytest.raises(Invalid) as duplicate:
            builder.add_question(first, builder.QuestionSpec(name="q", type="short_text", label_vi="Khác"))
        assert "q" in duplicate.value.fields["name"]
        assert [option.value for option in question.options] == [1, 2]


def test_a_condition_refers_to_an_earlier_question_and_one_of_its_options(app, staff):
    with app.app_context():
        survey, version, first, second = draft_with_sections()
        sent = builder.add_question(first, builder.QuestionSpec(name="sent", type="yes_no", label_vi="Có gửi?"))
        with pytest.raises(Invalid) as unknown:
            builder.add_question(second, builder.QuestionSpec(name="a", type="scale5", label_vi="A",
                                                              conditions=[("nobody", 1)]))
        assert "nobody" in unknown.value.fields["conditions"]
        with pytest.raises(Invalid) as no_option:
            builder.add_question(second, builder.QuestionSpec(name="a", type="scale5", label_vi="A",
                                                              conditions=[("sent", 7)]))
        assert "7" in no_option.value.fields["conditions"]
        handled = builder.add_question(second, builder.QuestionSpec(name="handled", type="scale5", label_vi="Xử lý",
                                                                    conditions=[("sent", 1)]))
        assert [(c.depends_on_id, c.value) for c in handled.conditions] == [(sent.id, 1)]
        # Moving the sections would put the question before the one it depends on.
        with pytest.raises(Invalid):
            builder.move_section(second, -1)
        with pytest.raises(Conflict):
            builder.delete_question(sent)
        with pytest.raises(Invalid) as keep_option:
            builder.update_question(sent, builder.QuestionSpec(name="sent", type="yes_no", label_vi="Có gửi?",
                                                               options=[OptionSpec(0, "Không", "No")]))
        assert "options" in keep_option.value.fields


def test_reordering_renumbers_sections_and_questions(app, staff):
    with app.app_context():
        survey, version, first, second = draft_with_sections()
        a = builder.add_question(first, builder.QuestionSpec(name="a", type="scale5", label_vi="A"))
        b = builder.add_question(first, builder.QuestionSpec(name="b", type="scale5", label_vi="B"))
        c = builder.add_question(second, builder.QuestionSpec(name="c", type="scale5", label_vi="C"))
        builder.move_question(b, -1)
        assert [(q.name, q.position) for q in version.ordered_questions()] == [("b", 1), ("a", 2), ("c", 3)]
        builder.move_section(second, -1)
        assert [(q.name, q.position) for q in version.ordered_questions()] == [("c", 1), ("b", 2), ("a", 3)]
        assert [s.position for s in version.sections] == [1, 2]
        builder.update_question(a, builder.QuestionSpec(name="a", type="scale5", label_vi="A"), section=second)
        assert [(q.name, q.section.criterion) for q in version.ordered_questions()] == [
            ("c", "overall"), ("a", "overall"), ("b", "access")]
        with pytest.raises(Conflict):
            builder.delete_section(first)
        builder.delete_question(b)
        builder.delete_section(first)
        assert [s.criterion for s in version.sections] == ["overall"]
        assert c.position == 1


def test_publishing_freezes_the_version_for_the_builder_and_for_the_database(app, staff):
    with app.app_context():
        survey, version, first, second = draft_with_sections()
        with pytest.raises(Invalid, match="chưa có câu hỏi"):
            builder.publish(version)
        question = builder.add_question(first, builder.QuestionSpec(name="a", type="scale5", label_vi="A"))
        builder.add_question(second, builder.QuestionSpec(name="b", type="scale3", label_vi="B"))
        builder.publish(version)
        assert survey.published is version and survey.draft is None
        with pytest.raises(Conflict):
            builder.update_question(question, builder.QuestionSpec(name="a", type="scale5", label_vi="Khác"))
        with pytest.raises(Conflict):
            builder.add_section(version, builder.SectionSpec("x", "X"))
        # Even code that goes around the services cannot change a published version.
        question.label_vi = "Đổi lén"
        with pytest.raises(FrozenVersion):
            _db.session.flush()
        _db.session.rollback()


def test_editing_a_survey_with_answers_never_changes_what_they_meant(app, sipas):
    with app.app_context():
        survey = _db.session.get(Survey, sipas)
        first = survey.published
        response = services.submit_response(services.Answering(survey=survey, unit="P.STP", source="json",
                                                               answers=survey_answers(sipas, value=4)))
        old_overall = survey_questions(sipas)["overall"]
        draft = builder.new_draft(survey)
        assert draft.number == 2 and builder.new_draft(survey) is draft
        overall = {q.name: q for q in draft.ordered_questions()}["overall"]
        assert overall.id != old_overall.id
        # Reword it and make 4 no longer count as satisfied.
        builder.update_question(overall, builder.QuestionSpec(
            name="overall", type="scale5", label_vi="Câu hỏi mới", required=True,
            options=[OptionSpec(o.value, o.label_vi + " (mới)", o.label_en, o.value == 5) for o in overall.options]))
        copied = {q.name: q for q in draft.ordered_questions()}["feedback_received"]
        assert [(c.depends_on.name, c.depends_on.version_id) for c in copied.conditions] == [("feedback_sent", draft.id)]
        builder.publish(draft)
        _db.session.commit()
        _db.session.expire_all()
        assert survey.published.number == 2 and first.retired_at is not None
        answer = _db.session.scalar(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id,
                                                               SurveyAnswer.question_id == old_overall.id))
        assert answer.value == 4 and answer.satisfied is True
        assert answer.question.label_vi == old_overall.label_vi != "Câu hỏi mới"
        assert _db.session.scalar(select(SurveyOption.satisfied).where(
            SurveyOption.question_id == old_overall.id, SurveyOption.value == 4)) is True
        # Answers from now on go to version 2, where 4 is not satisfied.
        later = services.submit_response(services.Answering(survey=survey, unit="P.STP", source="json",
                                                            answers=survey_answers(sipas, value=4)))
        new_answer = next(a for a in later.answers if a.question_id == overall.id)
        assert new_answer.satisfied is False
        assert later.version_id == draft.id and response.version_id == first.id


def test_archiving_closes_a_survey_and_discarding_drops_only_a_draft(app, sipas):
    with app.app_context():
        survey = _db.session.get(Survey, sipas)
        with pytest.raises(Conflict):
            builder.discard_draft(survey)
        draft = builder.new_draft(survey)
        builder.discard_draft(survey)
        assert survey.draft is None and _db.session.get(SurveyQuestion, draft.questions[0].id) is None
        builder.archive(survey)
        assert not survey.is_active and services.active_surveys() == []
        with pytest.raises(Conflict):
            builder.archive(survey)
        builder.restore(survey)
        assert [s.code for s in services.active_surveys()] == ["sipas"]
