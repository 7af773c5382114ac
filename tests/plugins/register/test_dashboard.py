"""The accountability dashboard: figures that match a hand count, SVG charts without scripts or inline styles."""

from __future__ import annotations

import json
import re

from ..accountability.conftest import ANSWER, act, local, token
from .conftest import file


def _seed(client, clock):
    """P.STP: 4 received in March 2026, 1 answered on time, 1 late, 2 open of which 1 overdue; P.XA: 1 open, overdue."""
    clock.set(local(2026, 3, 2, 9))
    head = token(client, "head@example.vn")
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
            stp["on_time_rate"]) == (4, 1, 1, 2, 1, 0.5)
    xa = by_unit["P.XA"]
    assert (xa["received"], xa["answered"], xa["open"], xa["open_overdue"]) == (1, 0, 1, 1)
    assert data["totals"]["received"] == 5 and data["totals"]["on_time_rate"] == 0.5 and data["target"] == 1.0
    march = [month for month in data["months"] if month["month"] == "2026-03-01"][0]
    assert (march["answered_on_time"], march["answered_late"], march["on_time_rate"]) == (1, 1, 0.5)
    csv_text = client.get("/dashboard/stats.csv?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "P.STP,Sở Tư pháp,4,2,1,1,2,1,0.5" in csv_text

    page = client.get("/dashboard?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "Sở Tư pháp" in page and "50 %" in page and "01/03/2026" in page
    unit_page = client.get("/dashboard/units/P.STP?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', unit_page)
    assert cells[:6] == ["4", "1", "1", "2", "1", "50 %"]
    # The register agrees: one answered late (by 4 working days), two open and late (by 9).
    late = client.get("/api/v1/register?timeliness=late").get_json()["items"]
    assert sorted((row["unit"]["code"], row["late_days"]) for row in late) == [("P.STP", 4), ("P.STP", 9), ("P.XA", 9)]


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
