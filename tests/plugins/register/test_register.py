"""The public register: pages, search without diacritics, bad input, the public-view hook, staff review."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from sqlalchemy import select

from feedback.items.models import Item, Response
from tests.helpers import ANSWER, act, bearer, item, login, review_public_version

from .conftest import file


def test_an_item_enters_the_register_when_assigned_with_its_answer(client, people):
    head = bearer(client, "head@example.vn")
    filed = file(client, title="Hồ sơ khai sinh bị trễ hạn", publish=True)
    waiting = file(client, unit="")  # in the reception queue: not assigned yet
    act(client, head, filed["code"], "respond", body=ANSWER)
    codes = [row["code"] for row in client.get("/api/v1/register").get_json()["items"]]
    assert codes == [filed["code"]]
    assert waiting["code"] not in client.get("/register").get_data(as_text=True)
    row = client.get("/api/v1/register").get_json()["items"][0]
    # Its metadata at once; its texts once staff reviewed their public version.
    assert row["title"] is None and row["response"]["body"] is None and row["late"] is False
    assert row["text_awaiting_review"] and row["answer_awaiting_review"]
    review_public_version(client, filed["code"])
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert not row["text_awaiting_review"] and not row["answer_awaiting_review"]
    assert row["title"] == "Hồ sơ khai sinh bị trễ hạn" and row["response"]["body"] == ANSWER
    assert row["response"]["unit"] == "Sở Tư pháp" and row["response"]["head_title"] == "Giám đốc"
    assert row["late"] is False and row["late_days"] == 0
    page = client.get(f"/register/items/{filed['code']}").get_data(as_text=True)
    assert ANSWER in page and "Giám đốc" in page


def test_an_item_not_to_be_published_shows_metadata_and_the_answer_only(client, people):
    head = bearer(client, "head@example.vn")
    filed = file(client, title="Tiêu đề riêng tư không công bố", publish=False)
    act(client, head, filed["code"], "respond", body=ANSWER)
    review_public_version(client, filed["code"], title="Tiêu đề riêng tư không công bố")
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert row["title"] is None and row["body"] is None and row["response"]["body"] == ANSWER
    assert row["unit"]["code"] == "P.STP"
    assert "Tiêu đề riêng tư" not in client.get("/register").get_data(as_text=True)
    assert client.get("/api/v1/register?q=rieng+tu").get_json()["items"] == []


def test_search_ignores_diacritics_and_case(client, people, masked_at_once):
    wanted = file(client, title="Thủ tục đất đai bị chậm", publish=True,
                  body="Hồ sơ đăng ký biến động đất đai của gia đình tôi đã quá hạn mười ngày.")
    file(client, title="Giấy phép xây dựng chậm hơn thời hạn", publish=True)
    for q in ("thu tuc dat dai", "THU TUC DAT DAI", "Thủ tục đất đai", "bien dong", wanted["code"].lower()):
        found = client.get("/api/v1/register", query_string={"q": q}).get_json()["items"]
        assert [row["code"] for row in found] == [wanted["code"]], q
        assert wanted["code"] in client.get("/register", query_string={"q": q}).get_data(as_text=True)


def test_sql_and_fts_syntax_in_the_search_is_just_text(client, people):
    file(client, title="Thủ tục đất đai bị chậm", publish=True)
    for q in ("'; DROP TABLE items; --", 'dat" OR 1=1 --', "NEAR(dat dai)", "dat*", "%", "_", "\\", "a' UNION SELECT *"):
        response = client.get("/register", query_string={"q": q})
        assert response.status_code == 200, q
        api = client.get("/api/v1/register", query_string={"q": q})
        assert api.status_code == 200 and api.get_json()["items"] == [], q
    assert len(client.get("/api/v1/register").get_json()["items"]) == 1


def test_a_tampered_cursor_or_bad_filters_get_a_clear_message(client, people):
    for index in range(3):
        file(client, title=f"Phản ánh số {index} về thủ tục", publish=True)
    first = client.get("/api/v1/register?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next"]
    second = client.get("/api/v1/register", query_string={"limit": 2, "cursor": first["next"]}).get_json()
    assert len(second["items"]) == 1 and second["next"] is None
    assert {r["code"] for r in first["items"]}.isdisjoint(r["code"] for r in second["items"])
    tampered = first["next"][:-3] + ("AAA" if not first["next"].endswith("AAA") else "BBB")
    for cursor in (tampered, "garbage", "W10"):
        page = client.get("/register", query_string={"cursor": cursor})
        assert page.status_code == 422 and "không hợp lệ" in page.get_data(as_text=True)
        api = client.get("/api/v1/register", query_string={"cursor": cursor})
        assert api.status_code == 422 and api.get_json()["error"]["fields"]["cursor"]
    # A cursor of another sort order is refused too.
    other = client.get("/api/v1/register", query_string={"limit": 1, "sort": "received_asc"}).get_json()["next"]
    assert client.get("/api/v1/register", query_string={"cursor": other}).status_code == 422
    assert client.get("/register?date_from=32/13/2026").status_code == 400
    assert client.get("/register?date_from=2026-05-02&date_to=2026-05-01").status_code == 422
    assert client.get("/register?unit=NO.SUCH").status_code == 422
    assert client.get("/api/v1/register?status=teleported").status_code == 422
    assert client.get("/api/v1/register", query_string={"q": "x" * 500}).status_code == 422
    assert client.get("/register/items/PA-00-0000-0000").status_code == 404


def test_filters(client, people):
    head = bearer(client, "head@example.vn")
    complaint = file(client, title="Phản ánh về thủ tục", publish=True)
    petition = file(client, kind="petition", topic="regulation", title="Kiến nghị sửa quy định", publish=True)
    act(client, head, petition["code"], "respond", body=ANSWER)

    def codes(**args):
        return [row["code"] for row in client.get("/api/v1/register", query_string=args).get_json()["items"]]

    assert codes(kind="petition") == [petition["code"]]
    assert codes(topic="procedure") == [complaint["code"]]
    assert codes(status="responded") == [petition["code"]]
    assert set(codes(unit="P.STP")) == {complaint["code"], petition["code"]}
    assert codes(timeliness="late") == []
    assert set(codes(timeliness="on_time")) == {complaint["code"], petition["code"]}
    assert codes(sort="answered_desc")[0] == petition["code"]
    assert codes(**{"from": "2000-01-01", "to": "2000-01-02"}) == []


def test_hook_feedback_public_view(client, people, register_plugin, masked_at_once):
    """Every implementation is called, after the register's; each can take something away."""
    from feedback import hookimpl

    head = bearer(client, "head@example.vn")
    filed = file(client, title="Thủ tục đất đai bị chậm", publish=True)
    act(client, head, filed["code"], "respond", body=ANSWER)
    calls = []

    class HideTitles:
        @hookimpl
        def feedback_public_view(self, item, view):
            calls.append(item.code)
            view["title"] = None
            if view.get("response"):
                view["response"]["head_title"] = None

    class HideBodies:
        @hookimpl
        def feedback_public_view(self, item, view):
            view["body"] = None

    register_plugin(HideTitles(), name="hide-titles")
    register_plugin(HideBodies(), name="hide-bodies")
    for url in (f"/api/v1/items/{filed['code']}", "/api/v1/register"):
        data = client.get(url).get_json()
        row = data["items"][0] if "items" in data else data
        assert row["title"] is None and row["body"] is None and row["response"]["head_title"] is None
        assert row["response"]["body"] == ANSWER
    for url in ("/register", f"/register/items/{filed['code']}", f"/track/{filed['code']}", "/register/feed.atom",
                "/register/download.csv", "/register/download.json"):
        text = client.get(url).get_data(as_text=True)
        assert "Thủ tục đất đai" not in text and "Giám đốc" not in text, url
    assert filed["code"] in calls


