"""The published results on a 390-pixel phone: the list of surveys with results, the province's
month and a unit's month. The page never scrolls sideways (a wide table scrolls in its own
container), the charts shrink to the screen, and axe-core finds no violation of any impact."""

from __future__ import annotations

import datetime as dt

from tests.helpers import LOCAL, axe_violations, survey_answers

PHONE_WIDTH = 390
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")

# Every table must sit in a container that scrolls sideways by itself and fits the screen; every chart (an SVG of a figure) must fit the screen and still have a size.
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const tables = [...document.querySelectorAll("table")].map(table => {
    let box = table.parentElement;
    while (box && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    return {wide: table.getBoundingClientRect().width > width + 0.5,
            scrolls: Boolean(box) && box.getBoundingClientRect().width <= width + 0.5};
  });
  const charts = [...document.querySelectorAll("figure svg")].map(svg => svg.getBoundingClientRect().width);
  return {page: document.documentElement.scrollWidth, width, tables, charts};
}"""


def _answers(survey_id: int, month: dt.date) -> None:
    """34 people answer for the department and 3 for the commune on the 10th of ``month``, which is
    then frozen."""
    from feedback.extensions import db
    from feedback.plugins.reports.snapshot import freeze_month
    from feedback.surveys.models import Survey
    from feedback.surveys.services import Answering, submit_response
    from feedback.timeutil import utcnow

    survey = db.session.get(Survey, survey_id)
    morning = dt.datetime.combine(month.replace(day=10), dt.time(9), tzinfo=LOCAL)
    people = [("P.STP", 5 if number < 25 else 4 if number < 30 else 2) for number in range(34)]
    people += [("P.XA", 3 + number % 2) for number in range(3)]
    for number, (unit, value) in enumerate(people):
        submit_response(Answering(survey=survey, unit=unit, source="json", channel="link",
                                  answers=survey_answers(survey_id, value), sender="browser-test",
                                  submitted_at=morning + dt.timedelta(minutes=number)))
    freeze_month(survey, month, utcnow())
    db.session.commit()


def test_the_results_fit_a_phone(app, sipas, browse):
    today = dt.datetime.now(LOCAL).date()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the month that has ended
    with app.app_context():
        _answers(sipas, month)
    phone = browse("phone")
    assert phone.page.viewport_size["width"] == PHONE_WIDTH
    pages = ("/results", "/results/sipas", f"/results/sipas?period={month:%Y-%m}", "/results/sipas/units/P.STP",
             "/results/sipas/units/P?subunits=1", "/results/sipas/units/P.XA")
    for path in pages:
        response = phone.goto(path)
        assert response.ok, path
        assert phone.page.locator("h1").count() == 1, path
        found = phone.page.evaluate(LAYOUT)
        assert found["page"] <= PHONE_WIDTH, f"{path}: the page scrolls sideways ({found['page']} px)"
        # Every table sits in a box that scrolls sideways by itself, within the screen (it is not
        # wide with two units; the province's 300 are).
        assert found["tables"] and all(table["scrolls"] for table in found["tables"]), f"{path}: {found['tables']}"
        assert found["charts"] and all(0 < chart <= found["width"] for chart in found["charts"]), \
            f"{path}: charts {found['charts']} on a screen of {found['width']} px"
        assert axe_violations(phone.page, impacts=EVERY_IMPACT) == [], path
        phone.screenshot(f"phone-results-{path.strip('/').replace('/', '-').split('?')[0]}")
