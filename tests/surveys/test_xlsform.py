"""XLSForm import and export: a round trip gives the same survey; a form of KoboToolbox comes in;
every unsupported construct is named by sheet, row and column, and nothing is stored."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from feedback.errors import Invalid
from feedback.extensions import db as _db
from feedback.surveys import builder, xlsform
from feedback.surveys.models import Survey, SurveyQuestion


def shape(version) -> dict:
    """Everything a version says, without ids."""
    return {
        "title": (version.title_vi, version.title_en), "intro": (version.intro_vi, version.intro_en),
        "sections": [
            {"criterion": section.criterion, "title": (section.title_vi, section.title_en),
             "description": (section.description_vi, section.description_en),
             "questions": [
                 {"name": q.name, "type": q.type, "required": q.required, "rated": q.rated, "position": q.position,
                  "label": (q.label_vi, q.label_en), "hint": (q.hint_vi, q.hint_en),
                  "options": [(o.value, o.label_vi, o.label_en, o.satisfied) for o in q.options],
                  "conditions": [(c.depends_on.name, c.value) for c in q.conditions]}
                 for q in section.questions]}
            for section in version.sections]}


def workbook(survey_rows, choices_rows=(), settings_rows=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey_rows:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    for row in choices_rows:
        choices.append(list(row))
    if settings_rows is not None:
        settings = book.create_sheet("settings")
        for row in settings_rows:
            settings.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_round_trip_gives_the_same_survey(app, sipas):
    with app.app_context():
        survey = _db.session.get(Survey, sipas)
        draft = builder.new_draft(survey)
        section = draft.sections[0]
        section.description_vi, section.description_en = "Về nơi làm thủ tục.", "About the place."
        builder.add_question(section, builder.QuestionSpec(name="visits", type="multiple", label_vi="Bạn đến mấy lần?",
                                                           label_en="How many visits?", options=[
            xlsform.OptionSpec(1, "Một lần", "Once"), xlsform.OptionSpec(2, "Hai lần", "Twice"),
            xlsform.OptionSpec(3, "Ba lần trở lên", "Three or more")]))
        builder.add_question(section, builder.QuestionSpec(name="score", type="rating10", label_vi="Chấm điểm",
                                                           required=True, conditions=[("visits", 3)]))
        builder.add_question(section, builder.QuestionSpec(name="short", type="short_text", label_vi="Một từ",
                                                           hint_vi="Gợi ý", hint_en="Hint"))
        builder.publish(draft)
        data = xlsform.export_version(draft)
        copy = xlsform.import_survey(data, code="sipas-copy")
        assert copy.code == "sipas-copy" and copy.draft.number == 1
        assert shape(copy.draft) == shape(draft)
        # Exported again, the copy reads the same, and so does a next version of the same survey.
        assert shape(xlsform.import_survey(xlsform.export_version(copy.draft), code="again").draft) == shape(draft)
        xlsform.import_survey(data, survey=survey)
        assert survey.draft.number == 3 and shape(survey.draft) == shape(draft)


def test_the_export_is_a_plain_xlsform(app, sipas):
    with app.app_context():
        book = load_workbook(io.BytesIO(xlsform.export_version(_db.session.get(Survey, sipas).published)))
        assert book.sheetnames == ["survey", "choices", "settings"]
        rows = [[cell.value for cell in row] for row in book["survey"].iter_rows()]
        header = rows[0]
        assert header[:4] == ["type", "name", "label::Vietnamese (vi)", "label::English (en)"]
        types = [row[0] for row in rows[1:]]
        assert types.count("begin group") == 6 and types.count("end group") == 6
        assert "select_one overall" in types and "text" in types
        received = next(row for row in rows if row[1] == "feedback_received")
        assert received[header.index("relevant")] == "${feedback_sent} = '1'"
        assert received[header.index("appearance")] == "likert"
        settings = [[cell.value for cell in row] for row in book["settings"].iter_rows()]
        assert dict(zip(settings[0], settings[1]))["form_id"] == "sipas"


KOBO = [
    ["type", "name", "label::English (en)", "label::Vietnamese (vi)", "hint::Vietnamese (vi)", "required", "relevant",
     "appearance", "constraint", "$kuid"],
    ["start", "start", "", "", "", "", "", "", "", "a1"],
    ["end", "end", "", "", "", "", "", "", "", "a2"],
    ["note", "welcome", "Welcome", "Xin chào", "", "", "", "", "", "a3"],
    ["begin_group", "staff", "The staff", "Cán bộ", "", "", "", "", "", "a4"],
    ["note", "staff_note", "About who served you", "Về người phục vụ", "", "", "", "", "", "a5"],
    ["select_one agree5", "polite", "Polite?", "Lịch sự?", "Chọn một", "true", "", "likert", "", "a6"],
    ["select_one yn", "paid_extra", "Paid extra?", "Phải trả thêm?", "", "no", "", "", "", "a7"],
    ["select_multiple what", "what", "What?", "Cái gì?", "", "", "${paid_extra} = 'yes'", "", "", "a8"],
    ["text", "details", "Details", "Chi tiết", "", "", "${paid_extra}='yes' and selected(${what}, 'fee')",
     "multiline", "", "a9"],
    ["integer", "stars", "Score", "Điểm", "", "yes", "", "", ".>=1 and .<=10", "b1"],
    ["end_group", "", "", "", "", "", "", "", "", "b2"],
    ["text", "free", "Anything else?", "Điều gì khác?", "", "", "", "", "", "b3"],
]
KOBO_CHOICES = [
    ["list name", "name", "label::English (en)", "label::Vietnamese (vi)"],
    ["agree5", "sd", "Strongly disagree", "Rất không đồng ý"], ["agree5", "d", "Disagree", "Không đồng ý"],
    ["agree5", "n", "Neutral", "Bình thường"], ["agree5", "a", "Agree", "Đồng ý"],
    ["agree5", "sa", "Strongly agree", "Rất đồng ý"],
    ["yn", "yes", "Yes", "Có"], ["yn", "no", "No", "Không"],
    ["what", "fee", "A fee", "Phí"], ["what", "gift", "A gift", "Quà"],
]


def test_a_kobotoolbox_form_comes_in(app, staff):
    data = workbook(KOBO, KOBO_CHOICES, [["form_title", "form_id", "default_language"],
                                         ["Khảo sát cán bộ", "can_bo", "English (en)"]])
    with app.app_context():
        survey = xlsform.import_survey(data)
        version = survey.draft
        assert survey.code == "can_bo" and version.title_vi == "Khảo sát cán bộ"
        assert (version.intro_vi, version.intro_en) == ("Xin chào", "Welcome")
        staff_section, general = version.sections
        assert staff_section.criterion == "staff" and staff_section.description_vi == "Về người phục vụ"
        assert general.criterion == "general" and [q.name for q in general.questions] == ["free"]
        q = {question.name: question for question in version.ordered_questions()}
        assert q["polite"].type == "scale5" and q["polite"].required and q["polite"].hint_vi == "Chọn một"
        assert [(o.value, o.label_vi, o.satisfied) for o in q["polite"].options][-2:] == [
            (4, "Đồng ý", True), (5, "Rất đồng ý", True)]
        assert q["paid_extra"].type == "yes_no" and [o.value for o in q["paid_extra"].options] == [1, 0]
        assert q["what"].type == "multiple" and [(c.depends_on.name, c.value) for c in q["what"].conditions] == [
            ("paid_extra", 1)]
        assert q["details"].type == "long_text"
        assert sorted((c.depends_on.name, c.value) for c in q["details"].conditions) == [("paid_extra", 1), ("what", 1)]
        assert q["stars"].type == "rating10" and q["free"].type == "short_text"
        builder.publish(version)


def problems_of(app, data, locale: str = "vi") -> list[str]:
    from flask_babel import force_locale

    with app.app_context(), force_locale(locale):
        before = _db.session.scalar(select(func.count(SurveyQuestion.id)))
        with pytest.raises(Invalid) as refused:
            xlsform.import_survey(data, code="bad")
        _db.session.rollback()
        assert _db.session.scalar(select(func.count(SurveyQuestion.id))) == before
        assert _db.session.scalar(select(Survey).where(Survey.code == "bad")) is None
        return refused.value.fields["file"]


HEADER = ["type", "name", "label::Vietnamese (vi)", "relevant", "constraint"]


@pytest.mark.parametrize("row, expected", [
    (["geopoint", "where", "Ở đâu?", "", ""], "Sheet survey, row 4, column type: the type geopoint is not supported."),
    (["begin repeat", "kids", "Con", "", ""], "Sheet survey, row 4, column type: the type begin repeat is not supported."),
    (["text", "t", "Chữ", "${q} = 'yes' or ${q} = 'no'", ""], "Sheet survey, row 4, column relevant:"),
    (["text", "t", "Chữ", "${q} != 'yes'", ""], "Sheet survey, row 4, column relevant:"),
    (["text", "t", "Chữ", "${nobody} = 'yes'", ""], "Sheet survey, row 4, column relevant: ${nobody} is not an earlier"),
    (["text", "t", "Chữ", "${q} = 'maybe'", ""], "Sheet survey, row 4, column relevant: maybe is not a choice of q."),
    (["integer", "n", "Số", "", ". > 0"], "Sheet survey, row 4, column constraint:"),
    (["select_one nolist", "s", "Chọn", "", ""], "Sheet survey, row 4, column type: the choices sheet has no list"),
    (["text", "2bad", "Tên sai", "", ""], "Sheet survey, row 4, column name:"),
    (["text", "q", "Trùng tên", "", ""], "Sheet survey, row 4, column name: another row already has the name q."),
])
def test_unsupported_constructs_are_named_by_sheet_row_and_column(app, staff, row, expected):
    data = workbook([HEADER, ["begin group", "g", "Nhóm", "", ""], ["select_one yn", "q", "Có không?", "", ""], row,
                     ["end group", "", "", "", ""]],
                    [["list_name", "name", "label::Vietnamese (vi)"], ["yn", "yes", "Có"], ["yn", "no", "Không"]])
    found = problems_of(app, data, "en")
    assert any(message.startswith(expected) for message in found), found


def test_problems_are_in_the_readers_language(app, staff):
    data = workbook([HEADER, ["geopoint", "where", "Ở đâu?", "", ""]])
    found = problems_of(app, data)
    assert found == ["Trang survey, dòng 2, cột type: không hỗ trợ loại geopoint."]


def test_a_file_that_is_no_workbook_or_lacks_sheets(app, staff):
    assert problems_of(app, b"not a spreadsheet")[0].endswith("(.xlsx).")
    book = Workbook()
    book.active.title = "questions"
    buffer = io.BytesIO()
    book.save(buffer)
    assert "survey" in problems_of(app, buffer.getvalue())[0]
    assert any("end group" in message for message in problems_of(app, workbook(
        [["type", "name", "label"], ["begin group", "g", "G"], ["text", "t", "T"]])))


def test_a_taken_code_is_named_in_the_settings_sheet(app, sipas):
    with app.app_context():
        data = xlsform.export_version(_db.session.get(Survey, sipas).published)
        with pytest.raises(Invalid) as refused:
            xlsform.import_survey(data)
        assert refused.value.fields["file"][0].startswith("Trang settings, dòng 2, cột form_id:")
