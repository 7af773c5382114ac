"""Filing an item on the web and through the service: routing, one-time tokens, and refusals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from feedback.errors import Invalid
from feedback.items import codes, services
from feedback.items.models import Attachment, Item, ItemContact, ItemEvent, Submission
from feedback.timeutil import utcnow

from .conftest import BODY, PDF, TITLE, count, filing, item_by_code, post_form, submission_token, user


def code_from(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert location.startswith("/receipt/"), location
    return location.rsplit("/", 1)[-1]


def snapshot(app, code: str) -> dict:
    from feedback.extensions import db

    with app.app_context():
        item = item_by_code(code)
        return {
            "status": item.status, "channel": item.channel, "kind": item.kind, "topic": item.topic,
            "unit": item.unit.code if item.unit else None, "procedure": item.procedure.code if item.procedure else None,
            "assignee": item.assignee.email if item.assignee else None, "title": item.title, "body": item.body,
            "publish": item.publish, "received_at": item.received_at, "entered_by": item.entered_by_id,
            "contact": item.contact and {"name": item.contact.name, "phone": item.contact.phone,
                                         "email": item.contact.email, "address": item.contact.address,
                                         "consent": item.contact.consent, "consent_text": item.contact.consent_text,
                                         "consent_at": item.contact.consent_at},
            "events": [(e.action, e.from_status, e.to_status, e.actor_kind) for e in item.events],
            "access_key_hash": item.access_key_hash,
        }


# --- the web form -----------------------------------------------------------------------------


def test_the_form_renders_with_a_fresh_one_time_token(client, staff):
    first, second = submission_token(client), submission_token(client)
    assert first != second
    page = client.get("/file").get_data(as_text=True)
    for name in ("kind", "topic", "unit", "procedure", "title", "body", "attachments", "name", "phone", "email",
                 "address", "consent", "publish", "website"):
        assert f'name="{name}"' in page, name


def test_filing_into_a_unit_with_a_head_assigns_it_at_once(app, client, staff):
    before = utcnow()
    code = code_from(post_form(client, name="Nguyễn Văn An", phone="0912 345 678", email="An@Example.VN",
                               consent="y", publish="y"))
    assert codes.is_valid(code) and code.startswith("PA-")
    item = snapshot(app, code)
    assert item["status"] == "assigned" and item["assignee"] == "head@example.vn"
    assert item["unit"] == "P.STP" and item["channel"] == "web" and item["entered_by"] is None
    assert item["title"] == TITLE and item["body"] == BODY and item["publish"] is True
    assert before <= item["received_at"] <= utcnow()
    assert item["events"] == [("filed", None, "received", "citizen"), ("assign", "received", "assigned", "system")]
    contact = item["contact"]
    assert contact["name"] == "Nguyễn Văn An" and contact["phone"] == "0912345678"
    assert contact["email"] == "an@example.vn" and contact["consent"] is True
    assert contact["consent_text"] and before <= contact["consent_at"] <= utcnow()


def test_the_receipt_shows_the_code_and_the_access_key_once(app, client, staff):
    response = post_form(client)
    code = code_from(response)
    receipt = client.get(response.headers["Location"])
    assert receipt.status_code == 200
    page = receipt.get_data(as_text=True)
    assert code in page
    key = next(word for word in page.replace("<", " ").replace(">", " ").split()
               if len(word) == codes.ACCESS_KEY_LENGTH and set(word) <= set(codes.ALPHABET)
               and codes.digest(word) == snapshot(app, code)["access_key_hash"])
    assert key
    # Another browser has no receipt: it is sent to the public page.
    other = app.test_client().get(f"/receipt/{code}")
    assert other.status_code == 302 and other.headers["Location"] == f"/track/{code}"


def test_a_petition_without_unit_waits_in_the_reception_queue(app, client, staff):
    code = code_from(post_form(client, kind="petition", topic="regulation", unit=""))
    assert code.startswith("KN-")
    item = snapshot(app, code)
    assert item["status"] == "received" and item["unit"] is None and item["assignee"] is None
    assert item["contact"] is None  # anonymous
    assert [event[0] for event in item["events"]] == ["filed"]


def test_an_item_of_a_unit_without_head_stays_received(app, client, staff):
    item = snapshot(app, code_from(post_form(client, unit="P.XA")))
    assert item["status"] == "received" and item["unit"] == "P.XA" and item["assignee"] is None


def test_the_procedure_implies_its_unit(app, client, procedures):
    item = snapshot(app, code_from(post_form(client, unit="", procedure=procedures["commune"])))
    assert item["unit"] == "P.XA" and item["procedure"] == procedures["commune"]


def test_picking_a_unit_shows_its_procedures_and_files_nothing(app, client, procedures):
    response = post_form(client, unit="P.STP", pick_unit="1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert procedures["dept"] in page and procedures["commune"] not in page
    assert count(app) == 0


def test_the_kiosk_form_files_with_the_kiosk_channel(app, client, staff):
    token = submission_token(client, "/file?channel=kiosk")
    item = snapshot(app, code_from(post_form(client, url="/file?channel=kiosk", token=token)))
    assert item["channel"] == "kiosk"


def test_a_double_post_with_the_same_token_files_one_item(app, client, staff):
    token = submission_token(client)
    first = post_form(client, token=token, files=[("don.pdf", PDF)])
    second = post_form(client, token=token, files=[("don.pdf", PDF)])
    assert code_from(first) == code_from(second)
    assert count(app) == 1 and count(app, Attachment) == 1 and count(app, Submission) == 1
    assert count(app, ItemEvent, ItemEvent.action == "filed") == 1


def test_the_same_token_with_other_content_is_refused(app, client, staff):
    token = submission_token(client)
    code_from(post_form(client, token=token))
    again = post_form(client, token=token, title="Một nội dung khác hẳn")
    assert again.status_code == 422
    assert count(app) == 1


@pytest.mark.parametrize("token", ["", "forged", "eyJhIjoxfQ.forged.signature"])
def test_a_missing_or_forged_token_is_refused(app, client, staff, token):
    data = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY,
            "submission": token}
    assert client.post("/file", data=data).status_code == 400
    assert count(app) == 0


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(app, client, staff):
    response = post_form(client, website="http://spam.example", files=[("don.pdf", PDF)])
    assert response.status_code == 400
    assert count(app) == 0 and count(app, Attachment) == 0 and count(app, ItemContact) == 0


@pytest.mark.parametrize("field, value", [
    ("body", ""),
    ("body", "   "),
    ("body", "Quá ngắn"),
    ("body", "x" * (services.BODY_MAX + 1)),
    ("title", ""),
    ("title", "Abc"),
    ("kind", ""),
    ("kind", "denunciation"),
    ("topic", "weather"),
    ("unit", "NO.SUCH.UNIT"),
    ("procedure", "9.999999.000.00.00.H46"),
    ("phone", "12345"),
    ("phone", "+1 202 555 0100"),
    ("phone", "0123456789"),
    ("email", "not-an-email"),
    ("name", "A" * (services.NAME_MAX + 1)),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_stored(app, client, procedures, field, value):
    extra = {"consent": "y"} if field in ("phone", "email", "name") else {}
    response = post_form(client, **{field: value}, **extra)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error\b', page)
    assert count(app) == 0 and count(app, ItemContact) == 0 and count(app, Submission) == 0


def test_a_procedure_of_another_unit_is_refused_at_the_procedure_field(app, client, procedures):
    response = post_form(client, unit="P.STP", procedure=procedures["commune"])
    assert response.status_code == 422
    assert 'id="procedure-error"' in response.get_data(as_text=True)
    assert count(app) == 0


def test_contact_data_without_consent_is_refused(app, client, staff):
    response = post_form(client, phone="0912345678")
    assert response.status_code == 422
    assert 'id="consent-error"' in response.get_data(as_text=True)
    assert count(app) == 0


def test_a_refused_form_keeps_what_was_typed(app, client, staff):
    response = post_form(client, phone="12345", consent="y", title="Tiêu đề còn giữ lại")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tiêu đề còn giữ lại" in page and BODY in page


# --- the service ------------------------------------------------------------------------------


def test_the_service_returns_the_same_item_and_key_for_a_repeated_token(db, staff):
    item, key, created = services.file_item(filing(), token="tok-1")
    again, key_again, created_again = services.file_item(filing(), token="tok-1")
    db.session.commit()
    assert created is True and created_again is False
    assert again.id == item.id and key_again == key
    assert item.access_key_hash == codes.digest(key)
    assert db.session.scalar(select(Submission.token_hash)) == codes.digest("tok-1")
    with pytest.raises(Invalid) as refused:
        services.file_item(filing(title="Một tiêu đề khác"), token="tok-1")
    assert set(refused.value.fields) == {"idempotency_key"}


def test_items_filed_without_token_get_distinct_keys(db, staff):
    first = services.file_item(filing())
    second = services.file_item(filing())
    db.session.commit()
    assert first[0].id != second[0].id and first[1] != second[1]
    assert first[0].code != second[0].code


def test_all_field_errors_come_together(db, staff):
    with pytest.raises(Invalid) as refused:
        services.file_item(services.Filing(kind="x", topic="y", channel="carrier-pigeon", title="", body="",
                                           phone="12", email="@", files=[("a.exe", b"MZ")] * 6))
    assert set(refused.value.fields) >= {"kind", "topic", "channel", "title", "body", "phone", "email", "consent",
                                         "attachments"}
    assert db.session.scalar(select(Item.id)) is None


@pytest.mark.parametrize("phone, stored", [
    ("0912345678", "0912345678"), ("+84 912 345 678", "0912345678"), ("84912345678", "0912345678"),
    ("(024) 3825 1234", "02438251234"), ("0912.345.678", "0912345678"),
])
def test_vietnamese_phone_numbers_are_stored_in_one_form(db, staff, phone, stored):
    item, _key, _created = services.file_item(filing(phone=phone, consent=True))
    db.session.commit()
    assert item.contact.phone == stored


def test_staff_may_give_the_channel_and_an_earlier_date_of_receipt(db, staff):
    officer = user("officer@example.vn")
    received = utcnow() - dt.timedelta(days=3)
    item, _key, _created = services.file_item(filing(channel="hotline", received_at=received, phone="0912345678"),
                                              actor=officer)
    db.session.commit()
    assert item.channel == "hotline" and item.received_at == received and item.entered_by_id == officer.id
    assert item.contact.consent is False  # staff record the contact without the web consent box
    assert item.events[0].actor_id == officer.id and item.events[0].actor_kind == "staff"


@pytest.mark.parametrize("received_at", [
    utcnow() + dt.timedelta(hours=2),
    utcnow() - dt.timedelta(days=400),
    dt.datetime(2026, 1, 1, 8, 0),  # naive
])
def test_a_date_of_receipt_in_the_future_too_old_or_naive_is_refused(db, staff, received_at):
    with pytest.raises(Invalid) as refused:
        services.file_item(filing(channel="mailbox", received_at=received_at), actor=user("officer@example.vn"))
    assert set(refused.value.fields) == {"received_at"}
    assert db.session.scalar(select(Item.id)) is None


def test_a_unit_that_no_longer_exists_is_refused(db, staff):
    from feedback.units.services import get_unit

    get_unit("P.XA").valid_until = dt.date(2025, 12, 31)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        services.file_item(filing(unit="P.XA"))
    assert set(refused.value.fields) == {"unit"}
