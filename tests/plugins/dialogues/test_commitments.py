"""Commitments made at a session are obligations of the responsible unit, counted in working days,
reminded and escalated by the core's tick as an item's answer is; done with evidence, their
lateness written once. The province's overview and the unit figures show who is late."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from feedback.obligations.models import Obligation
from feedback.pluginmanager import hook, run_tick
from feedback.plugins.dialogues import overview, services
from feedback.plugins.dialogues.models import Commitment, SessionEvent
from tests.helpers import DIALOGUE_DAY, LOCAL, PASSWORD, Auth, count, hold_dialogue, plan_dialogue, user_id

PROMISE = "Niêm yết công khai danh mục giấy tờ tại Bộ phận Một cửa của xã."


def head(db, email="head@example.vn"):
    from feedback.auth.models import User

    return db.session.get(User, user_id(email))


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LOCAL)


def test_a_commitment_is_reminded_and_escalated_like_an_item(app, db, people):
    session = plan_dialogue()
    hold_dialogue(session, questions=1, commitments=[(PROMISE, "P.XA", 10)])
    commitment = db.session.scalar(select(Commitment))
    # 10 working days from Wednesday 10/03/2027: Wednesday 24/03, at the end of office hours.
    assert commitment.due_at == at(dt.date(2027, 3, 24), 17)
    obligation = db.session.scalar(select(Obligation).where(Obligation.owner_type == "dialogue_commitment"))
    assert (obligation.owner_id, obligation.kind, obligation.unit_id, obligation.days, obligation.status) == (
        commitment.id, "commitment", commitment.unit_id, 10, "open")
    assert obligation.assignee_id == user_id("xa@example.vn")
    assert obligation.basis["counted_from"] == "2027-03-10"

    def told():
        return [(event.action, event.data["kind"], event.data["unit"], event.data["recipient"])
                for event in db.session.scalars(select(SessionEvent).where(
                    SessionEvent.commitment_id == commitment.id, SessionEvent.action.like("commitment_%"))
                    .order_by(SessionEvent.id)) if event.action != "commitment"]

    run_tick(at(dt.date(2027, 3, 19)))
    assert told() == []
    run_tick(at(dt.date(2027, 3, 22)))
    assert told() == [("commitment_reminder", "due_soon", "P.XA", user_id("xa@example.vn"))]
    run_tick(at(dt.date(2027, 3, 24)))
    assert told()[-1] == ("commitment_reminder", "due_today", "P.XA", user_id("xa@example.vn"))
    run_tick(at(dt.date(2027, 3, 25)))
    assert told()[-1] == ("commitment_escalated", "overdue", "P", user_id("tinh@example.vn"))
    run_tick(at(dt.date(2027, 3, 26)))
    assert len(told()) == 3, "each reminder and escalation is given once"
    from feedback.plugins.notify.models import OutboxMessage

    sent = [(m.kind, m.recipient, m.owner_type, m.owner_id) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.like("dialogue_commitment%")).order_by(OutboxMessage.id))]
    assert sent == [("dialogue_commitment_reminder", "xa@example.vn", "dialogue", session.id)] * 2 + [
        ("dialogue_commitment_escalated", "tinh@example.vn", "dialogue", session.id)]
    escalation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "dialogue_commitment_escalated"))
    assert PROMISE in escalation.body and f"/staff/dialogues/{session.id}" in escalation.body
    assert commitment.is_overdue(at(dt.date(2027, 3, 26)))

    services.complete_commitment(commitment, "Đã niêm yết tại trụ sở xã ngày 26/3.", [("bien-ban.pdf", b"%PDF-1.4\n%")],
                                 head(db, "xa@example.vn"), now=at(dt.date(2027, 3, 26)))
    assert (commitment.status, commitment.late, commitment.evidence_filename) == ("done", True, "bien-ban.pdf")
    db.session.expire_all()
    ended = db.session.get(Obligation, obligation.id)
    assert (ended.status, ended.late) == ("met", True)


def test_a_commitment_needs_a_unit_and_a_deadline(app, db, people):
    session = plan_dialogue()
    hold_dialogue(session, questions=0)
    during = at(DIALOGUE_DAY, 10)
    for fields, field in (({"unit": "", "days": 5}, "unit"), ({"unit": "P.XA", "days": None}, "days"),
                          ({"unit": "P.XA", "days": 0}, "days"), ({"unit": "P.XA", "days": 400}, "days"),
                          ({"unit": "NOPE", "days": 5}, "unit")):
        with pytest.raises(services.Invalid) as refused:
            services.add_commitment(session, text=PROMISE, actor=head(db), now=during, **fields)
        assert field in refused.value.fields
    with pytest.raises(services.Invalid) as refused:
        services.add_commitment(session, text="x" * 1001, unit="P.XA", days=5, actor=head(db), now=during)
    assert "text" in refused.value.fields
    assert count(Commitment) == 0
    assert count(Obligation, Obligation.owner_type == "dialogue_commitment") == 0


def past_session():
    """A session held about six weeks ago by the real clock (pages use it)."""
    from feedback.timeutil import local_today
    from feedback.workdays import Calendar

    day = Calendar.load().first_working_day_from(local_today() - dt.timedelta(days=42))[0]
    return plan_dialogue(day=day, now=at(day - dt.timedelta(days=21)))


def test_commitments_on_the_staff_page_and_in_public_until_done(app, db, client, people):
    session = past_session()
    hold_dialogue(session, questions=1)
    db.session.commit()
    Auth(client).login("head@example.vn", PASSWORD)
    url = f"/staff/dialogues/{session.id}/actions"
    refused = client.post(url, data={"action": "commit", "text": PROMISE, "unit": "", "days": ""})
    assert refused.status_code == 422
    assert count(Commitment) == 0
    made = client.post(url, data={"action": "commit", "text": PROMISE, "unit": "P.XA", "days": "60"})
    assert made.status_code == 302, made.text
    commitment = db.session.scalar(select(Commitment))
    public = client.get(f"/api/v1/dialogues/{session.id}").json["commitments"]
    assert [(c["text"], c["unit"], c["days"], c["status"]) for c in public] == [(PROMISE, "P.XA", 60, "open")]
    Auth(client).logout()
    Auth(client).login("xa@example.vn", PASSWORD)
    done = client.post(url, data={"action": "done", "commitment": commitment.id, "note": "Đã niêm yết ngày 12/3.",
                                  "evidence": (io.BytesIO(b"%PDF-1.4\n%\xe2\xe3"), "anh.pdf")},
                       content_type="multipart/form-data")
    assert done.status_code == 302, done.text
    db.session.expire_all()
    public = client.get(f"/api/v1/dialogues/{session.id}").json["commitments"]
    assert [(c["status"], c["late"], c["evidence"]) for c in public] == [("done", False, "Đã niêm yết ngày 12/3.")]
    evidence = client.get(f"/dialogues/commitments/{commitment.id}/evidence")
    assert evidence.status_code == 200 and evidence.data.startswith(b"%PDF")
    assert "Đã niêm yết ngày 12/3." in client.get(f"/dialogues/{session.id}").text


def test_the_overview_shows_who_is_late_with_dialogue_and_minutes(app, db, client, people, monkeypatch):
    session = plan_dialogue()
    hold_dialogue(session, questions=1, commitments=[(PROMISE, "P.XA", 5)])
    db.session.commit()
    now = at(dt.date(2027, 3, 30))
    monkeypatch.setattr("feedback.plugins.dialogues.overview.utcnow", lambda: now)
    rows = {row["unit"]: row for row in overview.rows(now)}
    assert rows["P.STP"]["last_session"] == DIALOGUE_DAY and not rows["P.STP"]["late"]
    assert rows["P.STP"]["proposed_next"] == dt.date(2027, 9, 10)
    assert rows["P.STP"]["minutes_late"] == 1, "due 24/03, still not published on 30/03"
    assert rows["P.XA"]["late"] and rows["P.XA"]["last_session"] is None
    assert (rows["P.XA"]["commitments_open"], rows["P.XA"]["commitments_overdue"]) == (1, 1)
    assert rows["P"]["late"]

    page = client.get("/dialogues/overview").text
    late_part = page.split('id="late"', 1)[1].split("</ul>", 1)[0]
    assert "Ủy ban nhân dân xã Cô Tô" in late_part and "Sở Tư pháp" not in late_part
    minutes_part = page.split('id="late-minutes"', 1)[1].split("</ul>", 1)[0]
    assert "Sở Tư pháp" in minutes_part
    assert "<svg" in page and "dialogues-months" in page

    book = load_workbook(io.BytesIO(client.get("/dialogues/overview.xlsx").data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    table = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert table["P.XA"]["Chậm tổ chức đối thoại"] is True and table["P.STP"]["Biên bản trễ hạn"] == 1
    assert client.get("/dialogues/overview.csv").text.count("\r\n") == 4
    assert len(client.get("/dialogues/overview.json").json["items"]) == 3

    # Published now, late: it stays late in the figures.
    services.submit_minutes(session.working_minutes, head(db), now=now)
    services.approve_minutes(session.working_minutes, head(db), now=now)
    rows = {row["unit"]: row for row in overview.rows(now + dt.timedelta(hours=1))}
    assert rows["P.STP"]["minutes_late"] == 1 and rows["P.STP"]["minutes_pending"] == 0


def test_hook_feedback_unit_statistics_gives_the_dialogue_figures(app, db, people):
    from feedback.units.services import get_unit

    from feedback.timeutil import local_today

    session = past_session()
    day = session.starts_at.astimezone(LOCAL).date()
    hold_dialogue(session, questions=1, commitments=[(PROMISE, "P.XA", 5), ("Rà soát thủ tục chứng thực.", "P.STP", 30)])
    promise = db.session.scalar(select(Commitment).where(Commitment.unit_id == get_unit("P.STP").id))
    services.complete_commitment(promise, "Đã rà soát.", [], head(db), now=at(day + dt.timedelta(days=5)))
    db.session.commit()
    from feedback.plugins.dialogues.overview import unit_figures

    period = (day.replace(day=1), local_today())
    figures = unit_figures([get_unit("P.STP"), get_unit("P.XA")], *period)
    stp, xa = figures[get_unit("P.STP").id], figures[get_unit("P.XA").id]
    assert (stp["dialogues_held"], stp["commitments_kept"], stp["commitments_open"]) == (1, 1, 0)
    assert (xa["dialogues_held"], xa["dialogue_late"], xa["commitments_open"], xa["commitments_overdue"]) == (
        0, 1, 1, 1)
    merged = {}
    for answer in hook().feedback_unit_statistics(units=[get_unit("P.STP")], date_from=period[0],
                                                  date_to=period[1], by_month=False, names=None):
        for unit_id, values in (answer or {}).items():
            merged.setdefault(unit_id, {}).update(values)
    assert merged[get_unit("P.STP").id]["dialogues_held"] == 1
    # Every figure it gives has a column for the downloads (feedback_unit_statistics_columns).
    columns = {column.key for group in hook().feedback_unit_statistics_columns() for column in group or ()}
    assert set(stp) <= columns and set(xa) <= columns


def test_hook_feedback_dialogue_held(app, db, people, register_plugin):
    from feedback import hookimpl

    seen = []

    class Listener:
        @hookimpl
        def feedback_dialogue_held(self, session):
            seen.append((session.id, session.status, len(session.minutes)))

    register_plugin(Listener())
    session = plan_dialogue()
    hold_dialogue(session, questions=0)
    assert seen == [(session.id, "held", 1)]
    obligation = services.minutes_obligation(session)
    assert (obligation.days, obligation.status) == (10, "open")


def test_open_commitments_pass_to_the_successor_of_merged_units(app, db, people):
    from feedback.units.services import create_unit, get_unit, merge_units

    session = plan_dialogue()
    hold_dialogue(session, questions=0, commitments=[(PROMISE, "P.XA", 10)])
    successor = create_unit("P.XA2", "Ủy ban nhân dân xã Cô Tô mới", "commune", parent=get_unit("P"),
                            valid_from=dt.date(2025, 7, 1))
    merge_units([get_unit("P.XA")], successor, on=dt.date(2027, 3, 15))
    commitment = db.session.scalar(select(Commitment))
    assert commitment.unit_id == successor.id
    open_row = db.session.scalar(select(Obligation).where(Obligation.owner_type == "dialogue_commitment",
                                                          Obligation.status == "open"))
    assert open_row.unit_id == successor.id and open_row.due_at == commitment.due_at


def test_late_minutes_are_reminded_and_escalated(app, db, people):
    from feedback.plugins.notify.models import OutboxMessage

    session = plan_dialogue()
    hold_dialogue(session, questions=0)
    due = services.minutes_obligation(session).due_at
    # 10 working days from the closing time on Wednesday 10/03/2027: Wednesday 24/03.
    assert due == at(dt.date(2027, 3, 24), 17)
    run_tick(at(dt.date(2027, 3, 23)))
    run_tick(at(dt.date(2027, 3, 25)))
    actions = [(e.action, e.data["unit"]) for e in session.events if e.action.startswith("minutes_")]
    assert actions == [("minutes_reminder", "P.STP"), ("minutes_escalated", "P")]
    sent = [(m.kind, m.recipient) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.like("dialogue_minutes%")).order_by(OutboxMessage.id))]
    assert sent == [("dialogue_minutes_reminder", "head@example.vn"), ("dialogue_minutes_escalated", "tinh@example.vn")]
