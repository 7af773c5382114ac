"""The accountability dashboard: figures that match a hand count, SVG charts without scripts or inline styles."""

from __future__ import annotations

import datetime as dt
import json
import re

from tests.helpers import ANSWER, act, bearer, local

from .conftest import file


def _seed(client, clock):
    """P.STP: 4 received in March 2026, 1 answered on time, 1 late, 2 open of which 1 overdue; P.XA: 1 open, overdue."""
    clock.set(local(2026, 3, 2, 9))
    head = bearer(client, "head@example.vn")
    on_time = file(client, title="Phản ánh một", publish=True)
    late = file(client, title="Phản ánh hai", publish=True)
    overdue = file(client, title="Phản ánh ba", publish=True)
    file(client, unit="P.XA", title="Phản ánh ở xã", publish=True)  # open past its deadline
    clock.set(local(2026, 3, 3, 9))
    act(client, head, on_time["code"], "respond", body=ANSWER)
    clock.set(local(2026, 3, 20, 9))  # the deadline (10 working days) was 16/03
    act(client, head, late["code"], "respond", body=ANSWER)
    clock.set(local(2026, 3, 25, 9))
    file(client, title="Phản ánh bốn", publish=True)
    clock.set(local(2026, 3, 27, 10))
    return overdue


def test_the_figures_match_a_hand_count(client, people, clock):
    _seed(client, clock)
    data = json.loads(client.get("/dashboard/stats.json?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True))
    by_unit = {row["unit"]: row for row in data["units"]}
    stp = by_unit["P.STP"]
    assert (stp["received"], stp["answered_on_time"], stp["answered_late"], stp["open"], stp["open_overdue"],
            stp["on_time_rate"]) == (4, 1, 1, 2, 1, 0.3333)
    # On time over everything due by then: 1 of (2 answered + 1 open and overdue), never 1 of 2.
    assert (stp["counted"], stp["on_time_rate_low"], stp["on_time_rate_high"], stp["too_few"]) == (
        3, 0.0615, 0.7923, True)
    xa = by_unit["P.XA"]
    assert (xa["received"], xa["answered"], xa["open"], xa["open_overdue"]) == (1, 0, 1, 1)
    # P.XA answered nothing and its only item is overdue: 0 of 1, and it is in the ranking, last.
    assert (xa["counted"], xa["on_time_rate"]) == (1, 0.0)
    assert [row["unit"] for row in data["ranking"]] == ["P.STP", "P.XA"]
    assert data["totals"]["received"] == 5 and data["totals"]["on_time_rate"] == 0.25 and data["target"] == 1.0
    march = [month for month in data["months"] if month["month"] == "2026-03-01"][0]
    assert (march["answered_on_time"], march["answered_late"], march["open_overdue"], march["on_time_rate"]) == (
        1, 1, 2, 0.25)
    csv_text = client.get("/dashboard/stats.csv?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "P.STP,Sở Tư pháp,4,2,1,1,0,2,1,0,3,0.3333,0.0615,0.7923,1," in csv_text

    page = client.get("/dashboard?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "Sở Tư pháp" in page and "33,3 %" in page and "01/03/2026" in page
    assert 'class="formula"' in page and "Wilson" in page
    unit_page = client.get("/dashboard/units/P.STP?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    cells = re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', unit_page)
    assert cells[:7] == ["4", "1", "1", "0", "2", "1", "0"] and "33,3 %" in unit_page and "Wilson" in unit_page
    # The register agrees: one answered late (by 4 working days), two open and late (by 9).
    late = client.get("/api/v1/register?timeliness=late").get_json()["items"]
    assert sorted((row["unit"]["code"], row["late_days"]) for row in late) == [("P.STP", 4), ("P.STP", 9), ("P.XA", 9)]


def test_open_items_are_counted_at_the_end_of_the_period(client, people, clock):
    _seed(client, clock)
    # On 10/03 the item answered on 20/03 was still open beside the one never answered; the one
    # answered on 03/03 was not, and the one filed on 25/03 not yet.
    data = json.loads(client.get("/dashboard/stats.json?date_from=2026-03-01&date_to=2026-03-10").get_data(as_text=True))
    assert {row["unit"]: row["open"] for row in data["units"]} == {"P.STP": 2, "P.XA": 1}
    unit_page = client.get("/dashboard/units/P.XA?date_from=2026-03-01&date_to=2026-03-10").get_data(as_text=True)
    assert re.findall(r'<td class="num[^"]*" data-label="Đang xử lý">([^<]*)</td>', unit_page) == ["1"]


def test_charts_are_svg_without_scripts_or_inline_styles(client, people, clock):
    _seed(client, clock)
    page = client.get("/dashboard?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert page.count("<svg") == 2 and 'role="img"' in page and "<title" in page
    assert "<script" not in page and "style=" not in page and " on" + "click" not in page


def test_a_ranking_of_units_and_bad_periods(client, people, clock):
    _seed(client, clock)
    page = client.get("/dashboard?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert '<ol class="ranking">' in page
    for query in ("date_from=2026-04-01&date_to=2026-03-01", "date_from=2020-01-01&date_to=2026-03-01",
                  "date_from=nonsense"):
        response = client.get(f"/dashboard?{query}")
        assert response.status_code == 400 and "<svg" not in response.get_data(as_text=True)
    assert client.get("/dashboard/units/NOPE").status_code == 404
    assert client.get("/dashboard/stats.json?date_from=2026-04-01&date_to=2026-03-01").status_code == 400


def test_hook_feedback_unit_statistics(app, client, people, clock, register_plugin):
    """The dashboard asks every plugin once per page, however many units, and merges their figures."""
    from feedback import hookimpl

    overdue = _seed(client, clock)

    class Satisfaction:
        def __init__(self):
            self.calls = []

        @hookimpl
        def feedback_unit_statistics(self, units, date_from, date_to, by_month):
            self.calls.append((None if units is None else [unit.code for unit in units], date_from, date_to, by_month))
            if by_month:
                return None
            from feedback.items.services import find_item

            return {find_item(overdue["code"]).unit_id: {"satisfied_rate": 0.75}}

    plugin = register_plugin(Satisfaction())
    data = json.loads(client.get("/dashboard/stats.json?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True))
    by_unit = {row["unit"]: row for row in data["units"]}
    # Accountability's on-time figures and the other plugin's figure, side by side.
    assert (by_unit["P.STP"]["on_time_rate"], by_unit["P.STP"]["satisfied_rate"]) == (0.3333, 0.75)
    # Every row has the same columns (as in CSV and XLSX): the other plugin had nothing for P.XA.
    assert by_unit["P.XA"]["satisfied_rate"] is None and data["on_time_figures"] is True
    assert plugin.calls == [(None, dt.date(2026, 3, 1), dt.date(2026, 3, 31), False),
                            (None, dt.date(2025, 4, 1), dt.date(2026, 3, 31), True)]
    plugin.calls.clear()
    assert client.get("/dashboard/units/P.STP?date_from=2026-03-01&date_to=2026-03-31").status_code == 200
    assert [(units, by_month) for units, _start, _end, by_month in plugin.calls] == [(["P.STP"], False),
                                                                                    (["P.STP"], True)]

    # The accountability plugin's own answer, by month too.
    with app.app_context():
        from feedback.pluginmanager import hook
        from feedback.units.services import get_unit

        stp = get_unit("P.STP")
        answers = [answer for answer in hook().feedback_unit_statistics(
            units=[stp], date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 3, 31), by_month=True, names=None) if answer]
        assert {stp.id: {dt.date(2026, 3, 1): {
            "answered": 2, "answered_on_time": 1, "answered_late": 1, "transferred_late": 0, "open_overdue": 1,
            "counted": 3, "on_time_rate": 0.3333, "on_time_rate_low": 0.0615, "on_time_rate_high": 0.7923,
            "too_few": True}}} in answers


def test_hook_feedback_unit_statistics_columns(client, people, clock, register_plugin):
    """The downloads head other plugins' figures as those plugins say, in the visitor's language;
    a figure without a column is headed by its name."""
    from flask_babel import lazy_gettext as _l

    from feedback import hookimpl
    from feedback.exports import Column

    overdue = _seed(client, clock)

    class Satisfaction:
        @hookimpl
        def feedback_unit_statistics(self, units, date_from, date_to, by_month):
            from feedback.items.services import find_item

            return None if by_month else {find_item(overdue["code"]).unit_id: {"satisfied_rate": 0.75, "nameless": 3}}

        @hookimpl
        def feedback_unit_statistics_columns(self):
            return [Column("satisfied_rate", _l("Satisfaction rate"), "percent")]

    register_plugin(Satisfaction())
    query = "date_from=2026-03-01&date_to=2026-03-31"
    header = client.get(f"/dashboard/stats.csv?{query}").get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.split(",")[-2:] == ["nameless", "Tỉ lệ hài lòng"] and "Đã tiếp nhận" in header
    header = client.get(f"/dashboard/stats.csv?{query}&lang=en").get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.split(",")[-2:] == ["nameless", "Satisfaction rate"] and "Received" in header
    # The built-in plugins head every figure they give.
    with client.application.test_request_context("/?lang=en"):
        from feedback.pluginmanager import hook

        headers = {column.key: str(column.header) for group in hook().feedback_unit_statistics_columns()
                   for column in group or ()}
    assert headers["commitments_open"] == "Commitments open" and headers["satisfaction_rate"] == "Satisfaction rate"


def test_the_pages_ask_for_the_figures_they_show_and_downloads_for_all(client, people, clock, register_plugin):
    """A plugin whose figures a page does not show may leave them uncounted (``names``)."""
    from feedback import hookimpl

    _seed(client, clock)

    class Asked:
        def __init__(self):
            self.names = []

        @hookimpl
        def feedback_unit_statistics(self, units, date_from, date_to, by_month, names):
            self.names.append(names)

    plugin = register_plugin(Asked())
    query = "date_from=2026-03-01&date_to=2026-03-31"
    assert client.get(f"/dashboard?{query}").status_code == 200
    assert client.get(f"/dashboard/units/P.STP?{query}").status_code == 200
    assert len(plugin.names) == 4 and all("answered_on_time" in names and "satisfaction_rate" not in names
                                          for names in plugin.names)
    assert "on_time_rate_low" in plugin.names[0] and "received" in plugin.names[0]
    plugin.names.clear()
    assert client.get(f"/dashboard/stats.xlsx?{query}").status_code == 200
    assert plugin.names == [None, None]


def test_without_accountability_the_dashboard_says_it_has_no_on_time_figures(make_app, people, clock):
    client = make_app(DISABLED_PLUGINS=["accountability"]).test_client()
    clock.set(local(2026, 3, 2, 9))
    file(client, title="Phản ánh một", publish=True)
    file(client, title="Phản ánh hai", publish=True)
    file(client, unit="P.XA", title="Phản ánh ở xã", publish=True)
    clock.set(local(2026, 3, 27, 10))

    for path in ("/dashboard?date_from=2026-03-01&date_to=2026-03-31",
                 "/dashboard/units/P.STP?date_from=2026-03-01&date_to=2026-03-31"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Không có số liệu trả lời đúng hạn" in page and "<svg" not in page and "Tỷ lệ đúng hạn" not in page
    cells = re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', page)
    assert cells == ["2"]  # the unit's open items, and nothing that would read as a count of answers
    data = json.loads(client.get("/dashboard/stats.json?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True))
    assert data["on_time_figures"] is False and data["months"] is None
    by_unit = {row["unit"]: row for row in data["units"]}
    assert (by_unit["P.STP"]["open"], by_unit["P.XA"]["open"]) == (2, 1)
    assert by_unit["P.STP"]["received"] is None and by_unit["P.STP"]["on_time_rate"] is None
    assert data["totals"]["open"] == 3 and data["totals"]["answered"] is None
    csv_text = client.get("/dashboard/stats.csv?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "P.STP,Sở Tư pháp,,,,,,2,,,," in csv_text
