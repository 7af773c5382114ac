"""Public pages of the index, the downloads, the PDF report and the scorecard, on the seeded month
once frozen: figures, "not enough answers", late answers, and free text never shown."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.hookspecs import hookimpl
from tests.plugins.reports.conftest import answered_in, submit

COMMENT = "Cần thêm ghế chờ"


@pytest.fixture
def published(app, runner, seeded):
    result = runner.invoke(args=["reports", "freeze", "--month", f"{seeded['month']:%Y-%m}"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        submit(seeded["survey"], "P.STP", 1, answered_in(seeded["month"], hour=16))  # a late paper form
        _db.session.commit()
    return {**seeded, "period": f"{seeded['month']:%Y-%m}"}


def test_the_province_page(client, published):
    page = client.get("/results/sipas")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "75%" in text  # the department: 450 of 600
    assert "chưa đủ câu trả lời" in text  # the commune: one person
    assert "nhận được sau khi chốt số liệu: 1 (" in text and "Số ý kiến góp ý bằng văn bản: 3" in text
    assert COMMENT not in text
    assert "<script" not in text and "style=" not in text
    # The ranking ranks the department only; the commune appears in the table, unranked.
    ranking = text.split('id="ranking"', 1)[1]
    assert "1. Sở Tư pháp" in ranking and "Cô Tô" not in ranking.split("</figure>", 1)[0].split("<table", 1)[0]
    assert client.get(f"/results/sipas?period={published['period']}").status_code == 200
    assert client.get("/results").headers["Location"].endswith("/results/sipas")


def test_the_province_page_kept_whole_for_visitors_is_theirs_alone(app, client, published):
    """The whole page is kept for visitors who are not signed in; a signed-in person, another
    language and a new late answer each get their own page."""
    from tests.helpers import login

    visitor = client.get("/results/sipas").get_data(as_text=True)
    assert client.get("/results/sipas").get_data(as_text=True) == visitor
    english = client.get("/results/sipas?lang=en").get_data(as_text=True)
    assert "Satisfaction index" in english and 'lang="en"' in english and english != visitor
    staff = app.test_client()
    login(staff)
    signed_in = staff.get("/results/sipas").get_data(as_text=True)
    assert 'action="/logout"' in signed_in and 'action="/logout"' not in visitor
    assert 'action="/logout"' not in app.test_client().get("/results/sipas").get_data(as_text=True)
    with app.app_context():
        submit(published["survey"], "P.XA", 2, answered_in(published["month"], hour=17))  # another late form
        _db.session.commit()
    later = app.test_client().get("/results/sipas").get_data(as_text=True)
    assert "nhận được sau khi chốt số liệu: 2 (" in later


def test_the_unit_page_with_and_without_sub_units(client, published):
    own = client.get("/results/sipas/units/P.STP").get_data(as_text=True)
    assert "75%" in own and "Chứng thực bản sao" in own  # per procedure
    assert "72,2%" in own or "71,4%" in own  # the interval's lower bound 71.38%
    province = client.get("/results/sipas/units/P?subunits=1").get_data(as_text=True)
    assert "75,3%" in province  # 463 of 615 with the sub-units
    alone = client.get("/results/sipas/units/P?subunits=0").get_data(as_text=True)
    assert "75,3%" not in alone and "chưa đủ câu trả lời" in alone


def test_months_not_published_and_bad_input(client, published):
    assert client.get("/results/sipas?period=2001-01").status_code == 404
    assert client.get("/results/sipas?period=2026-13").status_code == 422
    assert client.get("/results/sipas/units/NOPE").status_code == 404
    assert client.get("/results/nope").status_code == 404
    assert client.get("/results/sipas/report.pdf?unit=NOPE").status_code == 404


def test_downloads_of_the_month(client, published):
    rows = list(csv.reader(io.StringIO(client.get("/results/sipas/download.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[1] for row in rows[1:]] == ["P.STP", "P.XA"] and rows[1][0] == "1" and rows[2][0] == ""
    document = json.loads(client.get("/results/sipas/download.json").get_data(as_text=True))
    assert document["late_responses"] == 1 and document["province"][0]["answers"] == 615
    assert document["units"][1]["enough_answers"] is False
    book = load_workbook(io.BytesIO(client.get("/results/sipas/download.xlsx").data))
    assert len(book.sheetnames) == 2
    unit = json.loads(client.get("/results/sipas/units/P.STP/download.json").get_data(as_text=True))
    assert unit["criteria"][0]["satisfaction_rate"] == 0.75 and unit["late_responses"] == 1
    for path in ("/results/sipas/download.csv", "/results/sipas/download.json", "/results/sipas/units/P.STP/download.csv"):
        assert COMMENT not in client.get(path).get_data(as_text=True)


def test_the_pdf_report_is_a_state_document_made_once(app, client, published):
    from feedback.plugins.reports.models import ReportDocument

    response = client.get("/results/sipas/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "BÁO CÁO" in text
    assert "Thử nghiệm, ngày" in text
    assert "chưa đủ câu trả lời" in text and "75%" in text and COMMENT not in text
    assert client.get("/results/sipas/report.pdf").data == response.data
    unit = client.get("/results/sipas/report.pdf?unit=P.STP")
    assert unit.status_code == 200 and unit.data != response.data
    with app.app_context():
        assert _db.session.scalar(select(func.count(ReportDocument.id))) == 2


class OtherPlugins:
    """What the accountability and dialogues plugins would say through feedback_unit_statistics."""

    def __init__(self, unit_id):
        self.unit_id = unit_id

    @hookimpl
    def feedback_unit_statistics(self, units, date_from, date_to, by_month):
        if by_month:
            return None
        if (date_to - date_from).days < 40:
            return {self.unit_id: {"received": 12, "answered": 10, "answered_on_time": 9, "answered_late": 1,
                                   "open_overdue": 2, "on_time_rate": 0.9}}
        return {self.unit_id: {"dialogues_held": 1, "commitments_overdue": 0}}


def test_the_scorecard_asks_other_plugins_through_the_hook(app, client, published, register_plugin):
    with app.app_context():
        from feedback.units.services import get_unit

        unit_id = get_unit("P.STP").id
    register_plugin(OtherPlugins(unit_id), name="others")
    text = client.get("/scorecard/P.STP?lang=en").get_data(as_text=True)
    assert "90%" in text and "9 of 10" in text and "2 still open past their deadline" in text
    assert "75%" in text and "450 of 600" in text
    assert "held from 01/" in text and ": 1 (one is due every six months)" in text, text[text.find("Dialogues held"):][:600]
    assert "Yes" in text


def test_the_scorecard_without_figures(client, staff):
    text = client.get("/scorecard/P.XA?lang=en").get_data(as_text=True)
    assert "No satisfaction results are published yet." in text
    assert client.get("/scorecard/NOPE").status_code == 404
    assert client.get("/results").status_code == 200


def test_a_unit_page_links_to_its_scorecard(client, staff):
    assert "/scorecard/P.STP" in client.get("/units/P.STP").get_data(as_text=True)
