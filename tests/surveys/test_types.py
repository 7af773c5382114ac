"""Question types: the built-in ones read and check answers; a plugin adds its own through the hook."""

from __future__ import annotations

import pytest

from feedback import hookimpl
from feedback.extensions import db as _db
from feedback.surveys import builder, services
from feedback.surveys.models import Survey
from feedback.surveys.types import AnswerRefused, OptionSpec, ScaleType, question_types


def test_the_core_gives_the_built_in_types(app):
    with app.app_context():
        types = question_types()
        assert list(types) == ["scale5", "scale3", "single", "multiple", "rating10", "yes_no", "short_text",
                               "long_text"]
        rated = {name for name, qtype in types.items() if qtype.rated}
        assert rated == {"scale5", "scale3", "rating10"}
        assert [o.value for o in types["scale5"].default_options()] == [1, 2, 3, 4, 5]
        assert [o.value for o in types["scale5"].default_options() if o.satisfied] == [4, 5]
        assert [o.value for o in types["scale3"].default_options() if o.satisfied] == [3]
        assert [o.value for o in types["yes_no"].default_options()] == [1, 0]


def test_answers_are_read_strictly(app, staff):
    with app.app_context():
        survey = builder.create_survey("kieu", "Kiểu câu hỏi")
        section = builder.add_section(survey.draft, builder.SectionSpec("s", "Phần"))
        multiple = builder.add_question(section, builder.QuestionSpec(name="m", type="multiple", label_vi="Nhiều"))
        rating = builder.add_question(section, builder.QuestionSpec(name="r", type="rating10", label_vi="Điểm"))
        short = builder.add_question(section, builder.QuestionSpec(name="t", type="short_text", label_vi="Chữ"))
        types = question_types()
        assert types["multiple"].parse_form(multiple, ["2", "1", "2"]) == [1, 2]
        assert types["multiple"].parse_json(multiple, [2]) == [2]
        assert [row.value for row in types["multiple"].rows(multiple, [1, 2])] == [1, 2]
        assert types["rating10"].parse_json(rating, 10) == 10
        assert types["rating10"].rows(rating, 8)[0].satisfied is True
        assert types["rating10"].rows(rating, 7)[0].satisfied is False
        assert types["short_text"].parse_form(short, ["  "]) is None
        for qtype, question, bad in [("multiple", multiple, ["1", "3"]), ("rating10", rating, ["0"]),
                                     ("rating10", rating, ["1", "2"]), ("rating10", rating, ["ten"]),
                                     ("short_text", short, ["x" * 201])]:
            with pytest.raises(AnswerRefused):
                types[qtype].parse_form(question, bad)
        for qtype, question, bad in [("multiple", multiple, 1), ("rating10", rating, True),
                                     ("rating10", rating, 10.5), ("short_text", short, 5)]:
            with pytest.raises(AnswerRefused):
                types[qtype].parse_json(question, bad)


class Smileys(ScaleType):
    """A three-face scale, as a province might add."""


class SmileyPlugin:
    @hookimpl
    def feedback_question_types(self):
        return [Smileys("smileys", "Faces", [OptionSpec(1, "☹", "☹"), OptionSpec(2, "😐", "😐"),
                                             OptionSpec(3, "☺", "☺", satisfied=True)])]


def test_hook_feedback_question_types(app, staff, register_plugin):
    register_plugin(SmileyPlugin())
    with app.app_context():
        assert "smileys" in question_types() and question_types()["smileys"].rated
        survey = builder.create_survey("mat-cuoi", "Mặt cười")
        section = builder.add_section(survey.draft, builder.SectionSpec("overall", "Chung"))
        question = builder.add_question(section, builder.QuestionSpec(name="face", type="smileys", label_vi="Bạn thấy?",
                                                                      required=True))
        assert question.rated and [o.value for o in question.options] == [1, 2, 3]
        builder.publish(survey.draft)
        response = services.submit_response(services.Answering(survey=survey, unit="P.STP", source="json",
                                                               answers={str(question.id): 3}))
        assert [(a.value, a.satisfied) for a in response.answers] == [(3, True)]
        _db.session.rollback()


def test_a_question_whose_type_went_away_cannot_be_published(app, staff, register_plugin):
    plugin = register_plugin(SmileyPlugin(), name="smileys")
    with app.app_context():
        survey = builder.create_survey("mat-cuoi", "Mặt cười")
        section = builder.add_section(survey.draft, builder.SectionSpec("overall", "Chung"))
        builder.add_question(section, builder.QuestionSpec(name="face", type="smileys", label_vi="Bạn thấy?"))
        app.extensions["feedback.plugins"].unregister(plugin)
        assert any("smileys" in problem for problem in builder.problems(_db.session.get(Survey, survey.id).draft))
