"""Hostile input through the public surfaces: over-long fields, NUL bytes and control characters,
query names that url_for keeps for itself, lone surrogates in JSON, impossible dates, and feeds
that must stay valid XML whatever the text. Never a 500; the citizen keeps their text."""

from __future__ import annotations

import datetime as dt
import html
import xml.etree.ElementTree as ElementTree

import pytest
from sqlalchemy import select, text

from feedback.extensions import db as _db
from feedback.items.models import Item, ItemContact
from tests.helpers import FORM_BODY, TITLE, bearer, count, file_item, post_form
from tests.security.matrix import MATRIX
from tests.security.test_access import build_scene

# A query string that names what url_for keeps for itself and the routes' own variables.
HOSTILE_QUERY = {"endpoint": "x", "code": "x", "_method": "DELETE", "_external": "1", "_anchor": "x", "values": "x",
                 "fmt": "x", "cursor": "x\x00", "lang": "en", "q": "thủ\x00tục\x07", "unit": "P.STP\x00",
                 "token_id": "1", "filename": "x"}
NUL_TEXT = "Hồ sơ\x00 bị giữ\x0b lại\x1b quá hạn mười ngày, không hẹn lại gì cả."


def _items(client) -> int:
    with client.application.app_context():
        return count(Item)


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- over-long fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("title", "T" * 401), ("body", "Đ" * 20_001), ("name", "N" * 401),
                                          ("address", "A" * 1001), ("email", "e" * 401)])
def test_an_over_long_field_is_shown_again_with_its_message(client, staff, field, value):
    answer = post_form(client, **{field: value})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    page = _page(answer)
    assert value in page, "the citizen's text is still on the form"
    assert "ký tự" in page, "the length message is in Vietnamese"
    assert _items(client) == 0


def test_the_length_message_in_english(client, staff):
    client.get("/?lang=en")
    answer = post_form(client, title="T" * 401)
    assert answer.status_code == 422
    assert "cannot be longer than 400 characters" in _page(answer)


def test_a_body_over_the_services_limit_keeps_the_text(client, staff):
    answer = post_form(client, body="B" * 10_001)
    assert answer.status_code == 422
    page = _page(answer)
    assert "B" * 10_001 in page and "10000" in page.replace(".", "")


# --- NUL bytes and control characters --------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "body", "name", "address", "email", "phone", "unit", "procedure", "kind",
                                   "topic", "submission"])
def test_nul_in_a_filing_field_never_reaches_the_database(app, client, staff, field):
    values = {"title": NUL_TEXT[:60], "body": NUL_TEXT, "name": "Vũ\x00 Thị\x01 Lan", "address": "Số 1\x00 phố Huế",
              "email": "lan\x00@example.vn", "phone": "0912\x00345678", "unit": "P.\x00STP", "procedure": "\x00",
              "kind": "complaint\x00", "topic": "procedure\x00", "submission": None}
    overrides = {field: values[field]} if field != "submission" else {}
    if field in ("name", "address", "email", "phone"):
        overrides["consent"] = "y"
    token = "\x00" if field == "submission" else None
    answer = post_form(client, token=token, **overrides)
    assert answer.status_code in (302, 400, 422), answer.get_data(as_text=True)[:500]
    with app.app_context():
        for item in _db.session.scalars(select(Item)):
            assert "\x00" not in item.title + item.body
            assert "\x0b" not in item.body and "\x1b" not in item.body
        for contact in _db.session.scalars(select(ItemContact)):
            assert not any("\x00" in value or "\x01" in value
                           for value in (contact.name, contact.phone, contact.email, contact.address))


def test_a_pasted_text_with_control_characters_is_kept_without_them(app, client, staff):
    answer = post_form(client, title="Hồ sơ\tbị\x0cgiữ\r\nlại", body="Dòng một\r\n\tDòng\x00 hai\x1b, " + FORM_BODY)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    with app.app_context():
        item = _db.session.scalar(select(Item))
        assert item.title == "Hồ sơ bịgiữ lại"
        assert item.body.startswith("Dòng một\n\tDòng hai, ")


def test_control_characters_in_api_json_are_refused_by_field(client, staff):
    for title, reason in (("Hồ sơ\x00 bị giữ", "control"), ("Hồ sơ\x07 bị giữ", "control"),
                          ("Hồ sơ \ud800 bị giữ", "Unicode")):
        answer = client.post("/api/v1/items", json={"kind": "complaint", "topic": "other", "title": title,
                                                    "body": FORM_BODY, "contact": {"name": "Lan\x00"}})
        assert answer.status_code == 422, answer.get_data(as_text=True)
        fields = answer.get_json()["error"]["fields"]
        assert set(fields) == {"title", "contact.name"} or set(fields) == {"title"}, fields
    assert _items(client) == 0


def test_a_lone_surrogate_in_raw_json_is_refused(client, staff):
    raw = ('{"kind": "complaint", "topic": "other", "title": "Hồ sơ \\ud800 bị giữ", "body": "%s"}' % FORM_BODY)
    answer = client.post("/api/v1/items", data=raw.encode(), content_type="application/json")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]["title"].startswith("Văn bản này")
    english = client.post("/api/v1/items", data=raw.encode(), content_type="application/json",
                          headers={"Accept-Language": "en"})
    assert "not valid Unicode" in english.get_json()["error"]["fields"]["title"]
    assert _items(client) == 0


