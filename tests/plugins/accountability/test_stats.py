"""GET /api/v1/stats/units: the on-time figures of each unit over a period, checked against figures
worked out by hand from a seeded history."""

from __future__ import annotations

import math

import pytest

from .conftest import ANSWER, act, file_item, local, token

# (name, unit, received, answered or None). Complaints: ten working days from the day of receipt.
HISTORY = [
    # Before the period: neither received nor answered in it.
    ("old", "P.XA", local(2026, 9, 15, 9), local(2026, 9, 16, 9)),
    # Department (P.STP).
    ("stp1", "P.STP", local(2026, 10, 5, 9), local(2026, 10, 9, 10)),     # due 19/10: on time, 4 working days
    ("stp2", "P.STP", local(2026, 10, 6, 9), local(2026, 10, 20, 16)),    # due 20/10 17:00: on time, 10 days
    ("stp3", "P.STP", local(2026, 10, 7, 9), local(2026, 10, 22, 9)),     # due 21/10: late, 11 days
    ("stp4", "P.STP", local(2026, 10, 8, 9), None),                       # due 22/10: open and overdue
    ("stp5", "P.STP", local(2026, 11, 16, 9), None),                      # due 1/12: open, not overdue
    # Commune (P.XA).
    ("xa1", "P.XA", local(2026, 10, 1, 9), local(2026, 10, 14, 10)),      # due 15/10: on time, 9 days
    ("xa2", "P.XA", local(2026, 10, 2, 9), local(2026, 11, 2, 9)),        # due 16/10: late, 21 days
    ("xa3", "P.XA", local(2026, 10, 5, 9), None),                         # due 19/10: open and overdue
]
TODAY = local(2026, 11, 20, 10)
HEADS = {"P.STP": "head@example.vn", "P.XA": "xa@example.vn"}


def nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


@pytest.fixture
def history(client, db, people, clock):
    """Replay HISTORY in time order: each item filed when received, answered when answered."""
    moments = sorted([(received, "file", name, unit) for name, unit, received, _answered in HISTORY] +
                     [(answered, "answer", name, unit) for name, unit, _received, answered in HISTORY if answered])
    codes = {}
    for when, what, name, unit in moments:
        clock.set(when)
        if what == "file":
            codes[name] = file_item(client, unit=unit)["code"]
        else:
            out = act(client, token(client, HEADS[unit]), codes[name], "respond", body=ANSWER)
            assert out["item"]["status"] == "responded"
    clock.set(TODAY)
    return codes


def test_unit_figures_match_a_hand_count(client, history):
    # Working days to answer, counted by hand (after the day of receipt, up to the day of answer).
    stp_days = [4, 10, 11]       # 6-9/10; 7-9, 12-16, 19-20/10; 8-9, 12-16, 19-22/10
    xa_days = [9, 21]            # 2, 5-9, 12-14/10; 5/10-30/10 (20) and 2/11
    # On time over everything due by then: P.STP 2 of (3 answered + 1 open and overdue), P.XA 1 of
    # (2 + 1); the 95% Wilson intervals of 2/4 and 1/3 are [0.15, 0.85] and [0.0615, 0.7923].
    expected = [
        {"unit": "P.STP", "name": "Sở Tư pháp", "received": 5, "answered": 3, "answered_on_time": 2,
         "answered_late": 1, "transferred_late": 0, "open_overdue": 1, "counted": 4, "on_time_rate": 0.5,
         "on_time_rate_low": 0.15, "on_time_rate_high": 0.85, "too_few": True, "escalated": 0,
         "mean_working_days": 8.33, "p90_working_days": 11},
        {"unit": "P.XA", "name": "Ủy ban nhân dân xã Cô Tô", "received": 3, "answered": 2, "answered_on_time": 1,
         "answered_late": 1, "transferred_late": 0, "open_overdue": 1, "counted": 3, "on_time_rate": 0.3333,
         "on_time_rate_low": 0.0615, "on_time_rate_high": 0.7923, "too_few": True, "escalated": 0,
         "mean_working_days": 15.0, "p90_working_days": 21},
    ]
    assert round(sum(stp_days) / 3, 2) == 8.33 and nearest_rank(stp_days, 0.9) == 11
    assert round(sum(xa_days) / 2, 2) == 15.0 and nearest_rank(xa_days, 0.9) == 21

    response = client.get("/api/v1/stats/units?from=2026-10-01&to=2026-11-20")
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["from"] == "2026-10-01"
    assert data["to"] == "2026-11-20"
    assert data["units"] == expected


