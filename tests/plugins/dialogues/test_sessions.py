"""Planning, announcing, moving and cancelling sessions (with their calendar file), the agenda drawn
from the data, and registrations and questions before the day, on the web, in the API and in the
services; bad input gets a clear message and stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar as ICalendar
from sqlalchemy import select

from feedback.plugins.dialogues import services
from feedback.plugins.dialogues.models import DialogueSession, Question, Registration
from feedback.timeutil import utcnow
from tests.helpers import DIALOGUE_DAY, LOCAL, PASSWORD, PLANNED_AT, Auth, bearer, count, file_item, plan_dialogue, \
    user_id


def actor(db, email="head@example.vn"):
    from feedback.auth.models import User

    return db.session.get(User, user_id(email))


def coming_day(db, extra: int = 3) -> dt.date:
    """A working day far enough ahead of the real clock for the notice required."""
    from feedback.workdays import Calendar

    return Calendar.load().add_working_days(utcnow().astimezone(LOCAL).date(),
                                            services.notice_days() + extra)[0]


def plan_form(day: dt.date, **overrides) -> dict:
    data = {"unit": "P.STP", "day": day.isoformat(), "start": "08:00", "end": "11:00",
            "place": "Hội trường tầng 3, Sở Tư pháp", "online_link": "", "secretary": "",
            "fields": "Chứng thực\nHộ tịch", "procedures": "", "invited": "Hiệp hội Doanh nghiệp tỉnh\nHội Nông dân"}
    data.update(overrides)
    return data


# --- planning on the web ------------------------------------------------------------------------


def test_a_head_plans_and_announces_a_session_on_the_web(app, db, client, people):
    Auth(client).login("head@example.vn", PASSWORD)
    day = coming_day(db)
    secretary = str(user_id("officer@example.vn"))
    planned = client.post("/staff/dialogues/new", data=plan_form(day, secretary=secretary))
    assert planned.status_code == 302, planned.text
    session = db.session.scalar(select(DialogueSession))
    assert (session.status, session.chair_name, session.secretary_name) == ("planned", "Nguyễn Văn Trưởng",
                                                                           "Lê Thị Cán Bộ")
    assert [e.label for e in session.accepted_agenda] == ["Chứng thực", "Hộ tịch"]
    assert session.invited == ["Hiệp hội Doanh nghiệp tỉnh", "Hội Nông dân"]
    # Planned sessions are not public yet.
    assert client.get(f"/dialogues/{session.id}").status_code == 404
    assert client.get(f"/api/v1/dialogues/{session.id}").status_code == 404
    announced = client.post(f"/staff/dialogues/{session.id}/actions", data={"action": "announce"})
    assert announced.status_code == 302, announced.text
    page = client.get(f"/dialogues/{session.id}")
    assert page.status_code == 200 and "Hội trường tầng 3, Sở Tư pháp" in page.text
    listed = client.get("/api/v1/dialogues?unit=P.STP").json["items"]
    assert [(row["id"], row["unit"], row["date"], row["status"]) for row in listed] == [
        (session.id, "P.STP", day.isoformat(), "announced")]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"day": "2020-03-02"}, "day", "past"),
    ({"end": "07:00"}, "end", "end after"),
    ({"place": "", "online_link": ""}, "place", "place"),
    ({"online_link": "javascript:alert(1)"}, "online_link", "https://"),
    ({"place": "x" * 301}, "place", "300"),
    ({"procedures": "KHONG-CO"}, "procedures", "KHONG-CO"),
    ({"invited": "\n".join(f"Tổ chức {n}" for n in range(51))}, "invited", "50"),
    ({"fields": "y" * 201}, "fields", "200"),
])
def test_a_bad_plan_is_refused_with_a_clear_message_and_nothing_is_stored(app, db, client, people, change, field,
                                                                           message):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Auth(client).login("head@example.vn", PASSWORD)
    data = plan_form(coming_day(db))
    data.update(change)
    refused = client.post("/staff/dialogues/new", data=data)
    assert refused.status_code == 422, refused.text
    assert message in refused.text
    assert f'id="{field}-error"' in refused.text
    assert count(DialogueSession) == 0


def test_fewer_notice_days_than_required_is_refused(app, db, people):
    from feedback.workdays import Calendar

    short = Calendar.load().add_working_days(PLANNED_AT.date(), services.notice_days() - 1)[0]
    with pytest.raises(services.Invalid) as refused:
        plan_dialogue(day=short)
    assert "7" in str(refused.value.fields["day"])
    assert count(DialogueSession) == 0
    # With the notice required, the same plan goes through.
    enough = Calendar.load().add_working_days(PLANNED_AT.date(), services.notice_days())[0]
    assert plan_dialogue(day=enough).status == "announced"


def test_the_notice_is_a_setting(app, db, people):
    app.config["DIALOGUES_NOTICE_WORKING_DAYS"] = 15
    with pytest.raises(services.Invalid):
        plan_dialogue()  # 12 working days ahead


def test_only_staff_of_the_unit_plan_its_sessions(app, db, people):
    with pytest.raises(services.Forbidden):
        plan_dialogue(unit="P.XA", head="head@example.vn")
    assert plan_dialogue(unit="P.XA", head="xa@example.vn").chair_name == "Phạm Thị Xã"


# --- the calendar file ---------------------------------------------------------------------------


def ics_of(client, session_id) -> tuple[bytes, ICalendar]:
    response = client.get(f"/api/v1/dialogues/{session_id}/session.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return response.data, ICalendar.from_ical(response.data)


def test_the_calendar_file_follows_rfc_5545_and_its_updates(app, db, client, people):
    session = plan_dialogue(online_link="https://hop.example.vn/doi-thoai-so-tu-phap-tinh-thu-nghiem-thang-ba")
    db.session.commit()
    raw, calendar = ics_of(client, session.id)
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines), "lines are folded at 75 octets"
    assert any(line.startswith(b" ") for line in lines), "long lines are folded"
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH" and "PRODID" in calendar
    zones = calendar.walk("VTIMEZONE")
    assert [zone["TZID"] for zone in zones] == ["Asia/Ho_Chi_Minh"]
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert event.decoded("DTSTART") == dt.datetime.combine(DIALOGUE_DAY, dt.time(8), tzinfo=LOCAL)
    assert event.decoded("DTEND") == dt.datetime.combine(DIALOGUE_DAY, dt.time(11), tzinfo=LOCAL)
    uid, first_stamp = str(event["UID"]), event.decoded("DTSTAMP")
    assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert "Sở Tư pháp" in str(event["SUMMARY"]) and "Hội trường" in str(event["LOCATION"])

    head = actor(db)
    later = PLANNED_AT + dt.timedelta(days=1)
    moved = services.update_session(session, services.Plan(
        unit="P.STP", day=DIALOGUE_DAY + dt.timedelta(days=1), start=dt.time(14), end=dt.time(16),
        place="Phòng họp số 2"), head, now=later)
    db.session.commit()
    assert moved
    _raw, calendar = ics_of(client, session.id)
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1
    assert event.decoded("DTSTART").astimezone(LOCAL).hour == 14 and str(event["LOCATION"]) == "Phòng họp số 2"

    services.cancel(session, "Trùng lịch họp của Ủy ban nhân dân tỉnh.", head, now=later)
    db.session.commit()
    _raw, calendar = ics_of(client, session.id)
    (event,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 2
    assert first_stamp is not None


def test_moving_an_announced_session_needs_the_notice_too(app, db, people):
    session = plan_dialogue()
    with pytest.raises(services.Invalid):
        services.update_session(session, services.Plan(unit="P.STP", day=DIALOGUE_DAY, start=dt.time(8),
                                                       end=dt.time(11), place="Nơi khác"),
                                actor(db), now=dt.datetime.combine(DIALOGUE_DAY - dt.timedelta(days=2), dt.time(9),
                                                                   tzinfo=LOCAL))
    assert session.place == "Hội trường tầng 3, Sở Tư pháp" and session.sequence == 0


def test_hook_feedback_dialogue_changed(app, db, people, register_plugin):
    from feedback import hookimpl

    seen = []

    class Listener:
        @hookimpl
        def feedback_dialogue_changed(self, session, change):
            seen.append((session.id, change, session.sequence))

    register_plugin(Listener())
    session = plan_dialogue()
    services.cancel(session, "Hoãn vì thời tiết.", actor(db), now=PLANNED_AT)
    assert seen == [(session.id, "announced", 0), (session.id, "cancelled", 1)]


# --- the next session ---------------------------------------------------------------------------


def test_the_next_session_is_proposed_six_months_after_the_last(app, db):
    now = dt.datetime(2027, 1, 4, 9, tzinfo=LOCAL)
    assert services.proposed_next_day(dt.date(2026, 9, 15), now) == dt.date(2027, 3, 15)
    # 31 August + 6 months is the end of February; 28/02/2027 is a Sunday: the next working day.
    assert services.proposed_next_day(dt.date(2026, 8, 31), now) == dt.date(2027, 3, 1)
    # Long ago (or never): the first day with the notice required.
    assert services.proposed_next_day(dt.date(2025, 1, 10), now) == services.earliest_day(now)
    assert services.proposed_next_day(None, now) == services.earliest_day(now)


# --- the agenda drawn from the data --------------------------------------------------------------


def test_the_agenda_is_suggested_from_the_data_and_staff_decide(app, db, client, people):
    from feedback.procedures.services import save_procedure
    from feedback.units.services import get_unit

    procedure = save_procedure(None, code="1.0001.STP", name="Chứng thực bản sao từ bản chính", field="Chứng thực",
                               unit=get_unit("P.STP"), processing_days=1, fee=2000, online_level=3,
                               postal_return=False)
    db.session.commit()
    headers = bearer(client, "head@example.vn")
    codes = [file_item(client, procedure="1.0001.STP")["code"] for _ in range(3)]
    moved = file_item(client, unit="P.XA")["code"]
    client.post(f"/api/v1/items/{moved}/transitions", headers=bearer(client, "xa@example.vn"),
                json={"action": "transfer", "grounds": "not_competent", "unit": "P.STP", "reason": "Thuộc thẩm quyền của Sở Tư pháp."})
    assert len(codes) == 3
    day = coming_day(db)
    session = plan_dialogue(day=day, now=utcnow())
    db.session.commit()
    suggested = services.suggest_agenda(session, actor(db), now=utcnow() + dt.timedelta(days=60))
    kinds = {(entry.kind, entry.label, entry.figure) for entry in suggested}
    assert ("many_items", "Chứng thực bản sao từ bản chính", 3) in kinds
    assert ("overdue_items", "Chứng thực bản sao từ bản chính", 3) in kinds  # 60 days later, none answered
    assert any(kind == "inter_agency" and figure == 1 for kind, _label, figure in kinds)
    assert all(entry.figure_text for entry in suggested)
    db.session.commit()
    Auth(client).login("head@example.vn", PASSWORD)
    first, second = suggested[0], suggested[1]
    assert client.post(f"/staff/dialogues/{session.id}/actions", data={"action": "accept", "entry": first.id}
                       ).status_code == 302
    assert client.post(f"/staff/dialogues/{session.id}/actions", data={"action": "drop", "entry": second.id}
                       ).status_code == 302
    db.session.expire_all()
    agenda = client.get(f"/api/v1/dialogues/{session.id}").json["agenda"]
    assert first.label in [entry["label"] for entry in agenda]
    assert any(entry["figure_text"] == first.figure_text for entry in agenda)
    # Asked again, decided subjects are not suggested again.
    again = services.suggest_agenda(session, actor(db), now=utcnow() + dt.timedelta(days=60))
    assert (first.kind, first.procedure_id) not in {(entry.kind, entry.procedure_id) for entry in again}
    assert headers


def test_low_satisfaction_reported_by_any_plugin_is_suggested(app, db, people, register_plugin):
    from feedback import hookimpl

    class Surveys:
        @hookimpl
        def feedback_unit_statistics(self, units, date_from, date_to, by_month):
            return {unit.id: {"satisfaction_rate": 0.62} for unit in units or []}

    register_plugin(Surveys())
    session = plan_dialogue()
    suggested = services.suggest_agenda(session, actor(db), now=PLANNED_AT)
    (entry,) = [entry for entry in suggested if entry.kind == "low_satisfaction"]
    assert entry.figure == 0.62 and "62" in entry.figure_text


# --- before the day: registering and questions ------------------------------------------------------


def announced(db) -> DialogueSession:
    session = plan_dialogue(day=coming_day(db), now=utcnow())
    db.session.commit()
    return session


def test_anyone_registers_and_asks_on_the_public_page(app, db, client, people):
    session = announced(db)
    registered = client.post(f"/dialogues/{session.id}/register", data={
        "name": "Trần Thị Bình", "organisation": "Hợp tác xã Hải Hà", "phone": "0912 345 678", "consent": "y"})
    assert registered.status_code == 302, registered.text
    registration = db.session.scalar(select(Registration))
    assert registration.phone == "0912345678" and "never published" in registration.consent_text or \
        "không bao giờ" in registration.consent_text
    asked = client.post(f"/dialogues/{session.id}/questions", data={
        "title": "Thời hạn chứng thực", "body": "Tôi là Trần Thị Bình, gọi 0912 345 678: vì sao chứng thực phải chờ "
                                               "hai ngày?", "name": "Trần Thị Bình", "consent": "y"})
    assert asked.status_code == 302, asked.text
    question = db.session.scalar(select(Question))
    assert question.consent_at is not None and question.consent_text
    # Not public until staff publish the list; then masked.
    page = client.get(f"/dialogues/{session.id}").text
    assert "Thời hạn chứng thực" not in page
    services.publish_questions(session, actor(db))
    db.session.commit()
    page = client.get(f"/dialogues/{session.id}").text
    assert "Thời hạn chứng thực" in page and "[họ tên]" in page and "[số điện thoại]" in page
    for secret in ("Trần Thị Bình", "0912 345 678", "0912345678", "Hợp tác xã Hải Hà"):
        assert secret not in page
    detail = client.get(f"/api/v1/dialogues/{session.id}").json
    assert detail["questions"][0]["body"].startswith("Tôi là [họ tên], gọi [số điện thoại]")
    assert "Trần Thị Bình" not in str(detail)


@pytest.mark.parametrize(("data", "field"), [
    ({"title": "Ngắn", "body": "Nội dung câu hỏi đủ dài để hiểu được."}, "title"),
    ({"title": "Câu hỏi dài", "body": "x" * 5001}, "body"),
    ({"title": "Câu hỏi dài", "body": "Nội dung câu hỏi đủ dài để hiểu được.", "phone": "0912345678"}, "consent"),
    ({"title": "Câu hỏi dài", "body": "Nội dung câu hỏi đủ dài để hiểu được.", "email": "khong-hop-le"}, "email"),
])
def test_a_bad_question_is_refused_and_nothing_is_stored(app, db, client, people, data, field):
    session = announced(db)
    refused = client.post(f"/dialogues/{session.id}/questions", data=data)
    assert refused.status_code == 422
    assert f'id="{field}-error"' in refused.text
    assert count(Question) == 0


def test_the_honeypot_stops_bots(app, db, client, people):
    session = announced(db)
    refused = client.post(f"/dialogues/{session.id}/questions", data={
        "title": "Câu hỏi của máy", "body": "Nội dung câu hỏi đủ dài để hiểu được.", "website": "http://spam"})
    assert refused.status_code == 400
    assert count(Question) == 0


def test_questions_are_rate_limited_per_address(make_app, db, people):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DIALOGUES="2 per minute")
    with app.app_context():
        session = announced(db)
        session_id = session.id
    client = app.test_client()
    data = {"title": "Câu hỏi giới hạn", "body": "Nội dung câu hỏi đủ dài để hiểu được."}
    assert [client.post(f"/dialogues/{session_id}/questions", data=data).status_code for _ in range(3)] == [302, 302,
                                                                                                             429]
    # The API has its own count, by the same rate.
    assert [client.post(f"/api/v1/dialogues/{session_id}/questions", json=data).status_code
            for _ in range(3)] == [201, 201, 429]


def test_a_question_after_the_session_is_refused(app, db, people):
    session = plan_dialogue()
    after = dt.datetime.combine(DIALOGUE_DAY, dt.time(8, 30), tzinfo=LOCAL)
    with pytest.raises(services.Invalid) as refused:
        services.ask(session, title="Câu hỏi muộn", body="Nội dung câu hỏi gửi sau khi hội nghị bắt đầu.", now=after)
    assert "session" in refused.value.fields
    assert count(Question) == 0


def test_the_api_takes_questions_and_staff_attach_items(app, db, client, people):
    session = announced(db)
    created = client.post(f"/api/v1/dialogues/{session.id}/questions", json={
        "title": "Câu hỏi qua API", "body": "Liên hệ tôi qua email an@example.vn về hồ sơ.", "consent": True,
        "contact": {"name": "Phan Văn An", "email": "an@example.vn"}})
    assert created.status_code == 201, created.text
    assert created.json["number"] == 1 and "[thư điện tử]" in created.json["body"]
    refused = client.post(f"/api/v1/dialogues/{session.id}/questions", json={
        "title": "Câu hỏi qua API", "body": "Nội dung đủ dài cho câu hỏi.", "contact": {"phone": "0912345678"}})
    assert refused.status_code == 422 and "consent" in refused.json["error"]["fields"]
    code = file_item(client)["code"]
    assert client.post(f"/api/v1/dialogues/{session.id}/questions", json={"item": code}).status_code == 422
    assert client.post(f"/api/v1/dialogues/{session.id}/questions", json={"item": code},
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    attached = client.post(f"/api/v1/dialogues/{session.id}/questions", json={"item": code},
                           headers=bearer(client, "head@example.vn"))
    assert attached.status_code == 201, attached.text
    assert attached.json["source"] == "item" and code in attached.json["title"]
    again = client.post(f"/api/v1/dialogues/{session.id}/questions", json={"item": code},
                        headers=bearer(client, "head@example.vn"))
    assert again.status_code == 409
    assert count(Question) == 2


def test_the_openapi_document_lists_the_dialogues(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/dialogues", "/api/v1/dialogues/{session_id}", "/api/v1/dialogues/{session_id}/questions",
                 "/api/v1/dialogues/{session_id}/minutes.pdf", "/api/v1/dialogues/{session_id}/session.ics"):
        assert path in paths, path
    assert "422" in paths["/api/v1/dialogues/{session_id}/questions"]["post"]["responses"]


def test_an_unknown_unit_or_session_answers_404(app, client, people):
    assert client.get("/api/v1/dialogues?unit=NOPE").status_code == 404
    assert client.get("/api/v1/dialogues/999999").json["error"]["code"] == "not_found"
    assert client.get("/dialogues/999999").status_code == 404


def test_those_who_registered_get_the_event_and_its_updates(app, db, client, people):
    from feedback.plugins.notify.models import OutboxMessage

    session = announced(db)
    registered = client.post(f"/dialogues/{session.id}/register", data={
        "name": "Trần Thị Bình", "email": "binh@example.vn", "phone": "0912345678", "consent": "y"})
    assert registered.status_code == 302, registered.text
    head = actor(db)
    day = session.starts_at.astimezone(LOCAL).date()
    services.update_session(session, services.Plan(unit="P.STP", day=day, start=dt.time(14), end=dt.time(16),
                                                   place="Phòng họp số 2"), head)
    services.cancel(session, "Trùng lịch họp của Ủy ban nhân dân tỉnh.", head)
    db.session.commit()

    def sent(kind):
        return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                  .order_by(OutboxMessage.channel)).all()

    for kind, method, sequence in (("dialogue_registered", "PUBLISH", 0), ("dialogue_moved", "PUBLISH", 1),
                                   ("dialogue_cancelled", "CANCEL", 2)):
        both = sent(kind)
        assert sorted((m.channel, m.recipient) for m in both) == [("email", "binh@example.vn"), ("sms", "0912345678")]
        mail = next(m for m in both if m.channel == "email")
        calendar = ICalendar.from_ical(mail.attachment)
        (event,) = calendar.walk("VEVENT")
        assert calendar["METHOD"] == method and event["SEQUENCE"] == sequence, kind
        assert mail.attachment_name.endswith(".ics") and "Sở Tư pháp" in mail.subject
    assert all("Phòng họp số 2" in m.body for m in sent("dialogue_moved"))
    assert all("Trùng lịch họp" in m.body for m in sent("dialogue_cancelled"))