def test_core_public_view_is_unchanged_without_the_register(make_app, people):
    app = make_app(DISABLED_PLUGINS=["register"])
    client = app.test_client()
    filed = file(client, title="Thủ tục đất đai bị chậm", publish=True)
    view = client.get(f"/api/v1/items/{filed['code']}").get_json()
    assert view["title"] == "Thủ tục đất đai bị chậm"
    assert client.get("/").status_code == 200 and client.get("/register").status_code == 404


def test_staff_review_edits_the_public_version_and_keeps_the_original(client, people, db):
    head = bearer(client, "head@example.vn")
    filed = file(client, title="Ông Tư ở xóm Bến hỏi về thủ tục", publish=True)
    act(client, head, filed["code"], "start")
    act(client, head, filed["code"], "draft", body=ANSWER + " Gửi ông Tư ở xóm Bến.")
    login(client, "head@example.vn")
    page = client.post(f"/staff/register/{filed['code']}", data={
        "title": "Hỏi về thủ tục", "body": "", "answer": ANSWER + " Gửi ông."})
    assert page.status_code == 302
    act(client, head, filed["code"], "respond")  # the head publishes the draft as it is
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert row["title"] == "Hỏi về thủ tục"
    assert row["response"]["body"] == ANSWER + " Gửi ông."
    found = item(filed["code"])
    assert found.title == "Ông Tư ở xóm Bến hỏi về thủ tục"
    assert db.session.scalar(select(Response.body).where(Response.item_id == found.id,
                                                         Response.published_at.is_not(None))).endswith("xóm Bến.")
    # After publication too; the original answer stays for staff. Empty: the automatic masked version.
    client.post(f"/staff/register/{filed['code']}", data={"title": "", "body": "", "answer": "Đã trả lời công dân."})
    assert client.get(f"/api/v1/items/{filed['code']}").get_json()["response"]["body"] == "Đã trả lời công dân."
    assert client.get(f"/api/v1/items/{filed['code']}").get_json()["title"] == "Ông Tư ở [địa chỉ] hỏi về thủ tục"
    staff_page = client.get(f"/staff/register/{filed['code']}").get_data(as_text=True)
    assert 'Gửi ông Tư ở <mark class="personal-data" title="[địa chỉ]">xóm Bến</mark>.' in staff_page