def test_the_period_filters_receipt_and_answers(client, history):
    # October only: stp5 was received in November, xa2 answered in November.
    data = client.get("/api/v1/stats/units?from=2026-10-01&to=2026-10-31").get_json()
    rows = {row["unit"]: row for row in data["units"]}
    assert (rows["P.STP"]["received"], rows["P.STP"]["answered"]) == (4, 3)
    assert (rows["P.XA"]["received"], rows["P.XA"]["answered"], rows["P.XA"]["answered_on_time"]) == (3, 1, 1)
    assert rows["P.XA"]["mean_working_days"] == 9.0
    assert rows["P.XA"]["p90_working_days"] == 9
    # On 31/10 xa2 and xa3 were open past their deadlines: 1 on time of 3, not "100%".
    assert (rows["P.XA"]["open_overdue"], rows["P.XA"]["on_time_rate"]) == (2, 0.3333)

    # September: the old item alone.
    data = client.get("/api/v1/stats/units?from=2026-09-01&to=2026-09-30").get_json()
    assert data["units"] == [{"unit": "P.XA", "name": "Ủy ban nhân dân xã Cô Tô", "received": 1, "answered": 1,
                              "answered_on_time": 1, "answered_late": 0, "transferred_late": 0, "open_overdue": 0,
                              "counted": 1, "on_time_rate": 1.0, "on_time_rate_low": 0.2065, "on_time_rate_high": 1.0,
                              "too_few": True, "escalated": 0, "mean_working_days": 1.0, "p90_working_days": 1}]


def test_a_quiet_period_has_no_rows(client, history):
    data = client.get("/api/v1/stats/units?from=2026-06-01&to=2026-06-30").get_json()
    assert data == {"from": "2026-06-01", "to": "2026-06-30", "units": []}


def test_the_default_period_is_this_month_to_today(client, history):
    data = client.get("/api/v1/stats/units").get_json()
    assert (data["from"], data["to"]) == ("2026-11-01", "2026-11-20")
    rows = {row["unit"]: row for row in data["units"]}
    assert rows["P.STP"]["received"] == 1  # stp5
    assert rows["P.XA"]["answered"] == 1   # xa2, answered 2/11


def test_the_percentile_is_the_nearest_rank(client, db, people, clock):
    """Ten answers of 1..10 working days: the nearest-rank 90th percentile is 9 (not 9.1)."""
    codes = []
    for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13):  # November 2026 working days
        clock.set(local(2026, 11, day, 9))
        codes.append(file_item(client)["code"])
    clock.set(local(2026, 11, 16, 10))  # 10, 9, ..., 1 working days after receipt
    head = token(client, "head@example.vn")
    for code in codes:
        act(client, head, code, "respond", body=ANSWER)
    row = client.get("/api/v1/stats/units?from=2026-11-01&to=2026-11-16").get_json()["units"][0]
    assert row["answered"] == 10
    assert row["mean_working_days"] == 5.5
    assert row["p90_working_days"] == nearest_rank(list(range(1, 11)), 0.9) == 9
    assert row["answered_late"] == 0


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-11-20&to=2026-11-01", "to"),
    ("from=2020-01-01&to=2026-11-20", "to"),
    ("from=20-11-2026", "from"),
])
def test_a_bad_period_is_refused(client, db, people, clock, query, field):
    clock.set(TODAY)
    response = client.get(f"/api/v1/stats/units?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid"
    assert body["error"]["message"].strip()
    assert field in str(body["error"]["fields"])


def test_open_and_overdue_is_counted_at_the_end_of_the_period(client, history):
    # On 31/10, xa2 (due 16/10, answered 2/11) and xa3 (due 19/10) were both open and overdue.
    rows = {row["unit"]: row for row in client.get("/api/v1/stats/units?from=2026-10-01&to=2026-10-31").get_json()["units"]}
    assert rows["P.XA"]["open_overdue"] == 2


def test_an_item_assigned_from_the_reception_queue_counts_as_received(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, unit="")["code"]
    act(client, token(client), code, "assign", unit="P.STP")
    clock.set(local(2026, 11, 3, 9))
    act(client, token(client, "head@example.vn"), code, "respond", body=ANSWER)
    rows = {row["unit"]: row for row in client.get("/api/v1/stats/units?from=2026-11-01&to=2026-11-03").get_json()["units"]}
    row = rows["P.STP"]
    assert (row["answered"], row["received"]) == (1, 1)
    # The reception desk (the province, without a service centre) routed it on the day: on time.
    assert (rows["P"]["answered_on_time"], rows["P"]["received"], rows["P"]["on_time_rate"]) == (1, 0, 1.0)
