"""Accountability that cannot be gamed: lateness that sticks to the unit that was late in every
figure, transfers capped and reasoned, no item without a clock (the reception desk's routing, a
reopened item), escalation that climbs to the province's chair, true times and named heads."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.items.models import ItemEvent
from feedback.obligations.models import Obligation

from .conftest import ANSWER, act, count, file_item, item, local, login, parse, token

REASON = "Nội dung thuộc thẩm quyền của Ủy ban nhân dân xã"
NOVEMBER = "from=2026-11-01&to=2026-11-20"


def api_figures(client, query=NOVEMBER) -> dict:
    response = client.get(f"/api/v1/stats/units?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["unit"]: row for row in response.get_json()["units"]}


def dashboard_figures(client, query="date_from=2026-11-01&date_to=2026-11-20") -> dict:
    response = client.get(f"/dashboard/stats.json?{query}")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def story_rows(page: str) -> list[list[str]]:
    """The rows of the "who held the item" table of a page, as the text of their cells."""
    table = re.search(r'<table class="stats story">(.*?)</table>', page, re.S).group(1)
    body = table.split("<tbody>")[1]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.fixture
def late_then_transferred(client, db, people, clock):
    """Received by the department Friday 30/10, due Friday 13/11 at 17:00; transferred to the commune on
    Monday 16/11, already late; the commune answers on Friday 20/11, within its own deadline."""
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), received_at=local(2026, 10, 30, 10))["code"]
    clock.set(local(2026, 11, 16, 9))
    out = act(client, token(client), code, "transfer", unit="P.XA", grounds="not_competent", reason=REASON)
    # The commune's deadline starts as configured (restart): ten working days from 16/11, 24/11 off.
    assert parse(out["item"]["due_at"]) == local(2026, 12, 1, 17)
    return code


def test_a_late_then_transferred_item_stays_late_in_every_figure(app, client, late_then_transferred, clock):
    code = late_then_transferred
    # Before the commune answers: late for the department, not yet due at the commune.
    clock.set(local(2026, 11, 17, 10))
    figures = api_figures(client, "from=2026-11-01&to=2026-11-17")
    assert (figures["P.STP"]["transferred_late"], figures["P.STP"]["counted"], figures["P.STP"]["on_time_rate"]) == (
        1, 1, 0.0)
    assert "P.XA" not in figures  # nothing due at the commune yet

    clock.set(local(2026, 11, 20, 9))
    act(client, token(client, "xa@example.vn"), code, "respond", body=ANSWER)
    clock.set(local(2026, 11, 20, 10))
    # The API.
    figures = api_figures(client)
    stp, xa = figures["P.STP"], figures["P.XA"]
    assert (stp["answered"], stp["transferred_late"], stp["open_overdue"], stp["on_time_rate"]) == (0, 1, 0, 0.0)
    assert (xa["answered_on_time"], xa["answered_late"], xa["on_time_rate"]) == (1, 0, 1.0)
    # The dashboard, its ranking (by the lower bound) and its download.
    data = dashboard_figures(client)
    rows = {row["unit"]: row for row in data["units"]}
    assert (rows["P.STP"]["transferred_late"], rows["P.STP"]["on_time_rate"]) == (1, 0.0)
    assert [row["unit"] for row in data["ranking"]] == ["P.XA", "P.STP"]
    assert (data["totals"]["answered_on_time"], data["totals"]["counted"], data["totals"]["on_time_rate"]) == (1, 2, 0.5)
    # The unit's page.
    page = client.get("/dashboard/units/P.STP?date_from=2026-11-01&date_to=2026-11-20").get_data(as_text=True)
    cells = re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', page)
    assert cells[:4] == ["0", "0", "0", "1"]  # received (in October), answered on time, late, passed on late
    # The public register: late (by the department's 1 working day), though the commune was on time.
    register = {row["code"]: row for row in client.get("/api/v1/register?timeliness=late").get_json()["items"]}
    assert (register[code]["late"], register[code]["late_days"]) == (True, 1)
    assert code not in {row["code"] for row in client.get("/api/v1/register?timeliness=on_time").get_json()["items"]}
    # The statistics hook, which scorecards read.
    with app.app_context():
        from feedback.pluginmanager import hook
        from feedback.units.services import get_unit

        stp_id = get_unit("P.STP").id
        answers = [answer for answer in hook().feedback_unit_statistics(
            units=None, date_from=local(2026, 11, 1).date(), date_to=local(2026, 11, 20).date(), by_month=False,
            names=None)
            if answer and stp_id in answer]
        assert [answer[stp_id]["transferred_late"] for answer in answers] == [1]


def test_the_item_tells_its_whole_story(client, late_then_transferred, clock):
    code = late_then_transferred
    clock.set(local(2026, 11, 20, 9))
    act(client, token(client, "xa@example.vn"), code, "respond", body=ANSWER)
    public = client.get(f"/api/v1/items/{code}").get_json()
    assert [(row["unit_code"], row["task"], row["status"], row["working_days"], row["late"])
            for row in public["story"]] == [
        # 2-6/11 (5), 9-13/11 (10), 16/11 (11); then 17-20/11 (4).
        ("P.STP", "answer", "superseded", 11, True), ("P.XA", "answer", "met", 4, False)]
    page = client.get(f"/track/{code}").get_data(as_text=True)
    rows = story_rows(page)
    assert [(row[0], row[4], row[6]) for row in rows] == [("Sở Tư pháp", "11", "Trễ hạn"),
                                                         ("Ủy ban nhân dân xã Cô Tô", "4", "Đúng hạn")]
    login(client)
    staff = client.get(f"/staff/items/{code}").get_data(as_text=True)
    assert [(row[0], row[6]) for row in story_rows(staff)] == [("Sở Tư pháp", "Trễ hạn"),
                                                              ("Ủy ban nhân dân xã Cô Tô", "Đúng hạn")]
    # The transfer's reason and its legal basis are in the log.
    [event] = [e for e in item(code).events if e.action == "transfer"]
    assert (event.data["grounds"], event.data["late"]) == ("not_competent", True)
    assert event.data["legal_basis"].startswith("Nghị định 20/2008/NĐ-CP")


def test_transfers_are_capped_and_need_a_reason_from_the_list(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client)["code"]
    admin = token(client)
    for field, fields in (("grounds", {}), ("grounds", {"grounds": "because"})):
        response = client.post(f"/api/v1/items/{code}/transitions", headers=admin,
                               json={"action": "transfer", "unit": "P.XA", "reason": REASON, **fields})
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert item(code).unit.code == "P.STP" and count(ItemEvent, ItemEvent.action == "transfer") == 0

    act(client, admin, code, "transfer", unit="P.XA", grounds="not_competent", reason=REASON)
    act(client, admin, code, "transfer", unit="P.STP", grounds="wrong_routing", reason="Trả lại")
    holdings = count(Obligation, Obligation.owner_type == "item")
    response = client.post(f"/api/v1/items/{code}/transitions", headers=admin,
                           json={"action": "transfer", "unit": "P.XA", "grounds": "not_competent", "reason": REASON})
    assert response.status_code == 409
    assert "2" in response.get_json()["error"]["message"]
    found = item(code)
    assert (found.unit.code, count(ItemEvent, ItemEvent.action == "transfer")) == ("P.STP", 2)
    assert count(Obligation, Obligation.owner_type == "item") == holdings

    # Who transfers most: the administrator's page.
    login(client)
    page = client.get("/admin/transfers?date_from=2026-11-01&date_to=2026-11-30&lang=en").get_data(as_text=True)
    assert "2 lần chuyển" in page
    assert re.search(r"<th scope=\"row\">Quản trị</th><td>—</td><td class=\"num\">2</td>", page)
    assert re.search(r"<th scope=\"row\">Sở Tư pháp</th><td class=\"num\">1</td>", page)
    assert client.get("/admin/transfers?date_from=2026-11-30&date_to=2026-11-01").status_code == 400


def test_the_staff_form_refuses_a_transfer_without_a_reason_from_the_list(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client)["code"]
    login(client)
    page = client.get(f"/staff/items/{code}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert 'name="grounds"' in page and "Nghị định 20/2008/NĐ-CP" in page
    response = client.post(f"/staff/items/{code}/actions", data={
        "csrf_token": csrf, "action": "transfer", "unit": "P.XA", "reason": REASON, "grounds": ""})
    assert response.status_code == 422
    assert "Chọn lý do chuyển" in response.get_data(as_text=True)
    assert item(code).unit.code == "P.STP"
    response = client.post(f"/staff/items/{code}/actions", data={
        "csrf_token": csrf, "action": "transfer", "unit": "P.XA", "reason": REASON, "grounds": "not_competent"})
    assert response.status_code == 302 and item(code).unit.code == "P.XA"


# --- no item without a clock ------------------------------------------------------------------


def test_an_item_waiting_for_routing_has_the_reception_desks_deadline(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, unit="")["code"]  # "Tôi không rõ"
    public = client.get(f"/api/v1/items/{code}").get_json()
    # Two working days for the desk (ROUTING_DEADLINE_DAYS), from receipt: Wednesday 4/11 at 17:00.
    assert parse(public["due_at"]) == local(2026, 11, 4, 17) and public["deadline_days"] == 2
    assert [(row["unit_code"], row["task"], row["status"]) for row in public["story"]] == [("P", "routing", "open")]

    # Counted like any other: open and overdue at the desk (the province, without a service centre).
    clock.set(local(2026, 11, 5, 9))
    assert client.get(f"/api/v1/items/{code}").get_json()["overdue"] is True
    desk = api_figures(client, "from=2026-11-01&to=2026-11-05")["P"]
    assert (desk["open_overdue"], desk["on_time_rate"]) == (1, 0.0)
    desk_row = {row["unit"]: row for row in dashboard_figures(client, "date_from=2026-11-01&date_to=2026-11-05")["units"]}["P"]
    assert (desk_row["open"], desk_row["open_overdue"]) == (1, 1)
    listed = client.get("/api/v1/items?overdue=true", headers=token(client)).get_json()["items"]
    assert [row["code"] for row in listed] == [code]

    # Routed late: the desk's lateness stays; the answer's deadline runs from receipt.
    out = act(client, token(client), code, "assign", unit="P.STP")
    assert parse(out["item"]["due_at"]) == local(2026, 11, 16, 17)
    story = client.get(f"/api/v1/items/{code}").get_json()["story"]
    assert [(row["unit_code"], row["task"], row["status"], row["late"]) for row in story] == [
        ("P", "routing", "met", True), ("P.STP", "answer", "open", False)]
    desk = api_figures(client, "from=2026-11-01&to=2026-11-05")["P"]
    assert (desk["answered_late"], desk["open_overdue"], desk["on_time_rate"]) == (1, 0, 0.0)


def test_reception_sees_items_waiting_for_routing_in_the_inbox(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, unit="")["code"]
    login(client, "tinh@example.vn")
    clock.set(local(2026, 11, 5, 9))
    page = client.get("/staff/inbox").get_data(as_text=True)
    overdue = page.split('class="inbox-overdue"')[1].split("</section>")[0]
    assert code in overdue and "Chờ chuyển đến đơn vị" in overdue


def test_a_reopened_item_gets_a_new_deadline_counts_as_open_and_is_flagged(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client)["code"]
    head = token(client, "head@example.vn")
    clock.set(local(2026, 11, 4, 9))
    act(client, head, code, "respond", body=ANSWER)
    clock.set(local(2026, 11, 6, 9))
    out = act(client, head, code, "reopen", reason="Công dân chưa hài lòng với câu trả lời")
    assert parse(out["item"]["due_at"]) == local(2026, 11, 20, 17)
    assert (out["item"]["status"], out["item"]["responded_at"]) == ("in_progress", None)
    data = dashboard_figures(client, "date_from=2026-11-01&date_to=2026-11-06")
    assert {row["unit"]: row["open"] for row in data["units"]} == {"P.STP": 1}
    login(client, "head@example.vn")
    page = client.get("/staff/inbox").get_data(as_text=True)
    assert "Mở lại: người gửi chưa hài lòng" in page and code in page
    # Past its new deadline, it counts against the unit: 1 on time of (1 answered + 1 open and overdue).
    clock.set(local(2026, 11, 23, 9))
    stp = api_figures(client, "from=2026-11-01&to=2026-11-23")["P.STP"]
    assert (stp["answered_on_time"], stp["open_overdue"], stp["on_time_rate"]) == (1, 1, 0.5)


# --- escalation climbs ------------------------------------------------------------------------


def test_escalation_climbs_to_the_provinces_chair(client, runner, db, sub_department, clock):
    from feedback.plugins.accountability.models import Notice

    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), unit=sub_department, received_at=local(2026, 10, 30, 10))["code"]

    def tick(when) -> str:
        clock.set(when)
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0, result.output
        return result.output

    def ladder():
        found = item(code)
        return [(notice.kind, notice.unit.code, notice.recipient.email)
                for notice in _db.session.scalars(select(Notice).where(
                    Notice.item_id == found.id, Notice.kind.like("escalated%")).order_by(Notice.id))]

    # Overdue since Friday 13/11: first to the department's head.
    assert "1 escalations" in tick(local(2026, 11, 16, 8))
    assert ladder() == [("escalated", "P.STP", "head@example.vn")]
    # Still unanswered three working days later (ESCALATION_STEP_DAYS): not before Thursday 19/11 at 17:00.
    assert "0 escalations" in tick(local(2026, 11, 19, 8))
    assert "1 escalations" in tick(local(2026, 11, 20, 8))
    assert ladder() == [("escalated", "P.STP", "head@example.vn"), ("escalated_2", "P", "tinh@example.vn")]
    # The chair is the top: nothing further, however often tick runs.
    assert "0 escalations" in tick(local(2026, 11, 27, 8))
    assert "0 escalations" in tick(local(2026, 12, 7, 8))
    assert len(ladder()) == 2

    # Each step is public on the item, and counted on the dashboard.
    timeline = client.get(f"/api/v1/items/{code}").get_json()["timeline"]
    assert [event["to_unit"] for event in timeline if event["action"] == "escalate"] == [
        "Sở Tư pháp", "Ủy ban nhân dân tỉnh Thử nghiệm"]
    assert api_figures(client, "from=2026-11-01&to=2026-11-30")[sub_department]["escalated"] == 2
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert page.count("Chuyển lên cấp trên") == 2 and "→ Ủy ban nhân dân tỉnh Thử nghiệm" in page


def test_an_answer_stops_the_climb(client, runner, db, sub_department, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client, token(client), unit=sub_department, received_at=local(2026, 10, 30, 10))["code"]
    clock.set(local(2026, 11, 16, 8))
    assert runner.invoke(args=["tick"]).exit_code == 0
    clock.set(local(2026, 11, 17, 9))
    act(client, token(client, "chicuc@example.vn"), code, "respond", body=ANSWER)
    clock.set(local(2026, 11, 20, 8))
    result = runner.invoke(args=["tick"])
    assert "0 escalations" in result.output
    assert count(ItemEvent, ItemEvent.action == "escalate") == 1


# --- true times and named heads ---------------------------------------------------------------


def test_the_public_timeline_shows_when_the_item_was_received(client, db, people, clock):
    clock.set(local(2026, 11, 5, 10))
    code = file_item(client, token(client, "officer@example.vn"), channel="hotline",
                     received_at=local(2026, 11, 3, 15, 30))["code"]
    public = client.get(f"/api/v1/items/{code}").get_json()
    filed = [event for event in public["timeline"] if event["action"] == "filed"]
    assert [parse(event["at"]) for event in filed] == [local(2026, 11, 3, 15, 30)]
    assert "03/11/2026 15:30" in client.get(f"/track/{code}").get_data(as_text=True)
    login(client, "officer@example.vn")
    staff = client.get(f"/staff/items/{code}").get_data(as_text=True)
    assert re.search(r"<dt>Đã tiếp nhận</dt><dd>03/11/2026 15:30</dd>\s*<dt>Nhập vào hệ thống</dt><dd>05/11/2026 10:00</dd>",
                     staff)


def test_a_public_answer_names_the_head(client, db, people, clock):
    clock.set(local(2026, 11, 2, 9))
    code = file_item(client)["code"]
    act(client, token(client, "head@example.vn"), code, "respond", body=ANSWER)
    response = client.get(f"/api/v1/items/{code}").get_json()["response"]
    assert (response["head_name"], response["head_title"]) == ("Nguyễn Văn Trưởng", "Giám đốc")
    assert "Nguyễn Văn Trưởng · Giám đốc" in client.get(f"/track/{code}").get_data(as_text=True)
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert (row["response"]["head_name"], row["response"]["head_title"]) == ("Nguyễn Văn Trưởng", "Giám đốc")
    assert "Nguyễn Văn Trưởng · Giám đốc" in client.get(f"/register/items/{code}").get_data(as_text=True)
