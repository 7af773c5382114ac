"""GET /api/v1/surveys/{ref}/results (JSON, CSV, XLSX): the shape, the figures, the minimum sample
flag, and refusals in the API's error shape."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from feedback.extensions import db as _db
from feedback.plugins.reports import results
from feedback.plugins.reports.running import count_running

FIGURE_KEYS = {"criterion", "responses", "answers", "satisfied", "satisfaction_rate", "ci_low", "ci_high", "mean",
               "target", "gap", "enough_answers", "frozen"}


@pytest.fixture
def frozen(app, runner, seeded):
    result = runner.invoke(args=["reports", "freeze", "--month", f"{seeded['month']:%Y-%m}"])
    assert result.exit_code == 0, result.output
    return seeded


def test_results_shape_and_figures(client, frozen):
    period = f"{frozen['month']:%Y-%m}"
    response = client.get(f"/api/v1/surveys/{frozen['survey']}/results?unit=P.STP&subunits=false&period={period}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"survey", "period", "unit", "subunits", "procedure", "frozen", "frozen_at", "counted_at", "versions",
                         "min_sample", "late_responses", "free_text_answers", "overall", "criteria"}
    assert body["survey"] == {"id": frozen["survey"], "code": "sipas"} and body["period"] == period
    assert body["unit"] == {"code": "P.STP", "name": "Sở Tư pháp"} and body["frozen"] is True
    assert body["versions"] == "1" and body["min_sample"] == 30 and body["free_text_answers"] == 3
    assert set(body["overall"]) == FIGURE_KEYS
    assert body["overall"] == {"criterion": "*", "responses": 40, "answers": 600, "satisfied": 450,
                               "satisfaction_rate": 0.75, "ci_low": 0.7138, "ci_high": 0.783, "mean": 4.4,
                               "target": 0.85, "gap": -0.1, "enough_answers": True, "frozen": True}
    assert [c["criterion"] for c in body["criteria"]] == ["access", "procedure", "civil_servant", "result",
                                                          "feedback_handling", "overall"]
    assert all(set(c) == FIGURE_KEYS | {"label"} for c in body["criteria"])
    assert body["criteria"][0]["label"] == "Tiếp cận dịch vụ"
    english = client.get(f"/api/v1/surveys/sipas/results?unit=P.STP&period={period}",
                         headers={"Accept-Language": "en"}).get_json()
    assert english["criteria"][0]["label"] == "Access to the service"


def test_below_the_minimum_the_api_gives_the_figures_with_a_flag(client, frozen):
    body = client.get(f"/api/v1/surveys/sipas/results?unit=P.XA&period={frozen['month']:%Y-%m}").get_json()
    assert body["overall"]["enough_answers"] is False
    assert (body["overall"]["answers"], body["overall"]["satisfied"], body["overall"]["satisfaction_rate"]) == (
        15, 13, 0.8667)


def test_a_month_not_frozen_gives_its_running_figures_and_when_they_were_counted(app, client, seeded):
    period = f"{seeded['month']:%Y-%m}"
    before = client.get(f"/api/v1/surveys/sipas/results?period={period}").get_json()
    assert before["frozen"] is False and before["counted_at"] is None  # not counted yet: nothing, not a guess
    assert before["overall"]["answers"] == 0
    counted = dt.datetime(2026, 11, 30, 5, 40, tzinfo=dt.timezone.utc)
    with app.app_context():
        count_running(results.find_survey(seeded["survey"]), seeded["month"], counted)
        _db.session.commit()
    body = client.get(f"/api/v1/surveys/sipas/results?period={period}").get_json()
    assert body["frozen"] is False and body["frozen_at"] is None and body["overall"]["frozen"] is False
    assert dt.datetime.fromisoformat(body["counted_at"]) == counted
    assert body["overall"]["answers"] == 615 and body["late_responses"] == 0


def test_results_as_csv_and_xlsx(client, frozen):
    period = f"{frozen['month']:%Y-%m}"
    response = client.get(f"/api/v1/surveys/sipas/results.csv?unit=P.STP&subunits=false&period={period}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="sipas-P.STP-{period}.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 + 1 + 6
    header, overall = rows[0], dict(zip(rows[0], rows[1]))
    assert overall[header[2]] == "*" and overall[header[5]] == "600" and overall[header[6]] == "450"
    assert overall[header[7]] == "0.75" and overall[header[8]] == "0.7138" and header[8] == "Khoảng tin cậy, cận dưới"
    workbook = client.get(f"/api/v1/surveys/sipas/results.xlsx?unit=P.STP&subunits=false&period={period}")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][2] == "*" and values[1][5] == 600 and values[1][7] == 0.75
    assert len(values) == 8


@pytest.mark.parametrize("query,status,field", [
    ("period=2026-13", 422, "period"), ("period=last", 422, "period"), ("unit=NOPE", 404, "unit"),
    ("procedure=9.999", 404, "procedure"),
])
def test_bad_input_is_refused_in_the_api_error_shape(client, seeded, query, status, field):
    response = client.get(f"/api/v1/surveys/sipas/results?{query}")
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/surveys/sipas/results.csv?{query}").status_code == status


def test_an_unknown_survey_is_not_found(client, seeded):
    assert client.get("/api/v1/surveys/nope/results").status_code == 404


def test_switched_off_the_results_are_gone_and_answering_goes_on(make_app, seeded):
    app = make_app(DISABLED_PLUGINS=["reports"])
    client = app.test_client()
    assert client.get("/api/v1/surveys/sipas/results").status_code == 404
    with app.app_context():
        from tests.helpers import survey_answers

        answers = survey_answers(seeded["survey"])
    answered = client.post("/api/v1/surveys/sipas/responses", json={"unit": "P.STP", "answers": answers})
    assert answered.status_code == 201, answered.get_json()
    assert client.get("/dashboard").status_code == 200


def test_no_request_counts_the_answers(app, client, seeded):
    """The results of a month, frozen or not, and of every place, read kept figures only: no query
    of a request touches the answers."""
    from sqlalchemy import event

    period = f"{seeded['month']:%Y-%m}"
    with app.app_context():
        count_running(results.find_survey(seeded["survey"]), seeded["month"], dt.datetime.now(dt.timezone.utc))
        _db.session.commit()
        engine = _db.engine
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for query in ("", "&unit=P", "&unit=P&subunits=false", "&unit=P.STP", "&procedure=1.000001"):
            for path in ("results", "results.csv"):
                response = client.get(f"/api/v1/surveys/sipas/{path}?period={period}{query}")
                assert response.status_code == 200
                response.close()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [statement for statement in statements if "survey_answers" in statement]