def test_tabs_and_line_breaks_are_allowed_in_api_texts(client, staff):
    created = file_item(client, body="Dòng một\n\tDòng hai\r\n" + FORM_BODY)
    with client.application.app_context():
        assert _db.session.scalar(select(Item.body).where(Item.code == created["code"])).startswith("Dòng một\n\tDòng")


def test_nul_in_query_strings_on_postgresql_and_sqlite(client, staff):
    for url in ("/register?q=th%E1%BB%A7%00t%E1%BB%A5c", "/track?code=PA%00-26", "/kiosk?code=%00",
                "/api/v1/procedures?q=%00&unit=P.STP", "/api/v1/units?on=2026-01-01%00",
                "/api/v1/register?q=%00", "/procedures?q=%00", "/units/P.STP%00"):
        answer = client.get(url)
        assert answer.status_code < 500, (url, answer.status_code)


def test_nothing_with_a_nul_byte_is_flushed(app):
    """Whatever a service writes (an import, a job), the session leaves NUL bytes out."""
    from feedback.units.services import create_unit

    with app.app_context():
        unit = create_unit("NUL", "Ủy ban\x00 xã", "commune", valid_from=dt.date(2025, 7, 1))
        _db.session.commit()
        stored = _db.session.execute(text("SELECT name FROM units WHERE id = :id"), {"id": unit.id}).scalar_one()
        assert stored == "Ủy ban xã"


# --- query names that url_for keeps for itself, on every page -------------------------------------


@pytest.mark.parametrize("role", ["admin", "filer"])
def test_every_page_survives_a_hostile_query_and_nul_bytes(app, client, people, savepoint, role):
    """Every route of the authorization matrix, with names url_for keeps for itself in the query,
    and NUL bytes in every form field it sends."""
    scene = build_scene(app, client)
    failed = []
    for row in MATRIX:
        browser = app.test_client()
        if scene.cookies[role]:
            browser.set_cookie("session", scene.cookies[role])
        path = scene.path(app, row.rule)
        headers = {"Authorization": f"Bearer {scene.tokens['admin']}"} if path.startswith("/api/") else {}
        kwargs = {}
        if row.json is not None:
            body = row.json(scene, role) if callable(row.json) else row.json
            kwargs["json"] = {key: value + "\x00" if isinstance(value, str) else value for key, value in body.items()}
        elif row.method != "GET":
            data = row.data(scene, role) if callable(row.data) else dict(row.data or {})
            kwargs["data"] = {**{key: f"{value}\x00" for key, value in data.items()},
                              "title": "x\x00", "body": "y\x00", "reason": "z\x00", "q": "\x00"}
        with savepoint():
            answer = browser.open(path, method=row.method, headers=headers,
                                  query_string={**row.query, **HOSTILE_QUERY}, **kwargs)
            answer.get_data()
            answer.close()
        if answer.status_code >= 500:
            failed.append(f"{row.id}: {answer.status_code}")
    assert not failed, f"as {role}: " + ", ".join(failed)


# --- the API -------------------------------------------------------------------------------------


def test_a_unit_that_ends_before_today_without_a_start(client, staff):
    answer = client.post("/api/v1/units", headers=bearer(client),
                         json={"code": "P.OLD", "name": "Đơn vị cũ", "kind": "commune", "valid_until": "2020-01-01"})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert "valid_until" in answer.get_json()["error"]["fields"]


def test_api_length_messages_are_translated(client, staff):
    answer = client.post("/api/v1/items", json={"kind": "complaint", "topic": "other", "title": "T" * 401,
                                                "body": FORM_BODY})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]["title"] == "Tối đa 200 ký tự."
    english = client.post("/api/v1/items", headers={"Accept-Language": "en"},
                          json={"kind": "complaint", "topic": "other", "title": "T" * 401, "body": FORM_BODY})
    assert english.get_json()["error"]["fields"]["title"] == "At most 200 characters."


# --- feeds ---------------------------------------------------------------------------------------


def test_feeds_are_valid_xml_whatever_the_text(app, client, staff):
    """A title stored before these rules (written here with SQL) with control characters."""
    code = file_item(client, title=TITLE, body=FORM_BODY, publish=True)["code"]
    answered = client.post(f"/api/v1/items/{code}/transitions", headers=bearer(client, "head@example.vn"),
                           json={"action": "respond", "body": "Đã xử lý xong hồ sơ của ông bà."})
    assert answered.status_code == 200, answered.get_data(as_text=True)
    with app.app_context():
        _db.session.execute(text("UPDATE items SET title = :title WHERE code = :code"),
                            {"title": "Hồ sơ\x01 bị\x0c giữ\x1f lại\x7f", "code": code})
        _db.session.execute(text("UPDATE register_entries SET title = :title"),
                            {"title": "Hồ sơ\x01 bị\x0c giữ\x1f lại\x7f"})
        _db.session.commit()
    for url in ("/register/feed.atom", "/register/units/P.STP/feed.atom"):
        answer = client.get(url)
        assert answer.status_code == 200
        feed = ElementTree.fromstring(answer.get_data())
        titles = [entry.findtext("{http://www.w3.org/2005/Atom}title")
                  for entry in feed.iter("{http://www.w3.org/2005/Atom}entry")]
        assert titles == [f"{code}: Hồ sơ bị giữ lại"], titles
