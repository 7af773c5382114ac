"""Staff pages: recording an item received by other channels, the list with its filters and
keyset pagination, the item page (with its personal-data log), and the limits of each unit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.items import codes
from feedback.items.models import ItemEvent
from feedback.timeutil import LOCAL_TZ, utcnow
from tests.helpers import PASSWORD

from .conftest import BODY, TITLE, count, file_now, form_data, item_by_code, submission_token

CODE = re.compile(r"\b(?:PA|KN)-\d{2}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')


def codes_on(page: str) -> list[str]:
    """The item codes of a list page, in order, each once."""
    seen = []
    for code in CODE.findall(page):
        if code not in seen:
            seen.append(code)
    return seen


@pytest.fixture
def officer(client, auth, staff):
    assert auth.login("officer@example.vn").status_code == 302
    return client


@pytest.fixture
def admin(client, auth, staff):
    assert auth.login("admin@example.vn").status_code == 302
    return client


# --- recording an item ------------------------------------------------------------------------


def staff_post(client, **overrides):
    data = form_data(**{"channel": "hotline", **overrides})
    data["submission"] = submission_token(client, "/staff/items/new")
    return client.post("/staff/items/new", data=data)


def test_staff_pages_need_signing_in(app, client, staff):
    code, _key = file_now(app)
    for url in ("/staff/items", "/staff/items/new", f"/staff/items/{code}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post(f"/staff/items/{code}/actions", data={"action": "start"}).status_code == 302
    assert count(app, ItemEvent, ItemEvent.action == "start") == 0


def test_staff_record_an_item_with_its_channel_and_date_of_receipt(app, officer):
    response = staff_post(officer, channel="in_person", received_at="2026-03-02T08:30", name="Phạm Văn Cường",
                          phone="0912345678")
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[-1]
    assert response.headers["Location"] == f"/staff/items/{code}"
    with app.app_context():
        item = item_by_code(code)
        assert item.channel == "in_person"
        assert item.received_at == dt.datetime(2026, 3, 2, 8, 30, tzinfo=LOCAL_TZ)
        assert item.received_at.utcoffset() == dt.timedelta(0) and item.received_at.hour == 1
        assert item.entered_by.email == "officer@example.vn"
        assert item.contact.phone == "0912345678" and item.contact.consent is False
        assert item.status == "assigned" and item.assignee.email == "head@example.vn"
        filed = item.events[0]
        assert (filed.action, filed.actor.email) == ("filed", "officer@example.vn")
        assert filed.data == {"channel": "in_person"}
    # The next page tells the officer the filer's access key, once.
    page = officer.get(f"/staff/items/{code}").get_data(as_text=True)
    with app.app_context():
        key_hash = item_by_code(code).access_key_hash
    words = re.findall(r"\b[0-9A-Z]{10}\b", page)
    assert any(codes.digest(word) == key_hash for word in words)
    again = officer.get(f"/staff/items/{code}").get_data(as_text=True)
    assert not any(codes.digest(word) == key_hash for word in re.findall(r"\b[0-9A-Z]{10}\b", again))


def test_without_a_date_of_receipt_it_is_now(app, officer):
    before = utcnow()
    code = staff_post(officer).headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        assert before <= item_by_code(code).received_at <= utcnow()


def test_a_date_of_receipt_in_the_future_is_refused_at_its_field(app, officer):
    tomorrow = (utcnow().astimezone(LOCAL_TZ) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = staff_post(officer, received_at=tomorrow)
    assert response.status_code == 422
    assert 'id="received_at-error"' in response.get_data(as_text=True)
    assert count(app) == 0


@pytest.mark.parametrize("channel", ["web", "carrier-pigeon", ""])
def test_staff_channels_are_the_offline_ones(app, officer, channel):
    response = staff_post(officer, channel=channel)
    assert response.status_code == 422
    assert 'id="channel-error"' in response.get_data(as_text=True)
    assert count(app) == 0


def test_staff_entry_refuses_bad_input_at_the_field(app, officer):
    response = staff_post(officer, phone="+1 202 555 0100", body="ngắn")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="phone-error"' in page and 'id="body-error"' in page
    assert count(app) == 0


# --- the list ---------------------------------------------------------------------------------


def file_at(app, received_at, **overrides) -> str:
    code, _key = file_now(app, **overrides)
    with app.app_context():
        item_by_code(code).received_at = received_at
        db.session.commit()
    return code


def test_the_list_filters(app, admin, procedures):
    base = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.timezone.utc)
    dept = file_at(app, base, procedure=procedures["dept"])
    petition = file_at(app, base + dt.timedelta(days=1), kind="petition", topic="regulation",
                       title="Đề nghị bỏ bớt giấy tờ")
    commune = file_at(app, base + dt.timedelta(days=2), unit="P.XA", channel="kiosk")
    queue = file_at(app, base + dt.timedelta(days=3), unit="")
    everything = {dept, petition, commune, queue}

    def listed(**query):
        response = admin.get("/staff/items", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:1000]
        return set(codes_on(response.get_data(as_text=True)))

    assert listed() == everything
    assert listed(unit="P.STP") == {dept, petition}
    assert listed(unit="none") == {queue}
    assert listed(status="received") == {commune, queue}
    assert listed(status="assigned") == {dept, petition}
    assert listed(kind="petition") == {petition}
    assert listed(topic="regulation") == {petition}
    assert listed(channel="kiosk") == {commune}
    assert listed(procedure=procedures["dept"]) == {dept}
    assert listed(q=dept.lower().replace("-", "")) == {dept}
    assert listed(q="giấy tờ") == {petition}
    assert listed(received_from="2026-03-11", received_to="2026-03-12") == {petition, commune}
    assert listed(received_to="2026-03-10") == {dept}
    assert listed(overdue="y") == set()
    with app.app_context():
        item = item_by_code(commune)
        item.due_at = utcnow() - dt.timedelta(hours=1)
        late_but_closed = item_by_code(queue)
        late_but_closed.due_at, late_but_closed.status = utcnow() - dt.timedelta(hours=1), "closed"
        db.session.commit()
    assert listed(overdue="y") == {commune}
    page = admin.get("/staff/items", query_string={"sort": "received_asc"}).get_data(as_text=True)
    assert codes_on(page) == [dept, petition, commune, queue]
    page = admin.get("/staff/items").get_data(as_text=True)
    assert codes_on(page) == [queue, commune, petition, dept]


@pytest.mark.parametrize("typed", ["đề nghị", "ĐỀ NGHỊ", "Giấy Tờ"])
def test_searching_titles_ignores_case_in_vietnamese(app, admin, staff, typed):
    wanted = file_now(app, title="Đề nghị bỏ bớt giấy tờ")[0]
    file_now(app, title="Hồ sơ bị trễ hạn")
    page = admin.get("/staff/items", query_string={"q": typed}).get_data(as_text=True)
    assert codes_on(page) == [wanted]


def test_dates_are_local_days(app, admin, staff):
    # 23:30 in Hà Nội on 10 March is 16:30 UTC.
    late_evening = file_at(app, dt.datetime(2026, 3, 10, 16, 30, tzinfo=dt.timezone.utc))
    next_morning = file_at(app, dt.datetime(2026, 3, 10, 17, 30, tzinfo=dt.timezone.utc))
    page = admin.get("/staff/items", query_string={"received_from": "2026-03-10", "received_to": "2026-03-10"})
    assert codes_on(page.get_data(as_text=True)) == [late_evening]
    page = admin.get("/staff/items", query_string={"received_from": "2026-03-11"})
    assert codes_on(page.get_data(as_text=True)) == [next_morning]


@pytest.mark.parametrize("sort", ["received_desc", "received_asc", "due_asc"])
def test_keyset_pagination_walks_every_item_once(make_app, staff, sort):
    small = make_app(PAGE_SIZE=3)
    client = small.test_client()
    client.post("/login", data={"email": "admin@example.vn", "password": PASSWORD})
    base = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.timezone.utc)
    expected = []
    for index in range(8):
        # Pairs of items share a date of receipt, so that the id breaks ties.
        code = file_now(small, unit="P.XA")[0]
        with small.app_context():
            item = item_by_code(code)
            item.received_at = base + dt.timedelta(hours=index // 2)
            item.due_at = None if index % 3 == 0 else base + dt.timedelta(days=10 - index // 2)
            expected.append((item.received_at, item.due_at, item.id, code))
            db.session.commit()
    far = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)
    if sort == "received_desc":
        expected.sort(key=lambda row: (row[0], row[2]), reverse=True)
    elif sort == "received_asc":
        expected.sort(key=lambda row: (row[0], row[2]))
    else:
        expected.sort(key=lambda row: (row[1] or far, row[2]))
    url, seen, pages = f"/staff/items?sort={sort}", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        found = codes_on(page)
        assert len(found) <= 3
        seen.extend(found)
        pages += 1
        following = NEXT.search(page)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert seen == [row[3] for row in expected]
    assert pages == 3


def test_the_next_page_keeps_the_filters(make_app, staff):
    small = make_app(PAGE_SIZE=1)
    client = small.test_client()
    client.post("/login", data={"email": "admin@example.vn", "password": PASSWORD})
    kept = [file_now(small, kind="petition")[0] for _ in range(2)]
    file_now(small)
    first = client.get("/staff/items", query_string={"kind": "petition"}).get_data(as_text=True)
    following = NEXT.search(first).group(1).replace("&amp;", "&")
    assert "kind=petition" in following and "cursor=" in following
    second = client.get(following).get_data(as_text=True)
    assert sorted(codes_on(first) + codes_on(second)) == sorted(kept)
    assert NEXT.search(second) is None


def signed_elsewhere() -> str:
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer("another secret", salt="items-cursor").dumps(["2026-01-01T00:00:00+00:00", 1])


@pytest.mark.parametrize("cursor", ["garbage", "WyIyMDI2LTAxLTAxIiwgMV0.forged", signed_elsewhere()])
def test_a_tampered_cursor_is_refused(make_app, staff, cursor):
    small = make_app(PAGE_SIZE=1)
    client = small.test_client()
    client.post("/login", data={"email": "admin@example.vn", "password": PASSWORD})
    file_now(small)
    file_now(small)
    genuine = NEXT.search(client.get("/staff/items").get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert client.get(genuine).status_code == 200
    response = client.get("/staff/items", query_string={"cursor": cursor})
    assert response.status_code == 422
    assert codes_on(response.get_data(as_text=True)) == []
    tampered = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 422


def test_a_well_signed_cursor_with_a_bad_value_is_refused(app, admin):
    from itsdangerous import URLSafeSerializer

    file_now(app)
    for payload in (["not a date", 1], "scalar", ["2026-01-01T00:00:00+00:00"]):
        cursor = URLSafeSerializer(app.config["SECRET_KEY"], salt="items-cursor").dumps(payload)
        assert admin.get("/staff/items", query_string={"cursor": cursor}).status_code == 422, payload


# --- the item page ----------------------------------------------------------------------------


def test_opening_an_item_logs_a_view_of_personal_data(app, officer):
    code, _key = file_now(app, name="Phạm Thị Dung", phone="0912345678", consent=True)
    page = officer.get(f"/staff/items/{code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Phạm Thị Dung" in text and "0912345678" in text and BODY in text and TITLE in text
    officer.get(f"/staff/items/{code}")
    with app.app_context():
        views = db.session.scalars(select(ItemEvent).where(ItemEvent.action == "viewed_personal_data")).all()
        assert len(views) == 2
        assert all(v.actor.email == "officer@example.vn" and v.public is False for v in views)
        assert all(v.from_status is None and v.to_status is None for v in views)
    # The public timeline does not show it.
    assert "viewed_personal_data" not in str(app.test_client().get(f"/api/v1/items/{code}").get_json())


def test_opening_an_anonymous_item_logs_nothing(app, officer):
    code, _key = file_now(app)
    assert officer.get(f"/staff/items/{code}").status_code == 200
    assert count(app, ItemEvent, ItemEvent.action == "viewed_personal_data") == 0


def test_staff_act_on_an_item_through_the_page(app, officer):
    code, _key = file_now(app)
    response = officer.post(f"/staff/items/{code}/actions", data={"action": "start"})
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/items/{code}"
    with app.app_context():
        assert item_by_code(code).status == "in_progress"
    refused = officer.post(f"/staff/items/{code}/actions", data={"action": "close"})
    assert refused.status_code == 409
    no_reason = officer.post(f"/staff/items/{code}/actions", data={"action": "reject", "reason": " "})
    assert no_reason.status_code == 422 and 'id="reject-reason-error"' in no_reason.get_data(as_text=True)
    with app.app_context():
        assert item_by_code(code).status == "in_progress"
        assert [e.action for e in item_by_code(code).events if e.public] == ["filed", "assign", "start"]


# --- the limits of a unit ---------------------------------------------------------------------


def test_an_officer_cannot_see_or_act_on_items_of_another_unit_they_are_absent(app, officer):
    from feedback.items.models import Attachment

    from .conftest import PDF

    commune, _key = file_now(app, unit="P.XA", files=[("don.pdf", PDF)])
    queue, _key = file_now(app, unit="")
    mine, _key = file_now(app)
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    for code in (commune, queue):
        assert officer.get(f"/staff/items/{code}").status_code == 404
        assert officer.post(f"/staff/items/{code}/actions", data={"action": "note", "reason": "xem"}).status_code == 404
        assert officer.post(f"/staff/items/{code}/actions",
                            data={"action": "assign", "unit": "P.STP"}).status_code == 404
    assert officer.get(f"/staff/items/{commune}/attachments/{attachment_id}").status_code == 404
    listed = codes_on(officer.get("/staff/items").get_data(as_text=True))
    assert listed == [mine]
    assert codes_on(officer.get("/staff/items", query_string={"unit": "P.XA"}).get_data(as_text=True)) == []
    assert codes_on(officer.get("/staff/items", query_string={"unit": "none"}).get_data(as_text=True)) == []
    with app.app_context():
        assert item_by_code(commune).status == "received" and item_by_code(queue).status == "received"
        touched = select(ItemEvent.id).where(ItemEvent.action.in_(("note", "assign", "viewed_personal_data")),
                                             ItemEvent.item_id != item_by_code(mine).id)
        assert db.session.scalar(touched) is None


def test_the_administrator_sees_every_unit_and_the_reception_queue(app, admin):
    filed = {file_now(app, unit="P.XA")[0], file_now(app, unit="")[0], file_now(app)[0]}
    assert set(codes_on(admin.get("/staff/items").get_data(as_text=True))) == filed
    for code in filed:
        assert admin.get(f"/staff/items/{code}").status_code == 200


def test_an_unknown_code_in_the_staff_pages_is_not_found(admin, staff):
    assert admin.get(f"/staff/items/{codes.new_code('complaint', 2026)}").status_code == 404
    assert admin.get("/staff/items/NOT-A-CODE").status_code == 404
