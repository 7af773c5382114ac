"""The builder at /admin/surveys, through its pages and without JavaScript: create, add sections and
questions with every field, reorder, preview, publish, edit as a new version, archive; clear
errors at their fields; import an XLSForm."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.surveys import xlsform
from feedback.surveys.models import Survey, SurveyQuestion
from tests.helpers import login


def survey_by_code(code: str) -> Survey:
    _db.session.expire_all()
    return _db.session.scalar(select(Survey).where(Survey.code == code))


def test_only_administrators_build_surveys(client, staff):
    assert client.get("/admin/surveys").status_code == 302
    login(client, "officer@example.vn")
    assert client.get("/admin/surveys").status_code == 403
    assert client.post("/admin/surveys/template").status_code == 403


def test_building_a_survey_from_scratch(app, client, staff):
    login(client)
    created = client.post("/admin/surveys/new", data={"code": "mot-cua", "unit": "P.STP", "title_vi": "Một cửa",
                                                      "title_en": "One-stop", "intro_vi": "Xin mời", "intro_en": ""})
    assert created.status_code == 302
    with app.app_context():
        survey = survey_by_code("mot-cua")
        sid = survey.id
        assert survey.unit.code == "P.STP" and survey.draft.title_en == "One-stop"
    base = f"/admin/surveys/{sid}"
    assert client.post(f"{base}/sections/new", data={"criterion": "access", "title_vi": "Tiếp cận",
                                                     "title_en": "Access"}).status_code == 302
    assert client.post(f"{base}/sections/new", data={"criterion": "overall", "title_vi": "Chung"}).status_code == 302
    with app.app_context():
        first, second = [s.id for s in survey_by_code("mot-cua").draft.sections]
    question = {"section": str(first), "name": "sent", "type": "yes_no", "required": "y", "label_vi": "Có gửi không?",
                "label_en": "Did you send?", "hint_vi": "", "hint_en": "", "options": "", "conditions": ""}
    assert client.post(f"{base}/questions/new", data=question).status_code == 302
    scale = {**question, "name": "handled", "type": "scale3", "label_vi": "Xử lý?", "label_en": "",
             "options": "1 | Kém | Poor\n2 | Được | Fine\n3 | Tốt | Good | *", "conditions": "sent = 1"}
    assert client.post(f"{base}/questions/new", data=scale).status_code == 302
    choice = {**question, "section": str(second), "name": "how", "type": "single", "required": "",
              "label_vi": "Bằng cách nào?", "options": "1 | Trực tiếp | In person\n2 | Trực tuyến | Online"}
    assert client.post(f"{base}/questions/new", data=choice).status_code == 302
    with app.app_context():
        draft = survey_by_code("mot-cua").draft
        q = {question.name: question for question in draft.ordered_questions()}
        assert [(o.value, o.label_vi, o.satisfied) for o in q["handled"].options] == [
            (1, "Kém", False), (2, "Được", False), (3, "Tốt", True)]
        assert [(c.depends_on.name, c.value) for c in q["handled"].conditions] == [("sent", 1)]
        assert q["sent"].required and not q["how"].required
        ids = {name: question.id for name, question in q.items()}
    # Reorder: the section of "how" goes first; "handled" cannot go above the question it depends on.
    assert client.post(f"{base}/sections/{second}/up").status_code == 302
    assert client.post(f"{base}/questions/{ids['handled']}/up").status_code == 302
    page = client.get(f"{base}/draft").text
    assert "đứng sau" in page or "come after" in page  # the refusal was flashed
    with app.app_context():
        assert [q.name for q in survey_by_code("mot-cua").draft.ordered_questions()] == ["how", "sent", "handled"]
    # Edit a question; the form shows what it holds.
    edit = client.get(f"{base}/questions/{ids['handled']}").text
    assert "3 | Tốt | Good | *" in edit and "sent = 1" in edit
    assert "<code>sent</code>: 1 = Có; 0 = Không" in edit
    # Preview, publish, and the survey is open.
    assert "Xử lý?" in client.get(f"{base}/versions/1/preview").text
    assert client.post(f"{base}/publish").status_code == 302
    assert client.get("/s/mot-cua/P.STP").status_code == 200
    assert client.get("/s/mot-cua/P.XA").status_code == 404  # not run by that unit
    # Editing makes a new version; the published one stays.
    assert client.post(f"{base}/new_version").headers["Location"].endswith(f"{base}/draft")
    with app.app_context():
        survey = survey_by_code("mot-cua")
        assert survey.published.number == 1 and survey.draft.number == 2
    assert client.post(f"{base}/archive").status_code == 302
    assert client.get("/s/mot-cua/P.STP").status_code == 404


def test_errors_are_shown_at_their_fields_and_nothing_is_saved(app, client, staff):
    login(client)
    page = client.post("/admin/surveys/new", data={"code": "Sai Mã", "title_vi": "x" * 201, "unit": ""})
    assert page.status_code == 422
    assert re.search(r'id="code-error">Dùng 1 đến 40 chữ thường', page.text)
    assert 'id="title_vi-error">Tối đa 200 ký tự (bạn đã viết 201).' in page.text
    client.post("/admin/surveys/new", data={"code": "ok", "title_vi": "Được", "unit": ""})
    with app.app_context():
        survey = survey_by_code("ok")
        sid = survey.id
    client.post(f"/admin/surveys/{sid}/sections/new", data={"criterion": "access", "title_vi": "Tiếp cận"})
    with app.app_context():
        section = survey_by_code("ok").draft.sections[0].id
    bad = {"section": str(section), "name": "q", "type": "scale5", "label_vi": "Câu hỏi", "label_en": "",
           "hint_vi": "", "hint_en": "", "options": "1 - Kém", "conditions": ""}
    page = client.post(f"/admin/surveys/{sid}/questions/new", data=bad)
    assert page.status_code == 422 and 'id="options-error">Dòng 1: ghi giá trị | nhãn tiếng Việt' in page.text
    page = client.post(f"/admin/surveys/{sid}/questions/new", data={**bad, "options": "", "conditions": "nobody = 1",
                                                                    "label_vi": "y" * 501})
    assert page.status_code == 422
    assert 'id="label_vi-error">Tối đa 500 ký tự' in page.text
    page = client.post(f"/admin/surveys/{sid}/questions/new", data={**bad, "options": "", "conditions": "nobody = 1"})
    assert 'id="conditions-error">Điều kiện không chỉ đến câu hỏi nào khác của phiếu: nobody.' in page.text
    english = client.post(f"/admin/surveys/{sid}/questions/new?lang=en", data={**bad, "options": ""})
    with app.app_context():
        assert _db.session.scalar(select(SurveyQuestion).where(SurveyQuestion.name == "q")) is not None
    assert english.status_code == 302
    publish = client.post(f"/admin/surveys/{sid}/publish", follow_redirects=True)
    assert publish.status_code == 200


def test_the_template_button_and_xlsform_upload(app, client, staff):
    login(client)
    response = client.post("/admin/surveys/template")
    assert response.status_code == 302
    with app.app_context():
        survey = survey_by_code("sipas")
        assert survey.draft is not None and survey.published is None
        data = xlsform.export_version(survey.draft)
    assert "SIPAS" in client.get(response.headers["Location"]).text or "Tiếp cận dịch vụ" in client.get(
        response.headers["Location"]).text
    # The same form again: its form_id is taken, and the message says where.
    refused = client.post("/admin/surveys/import", data={"file": (io.BytesIO(data), "sipas.xlsx")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "Trang settings, dòng 2, cột form_id" in refused.text
    broken = client.post("/admin/surveys/import", data={"file": (io.BytesIO(b"nope"), "x.xlsx")},
                         content_type="multipart/form-data")
    assert broken.status_code == 422 and "không phải là bảng tính Excel" in broken.text
    client.post("/admin/surveys/template")
    with app.app_context():
        assert survey_by_code("sipas-2") is not None
    exported = client.get(f"/admin/surveys/{survey.id}/versions/1/xlsform.xlsx")
    assert exported.status_code == 200 and exported.data[:2] == b"PK"
