"""Publication after review: an item's text and its answer's text are public only once staff have
reviewed their public version (the default), everywhere the public looks; the review screen marks
personal data and refuses a text that still holds a phone or an identity number."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from feedback.items.models import ItemEvent
from feedback.plugins.register.models import PublicText, RegisterEntry
from tests.helpers import ANSWER, act, bearer, item, login, review_public_version

from .conftest import file

NAME, PHONE = "Đinh Thị Quyênxuân", "0912738465"
TITLE = "Chị Quyênxuân bị giữ hồ sơ ở số 12 ngõ 34 phố Huế"
BODY = "Tôi là Đinh Thị Quyênxuân, ĐT. 0912.738.465, CCCD 001.099.012.345, hồ sơ bị giữ quá hạn mười ngày."
WORDS = ("Quyênxuân", "Quyenxuan", "bị giữ hồ sơ", "quá hạn mười ngày")


def _public_pages(client, code: str) -> dict[str, str]:
    """Every public place that shows an item, as text."""
    urls = ["/register", f"/register/items/{code}", f"/track/{code}", f"/kiosk?code={code}",
            f"/api/v1/items/{code}", "/api/v1/register", "/register/feed.atom", "/register/units/P.STP/feed.atom",
            "/register/download.csv", "/register/download.json", f"/register?q={code}"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    return pages


def test_until_staff_review_it_the_public_sees_the_items_metadata_only(client, people):
    head = bearer(client, "head@example.vn")
    filed = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME, "phone": PHONE}, consent=True)
    act(client, head, filed["code"], "respond", body=ANSWER + " Kính gửi chị Quyênxuân.")
    for url, text in _public_pages(client, filed["code"]).items():
        for word in WORDS + (PHONE, "0912.738.465", "001.099.012.345", "Kính gửi chị"):
            assert word not in text, (url, word)
    # The metadata is public at once: code, unit, status, deadline.
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert row["code"] == filed["code"] and row["unit"]["code"] == "P.STP" and row["status"] == "responded"
    assert row["title"] is None and row["body"] is None and row["response"]["body"] is None
    assert row["response"]["published_at"] and row["late"] is False
    page = client.get(f"/register/items/{filed['code']}").get_data(as_text=True)
    assert "đang chờ cán bộ xem xét" in page or "awaiting review" in page
    # The words of the text cannot be searched for either.
    assert client.get("/api/v1/register", query_string={"q": "giu ho so"}).get_json()["items"] == []

    review_public_version(client, filed["code"])
    pages = _public_pages(client, filed["code"])
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert row["title"] == "Chị [họ tên] bị giữ hồ sơ ở [địa chỉ]"
    assert "[số điện thoại]" in row["body"] and "[số định danh]" in row["body"] and "quá hạn mười ngày" in row["body"]
    assert row["response"]["body"] == ANSWER + " Kính gửi chị [họ tên]."
    assert client.get(f"/api/v1/items/{filed['code']}").get_json()["title"] == row["title"]
    assert "quá hạn mười ngày" in pages[f"/register/items/{filed['code']}"]
    for url, text in pages.items():
        for word in (NAME, "Quyênxuân", PHONE, "0912.738.465", "001.099.012.345", "ngõ 34"):
            assert word not in text, (url, word)
    assert [row["code"] for row in client.get("/api/v1/register", query_string={"q": "giu ho so"}).get_json()["items"]] \
        == [filed["code"]]


def test_publish_masked_at_once_is_a_setting(app, client, people, runner):
    filed = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    assert client.get("/api/v1/register").get_json()["items"][0]["title"] is None
    app.config["REGISTER_PUBLICATION"] = "masked"
    # The register's rows follow the setting once rebuilt (flask register reindex); an item's own page at once.
    assert client.get(f"/api/v1/items/{filed['code']}").get_json()["title"] == "Chị [họ tên] bị giữ hồ sơ ở [địa chỉ]"
    result = runner.invoke(args=["register", "reindex"])
    assert result.exit_code == 0 and "1 items in the register" in result.output
    row = client.get("/api/v1/register").get_json()["items"][0]
    assert row["title"] == "Chị [họ tên] bị giữ hồ sơ ở [địa chỉ]" and not row["text_awaiting_review"]
    app.config["REGISTER_PUBLICATION"] = "review"
    runner.invoke(args=["register", "reindex"])
    assert client.get("/api/v1/register").get_json()["items"][0]["title"] is None


def test_the_filing_form_asks_for_no_personal_data_in_the_text(client):
    page = client.get("/file").get_data(as_text=True)
    assert "Không ghi họ tên, số điện thoại, số định danh hay địa chỉ vào đây" in page
    page = client.get("/file?lang=en").get_data(as_text=True)
    assert "Do not write names, phone numbers, identity numbers or addresses here" in page
    assert 'aria-describedby="body-hint"' in page


def test_the_review_screen_marks_personal_data_and_proposes_the_masked_text(client, people):
    filed = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME, "phone": PHONE}, consent=True)
    login(client, "head@example.vn")
    page = client.get(f"/staff/register/{filed['code']}").get_data(as_text=True)
    assert '<mark class="personal-data" title="[số điện thoại]">0912.738.465</mark>' in page
    assert '<mark class="personal-data" title="[số định danh]">001.099.012.345</mark>' in page
    assert '<mark class="personal-data" title="[họ tên]">Đinh Thị Quyênxuân</mark>' in page
    # The form holds the masked proposal, ready to edit and confirm.
    assert "Tôi là [họ tên], ĐT. [số điện thoại], CCCD [số định danh]" in page
    assert 'value="Chị [họ tên] bị giữ hồ sơ ở [địa chỉ]"' in page


def test_a_review_that_leaves_a_phone_or_an_identity_number_is_refused_with_its_place_marked(client, people, db):
    head = bearer(client, "head@example.vn")
    filed = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    act(client, head, filed["code"], "draft", body=ANSWER)
    found = item(filed["code"])
    events = db.session.scalar(select(func.count()).select_from(ItemEvent).where(ItemEvent.item_id == found.id))
    entry = db.session.get(RegisterEntry, found.id)
    before = (entry.title, entry.body, entry.answer)
    login(client, "head@example.vn")
    for data, field, marked in (
        ({"body": "Hồ sơ bị giữ, gọi Zalo ０９１２ ７３８ ４６５ nhé."}, "body", "⟦０９１２ ７３８ ４６５⟧"),
        ({"title": "CCCD 001 099 012 345 bị giữ"}, "title", "⟦001 099 012 345⟧"),
        ({"answer": ANSWER + " Liên hệ +84 (0) 912 738 465."}, "answer", "⟦+84 (0) 912 738 465⟧"),
    ):
        response = client.post(f"/staff/register/{filed['code']}",
                               data={"title": "", "body": "", "answer": "", **data, "publish": "1"})
        assert response.status_code == 422, data
        page = response.get_data(as_text=True)
        assert marked in page, (field, page[page.find("error-summary"):][:800])
        assert 'aria-invalid="true"' in page
    # Nothing changed: no review, no event, the register as it was, the answer still a draft.
    db.session.expire_all()
    assert db.session.get(PublicText, found.id) is None
    assert db.session.scalar(select(func.count()).select_from(ItemEvent).where(ItemEvent.item_id == found.id)) == events
    entry = db.session.get(RegisterEntry, found.id)
    assert (entry.title, entry.body, entry.answer) == before
    assert item(filed["code"]).published_response is None


def test_the_head_publishes_the_answer_as_part_of_its_review(client, people, db):
    officer = bearer(client, "officer@example.vn")
    filed = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    act(client, officer, filed["code"], "respond", body=ANSWER + " Chị Quyênxuân nhận kết quả tại quầy.")
    # An officer reviews, but only the head publishes.
    login(client, "officer@example.vn")
    refused = client.post(f"/staff/register/{filed['code']}", data={"title": "", "body": "", "answer": "",
                                                                    "publish": "1"})
    assert refused.status_code == 422 and item(filed["code"]).published_response is None
    page = client.get(f"/staff/register/{filed['code']}").get_data(as_text=True)
    assert "Xác nhận và công bố trả lời" not in page and "Confirm and publish the answer" not in page
    client.post("/logout")
    login(client, "head@example.vn")
    item_page = client.get(f"/staff/items/{filed['code']}").get_data(as_text=True)
    assert f'href="/staff/register/{filed["code"]}">Xem xét bản công khai và công bố trả lời</a>' in item_page
    page = client.get(f"/staff/register/{filed['code']}").get_data(as_text=True)
    assert "Chị [họ tên] nhận kết quả tại quầy." in page and 'name="publish" value="1"' in page
    response = client.post(f"/staff/register/{filed['code']}", data={
        "title": "", "body": "", "answer": ANSWER + " Công dân nhận kết quả tại quầy.", "publish": "1"})
    assert response.status_code == 302
    published = item(filed["code"])
    assert published.status == "responded" and published.published_response is not None
    assert published.published_response.body.endswith("Chị Quyênxuân nhận kết quả tại quầy.")
    view = client.get(f"/api/v1/items/{filed['code']}").get_json()
    assert view["response"]["body"] == ANSWER + " Công dân nhận kết quả tại quầy."
    assert view["title"] == "Chị [họ tên] bị giữ hồ sơ ở [địa chỉ]"
    reviewed = db.session.get(PublicText, published.id)
    assert reviewed.reviewed_by.email == "head@example.vn" and reviewed.reviewed_at is not None
    assert reviewed.answer_response_id == published.published_response.id and reviewed.answer_reviewed_at
    actions = [event.action for event in published.events]
    assert actions[-2:] == ["public_text_edited", "respond"]
    assert json.loads(json.dumps(published.events[-2].data))["published"] is True


def test_a_new_answer_waits_for_its_own_review(client, people):
    head = bearer(client, "head@example.vn")
    filed = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    act(client, head, filed["code"], "respond", body=ANSWER)
    review_public_version(client, filed["code"])
    assert client.get(f"/api/v1/items/{filed['code']}").get_json()["response"]["body"] == ANSWER
    act(client, head, filed["code"], "reopen", reason="Công dân chưa hài lòng")
    act(client, head, filed["code"], "respond", body=ANSWER + " Bổ sung lần hai.")
    view = client.get(f"/api/v1/items/{filed['code']}").get_json()
    assert view["response"]["body"] is None and view["title"] == "Chị [họ tên] bị giữ hồ sơ ở [địa chỉ]"
    review_public_version(client, filed["code"])
    assert client.get(f"/api/v1/items/{filed['code']}").get_json()["response"]["body"].endswith("Bổ sung lần hai.")


def test_an_item_put_on_a_dialogue_follows_the_same_rule(client, people, db):
    from feedback.auth.models import User
    from feedback.plugins.dialogues import services as dialogues
    from feedback.timeutil import utcnow
    from feedback.workdays import Calendar
    from tests.helpers import LOCAL, plan_dialogue

    day = Calendar.load().add_working_days(utcnow().astimezone(LOCAL).date(), dialogues.notice_days() + 3)[0]
    session = plan_dialogue(day=day, now=utcnow())
    head = db.session.scalar(select(User).where(User.email == "head@example.vn"))
    waiting = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    reviewed = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    review_public_version(client, reviewed["code"])
    first = dialogues.attach_item(session, waiting["code"], head)
    second = dialogues.attach_item(session, reviewed["code"], head)
    assert waiting["code"] in first.public_title and "Quyênxuân" not in first.public_body + first.public_title
    assert first.public_body == "Nội dung phản ánh, kiến nghị này chưa được công khai khi cán bộ chưa xem xét."
    assert second.public_title == "Chị [họ tên] bị giữ hồ sơ ở [địa chỉ]" and "[số định danh]" in second.public_body


def test_staff_see_what_waits_for_their_review(client, people):
    head = bearer(client, "head@example.vn")
    text_waits = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    answer_waits = file(client, title="Tiêu đề riêng tư", publish=False)
    act(client, head, answer_waits["code"], "respond", body=ANSWER)
    done = file(client, title=TITLE, body=BODY, publish=True, contact={"name": NAME}, consent=True)
    review_public_version(client, done["code"])
    other_unit = file(client, unit="P.XA", title=TITLE, body=BODY, publish=True)
    login(client, "officer@example.vn")
    page = client.get("/staff/register").get_data(as_text=True)
    assert text_waits["code"] in page and answer_waits["code"] in page
    assert done["code"] not in page and other_unit["code"] not in page
    assert "Quyênxuân" not in page and "Tiêu đề riêng tư" not in page
    assert 'href="/staff/register"' in client.get("/staff/items").get_data(as_text=True)
    review_public_version(client, answer_waits["code"])
    assert answer_waits["code"] not in client.get("/staff/register").get_data(as_text=True)
