"""The public look-up, the filer's private view (access key or phone), adding information,
withdrawing, and the kiosk."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from feedback.items import services
from feedback.items.models import Attachment, ItemEvent

from .conftest import BODY, PDF, PNG, count, file_now, item_by_code

NAME, PHONE, EMAIL = "Trần Thị Bình", "0987654321", "binh.tran@example.com"


@pytest.fixture
def filed(app, staff):
    """An item with contact data, not to be published: (code, access key)."""
    return file_now(app, name=NAME, phone=PHONE, email=EMAIL, consent=True)


def status_of(app, code):
    with app.app_context():
        return item_by_code(code).status


def events_of(app, code):
    with app.app_context():
        return [(e.action, e.from_status, e.to_status, e.actor_kind) for e in item_by_code(code).events]


def assert_no_personal_data(page: str):
    for secret in (NAME, PHONE, "098 765 4321", EMAIL, BODY):
        assert secret not in page, secret


# --- look-up ----------------------------------------------------------------------------------


def test_the_lookup_form_renders(client, staff):
    assert client.get("/track").status_code == 200


@pytest.mark.parametrize("typed", [str.lower, lambda code: code.replace("-", ""),
                                   lambda code: " " + code.lower().replace("-", " ") + " "])
def test_lookup_accepts_lower_case_and_missing_dashes(client, filed, typed):
    code, _key = filed
    response = client.get("/track", query_string={"code": typed(code)})
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{code}"


def test_lookup_reads_look_alike_letters_as_digits(app, client, staff):
    from feedback.extensions import db
    from feedback.items import codes

    with app.app_context():
        tail = "0110101" + codes.check_character("PA26" + "0110101")
        code = f"PA-26-{tail[:4]}-{tail[4:]}"
        item = item_by_code(file_now(app)[0])
        item.code = code
        db.session.commit()
    typed = code[:6] + code[6:].replace("0", "o").replace("1", "l")
    response = client.get("/track", query_string={"code": typed})
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{code}"


def test_a_mistyped_code_is_caught_before_any_lookup(client, filed):
    code, _key = filed
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = client.get("/track", query_string={"code": typo})
    assert response.status_code == 404
    assert 'id="code-error"' in response.get_data(as_text=True)
    assert client.get(f"/track/{typo}").status_code == 404


def test_an_unknown_valid_code_is_not_found(client, staff):
    from feedback.items import codes

    unknown = codes.new_code("complaint", 2026)
    response = client.get("/track", query_string={"code": unknown})
    assert response.status_code == 404 and 'id="code-error"' in response.get_data(as_text=True)


def test_the_public_page_redirects_to_the_canonical_code(client, filed):
    code, _key = filed
    response = client.get(f"/track/{code.lower()}")
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{code}"


def test_the_public_page_shows_the_status_and_nothing_personal(client, filed):
    code, _key = filed
    response = client.get(f"/track/{code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert code in page and "status-assigned" in page
    assert_no_personal_data(page)
    assert "Hồ sơ khai sinh bị trễ hạn" not in page  # the filer did not agree to publish the title


def test_a_published_title_is_shown_with_personal_data_masked(app, client, staff):
    code, _key = file_now(app, title="Bà Trần Thị Bình gọi 0987654321 không ai nghe", name=NAME, phone=PHONE,
                          consent=True, publish=True)
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert "không ai nghe" not in page  # not before staff reviewed it
    assert_no_personal_data(page)
    app.config["REGISTER_PUBLICATION"] = "masked"
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert "không ai nghe" in page
    assert_no_personal_data(page)


# --- the filer's private view -----------------------------------------------------------------


def test_the_private_view_is_closed_without_the_key(client, filed):
    code, _key = filed
    assert client.get(f"/track/{code}/private").status_code == 403
    assert client.post(f"/track/{code}/private", data={"text": "thêm"}).status_code == 403
    assert client.post(f"/track/{code}/withdraw").status_code == 403


@pytest.mark.parametrize("written", [str, str.lower, lambda key: f"{key[:5]}-{key[5:]}".lower()])
def test_the_access_key_opens_the_private_view(client, filed, written):
    code, key = filed
    response = client.post(f"/track/{code}", data={"key": written(key)})
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{code}/private"
    private = client.get(f"/track/{code}/private")
    assert private.status_code == 200
    page = private.get_data(as_text=True)
    assert BODY in page and NAME in page and PHONE in page and EMAIL in page


@pytest.mark.parametrize("phone", [PHONE, "098 765 4321", "+84 987 654 321"])
def test_the_phone_number_given_also_opens_it(client, filed, phone):
    code, _key = filed
    response = client.post(f"/track/{code}", data={"phone": phone})
    assert response.status_code == 302
    assert client.get(f"/track/{code}/private").status_code == 200


@pytest.mark.parametrize("data", [{"key": "AAAAAAAAAA"}, {"phone": "0912345678"}, {"key": "", "phone": ""}, {}])
def test_a_wrong_key_or_phone_is_refused(client, filed, data):
    code, _key = filed
    response = client.post(f"/track/{code}", data=data)
    assert response.status_code == 403
    assert 'id="key-error"' in response.get_data(as_text=True)
    assert client.get(f"/track/{code}/private").status_code == 403


def test_an_anonymous_item_cannot_be_opened_with_an_empty_phone(app, client, staff):
    code, key = file_now(app)
    assert client.post(f"/track/{code}", data={"phone": ""}).status_code == 403
    assert client.post(f"/track/{code}", data={"key": key}).status_code == 302


def test_access_to_one_item_does_not_open_another(app, client, filed):
    code, key = filed
    other, _other_key = file_now(app)
    client.post(f"/track/{code}", data={"key": key})
    assert client.get(f"/track/{code}/private").status_code == 200
    assert client.get(f"/track/{other}/private").status_code == 403
    assert client.post(f"/track/{other}", data={"key": key}).status_code == 403


@pytest.fixture
def opened(client, filed):
    code, key = filed
    assert client.post(f"/track/{code}", data={"key": key}).status_code == 302
    return code


def test_the_filer_adds_information_and_a_document(app, client, opened):
    code = opened
    response = client.post(f"/track/{code}/private", content_type="multipart/form-data",
                           data={"text": "Tôi bổ sung biên nhận hồ sơ.",
                                 "attachments": [(io.BytesIO(PDF), "bien-nhan.pdf")]})
    assert response.status_code == 302
    with app.app_context():
        item = item_by_code(code)
        assert [a.filename for a in item.attachments] == ["bien-nhan.pdf"]
        event = item.events[-1]
        assert event.action == "information_added" and event.actor_kind == "citizen" and event.public is False
        # The text and the file's name are kept beside the log (erasable), the event only their keyed hash.
        assert set(event.data) == {"filer_text", "files"} and event.data["files"] == 1
        written = event.filer_text
        assert (written.text, written.file_names) == ("Tôi bổ sung biên nhận hồ sơ.", ["bien-nhan.pdf"])
        assert services.filer_text_intact(written)
        assert item.status == "assigned"
    assert "Tôi bổ sung biên nhận hồ sơ." in client.get(f"/track/{code}/private").get_data(as_text=True)
    assert "Tôi bổ sung" not in app.test_client().get(f"/track/{code}").get_data(as_text=True)


def test_adding_nothing_or_a_bad_file_is_refused_at_the_field(app, client, opened):
    code = opened
    before = events_of(app, code)
    empty = client.post(f"/track/{code}/private", data={"text": "  "})
    assert empty.status_code == 422 and 'id="text-error"' in empty.get_data(as_text=True)
    bad = client.post(f"/track/{code}/private", content_type="multipart/form-data",
                      data={"text": "ảnh", "attachments": [(io.BytesIO(PNG), "anh.pdf")]})
    assert bad.status_code == 422 and 'id="attachments-error"' in bad.get_data(as_text=True)
    assert events_of(app, code) == before and count(app, Attachment) == 0


def test_the_filer_withdraws_the_item(app, client, opened):
    code = opened
    response = client.post(f"/track/{code}/withdraw", data={"reason": "Đã được giải quyết"})
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{code}/private"
    assert status_of(app, code) == "withdrawn"
    with app.app_context():
        item = item_by_code(code)
        assert item.closed_at is not None
        last = item.events[-1]
        assert (last.action, last.from_status, last.to_status, last.actor_id, last.actor_kind) == (
            "withdraw", "assigned", "withdrawn", None, "citizen")
    before = events_of(app, code)
    # Withdrawn is final: withdrawing again or adding information changes nothing.
    assert client.post(f"/track/{code}/withdraw").status_code == 302
    assert status_of(app, code) == "withdrawn" and events_of(app, code) == before
    assert client.post(f"/track/{code}/private", data={"text": "còn nữa"}).status_code == 409
    assert events_of(app, code) == before


# --- the kiosk --------------------------------------------------------------------------------


def test_the_kiosk_looks_up_a_code_as_typed(client, filed):
    code, _key = filed
    assert client.get("/kiosk").status_code == 200
    response = client.get("/kiosk", query_string={"code": code.lower().replace("-", "")})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert code in page and "status-assigned" in page
    assert_no_personal_data(page)
    # The screen starts again after a while, with a warning first (feedback.js), never by a silent refresh.
    assert 'data-idle-reset="/kiosk"' in page and 'role="alertdialog"' in page and 'http-equiv="refresh"' not in page


def test_the_kiosk_says_so_for_a_wrong_code(client, filed):
    code, _key = filed
    response = client.get("/kiosk", query_string={"code": code[:-1] + ("Z" if code[-1] != "Z" else "Y")})
    assert response.status_code == 404
    assert 'id="code-error"' in response.get_data(as_text=True)


def test_private_events_stay_off_the_public_timeline(app, client, opened):
    code = opened
    client.post(f"/track/{code}/private", data={"text": "Thông tin riêng"})
    with app.app_context():
        from feedback.extensions import db

        actions = db.session.scalars(select(ItemEvent.action).where(ItemEvent.public.is_(False))).all()
    assert "information_added" in actions
    assert "Thông tin riêng" not in client.get("/kiosk", query_string={"code": code}).get_data(as_text=True)


def test_the_next_person_at_a_kiosk_cannot_open_the_previous_filers_item(app, client, staff):
    from .conftest import post_form, submission_token

    token = submission_token(client, "/file?channel=kiosk")
    response = post_form(client, url="/file?channel=kiosk", token=token, name=NAME, phone=PHONE, consent="y")
    code = response.headers["Location"].rsplit("/", 1)[-1]
    assert client.get(response.headers["Location"]).status_code == 200  # the filer reads the receipt
    client.get("/kiosk")  # the screen goes back to the look-up page; the next person comes
    assert client.get(f"/track/{code}/private").status_code == 403