def test_staff_of_another_unit_cannot_review_the_item_is_absent(client, people):
    filed = file(client, title="Phản ánh về thủ tục", publish=True)
    login(client, "xa@example.vn")
    assert client.get(f"/staff/register/{filed['code']}").status_code == 404
    assert client.post(f"/staff/register/{filed['code']}", data={"title": "x"}).status_code == 404
    client.post("/logout")
    assert client.get(f"/staff/register/{filed['code']}").status_code == 302  # to the sign-in page


def test_downloads_neutralise_spreadsheet_formulas(client, people, masked_at_once):
    head = bearer(client, "head@example.vn")
    filed = file(client, title="=HYPERLINK(\"http://x\")", publish=True, body="+cmd|' /C calc'!A0 và hồ sơ chậm trễ.")
    act(client, head, filed["code"], "respond", body="@SUM(1+1) đơn vị đã trả lời công dân đúng hạn.")
    text = client.get("/register/download.csv?lang=en").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["Title"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["Content"].startswith("'+cmd") and rows[0]["Answer"].startswith("'@SUM")
    data = json.loads(client.get("/register/download.json").get_data(as_text=True))
    assert data["items"][0]["code"] == filed["code"]


def test_atom_feeds_of_new_answers(client, people, masked_at_once):
    head = bearer(client, "head@example.vn")
    filed = file(client, title="Thủ tục đất đai bị chậm", publish=True)
    act(client, head, filed["code"], "respond", body=ANSWER)
    file(client, title="Chưa trả lời", publish=True)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for url in ("/register/feed.atom", "/register/units/P.STP/feed.atom"):
        response = client.get(url)
        assert response.mimetype == "application/atom+xml"
        entries = ET.fromstring(response.data).findall("a:entry", ns)
        assert len(entries) == 1 and entries[0].find("a:content", ns).text == ANSWER
    assert ET.fromstring(client.get("/register/units/P.XA/feed.atom").data).findall("a:entry", ns) == []
    assert client.get("/register/units/NOPE/feed.atom").status_code == 404


def test_menu_and_home_link_to_the_register_and_the_dashboard(client, people):
    page = client.get("/").get_data(as_text=True)
    assert page.count('href="/register"') >= 2 and page.count('href="/dashboard"') >= 2


def test_the_register_entries_follow_extension_transfer_and_merge_of_units(client, people, db):
    head = bearer(client, "head@example.vn")
    admin = bearer(client)
    filed = file(client, title="Phản ánh về thủ tục", publish=True)
    act(client, head, filed["code"], "extend", reason="Cần xác minh thêm", days=3)
    act(client, admin, filed["code"], "transfer", grounds="not_competent", unit="P", reason="Thuộc thẩm quyền tỉnh")
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert row["extended"] and row["transferred"] and row["unit"]["code"] == "P"
    assert db.session.scalar(select(Item.status).where(Item.code == filed["code"])) == "assigned"
