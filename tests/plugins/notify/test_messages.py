"""What is said, to whom and when: a message to the filer at every step, in their language, short
enough for two SMS with the tracking code and a link; e-mails to staff for new items, reminders
and escalations; the apology letter attached as a PDF; and the SMS length rules themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.items.models import Item
from feedback.items.states import STATUSES
from feedback.pluginmanager import run_tick
from feedback.plugins.notify import sms
from feedback.items.messages import FILER_KINDS as ITEM_FILER_KINDS
from feedback.messages import compose
from feedback.plugins.notify.models import OutboxMessage
from feedback.timeutil import LOCAL_TZ
from tests.helpers import ANSWER, act, bearer

from .test_outbox import BASE_URL, EMAIL, PHONE, app, eml_files, file_api, full_contact, mail_folder, of_item, \
    read_eml, sms_log  # noqa: F401 - app, mail_folder and sms_log are fixtures


# What the filer hears of: each step (the items core's texts) and a letter of apology (accountability's).
FILER_KINDS = (*ITEM_FILER_KINDS, "apology")


def the_item(code: str) -> Item:
    _db.session.expire_all()
    return _db.session.scalar(select(Item).where(Item.code == code))


def to_filer(code: str, kind: str | None = None) -> list[OutboxMessage]:
    return [row for row in of_item(code) if row.recipient in (PHONE, EMAIL) and (kind is None or row.kind == kind)]


def local_due(code: str) -> str:
    return the_item(code).due_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def check_sms(row: OutboxMessage, code: str) -> None:
    assert code in row.body, row.body
    assert f"{BASE_URL}/t/{code}" in row.body, row.body
    assert sms.segments(row.body) <= 2, (row.kind, row.body, sms.units(row.body))


def web_filing(client, lang: str | None = None) -> str:
    from tests.helpers import post_form

    url = f"/file?lang={lang}" if lang else "/file"
    response = post_form(client, url=url, name="Nguyễn Văn An", phone=PHONE, email=EMAIL, consent="y",
                         notify_sms="y", notify_email="y")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return response.headers["Location"].rsplit("/", 1)[-1]


# --- the filer, at each step ---------------------------------------------------------------------------


def test_the_filer_hears_of_every_step(app, db, client, people, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    assigned = to_filer(code, "assigned")
    assert [row.channel for row in assigned] == ["sms", "email"]
    assert local_due(code) in assigned[0].body and local_due(code) in assigned[1].body
    assert "Sở Tư pháp" in assigned[1].body  # the e-mail names the unit

    act(client, bearer(client), code, "transfer", grounds="not_competent", unit="P.XA", reason="Thuộc thẩm quyền của xã")
    transferred = to_filer(code, "transferred")
    assert [row.channel for row in transferred] == ["sms", "email"]
    assert "Ủy ban nhân dân xã Cô Tô" in transferred[1].body

    head = bearer(client, "xa@example.vn")
    act(client, head, code, "extend", days=5, reason="Cần xác minh thực địa")
    extended = to_filer(code, "extended")
    assert [row.channel for row in extended] == ["sms", "email"]
    assert local_due(code) in extended[0].body and local_due(code) in extended[1].body

    act(client, head, code, "respond", body=ANSWER)
    responded = to_filer(code, "responded")
    assert [row.channel for row in responded] == ["sms", "email"]

    rows = to_filer(code)
    assert [row.kind for row in rows if row.channel == "sms"] == [
        "filed", "assigned", "transferred", "extended", "responded"]
    assert [row.kind for row in rows if row.channel == "email"] == [
        "filed", "assigned", "transferred", "extended", "responded"]
    for row in rows:
        assert row.status == "sent" and row.attempts == 1, (row.kind, row.channel, row.last_error)
        if row.channel == "sms":
            check_sms(row, code)
        else:
            assert code in row.subject
            assert f"{BASE_URL}/t/{code}" in row.body
            mail = read_eml(mail_folder / f"{row.key}.eml")
            assert mail["Subject"] == row.subject
            assert mail.get_content().strip() == row.body.strip()
    # Vietnamese by default: each kind its own text, with Vietnamese letters.
    texts = [row.body for row in rows if row.channel == "sms"]
    assert len(set(texts)) == len(texts)
    assert all(sms.encoding(text) == "UCS-2" for text in texts), texts


def test_a_rejected_item_tells_its_new_status(app, db, client, people):
    code = file_api(client, contact=full_contact())["code"]
    act(client, bearer(client), code, "reject", reason="Nội dung không thuộc phạm vi xử lý")
    rows = to_filer(code, "status")
    assert [row.channel for row in rows] == ["sms", "email"]
    assert "Không thụ lý" in rows[0].body and "Không thụ lý" in rows[1].subject
    check_sms(rows[0], code)
    assert all(row.status == "sent" for row in rows)


def test_the_head_hears_of_a_new_item_at_filing_and_after_a_transfer(app, db, client, people, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    act(client, bearer(client), code, "transfer", grounds="not_competent", unit="P.XA", reason="Thuộc thẩm quyền của xã")
    new = [row for row in of_item(code) if row.kind == "new_item"]
    assert [(row.channel, row.recipient) for row in new] == [("email", "head@example.vn"),
                                                           ("email", "xa@example.vn")]
    for row in new:
        assert code in row.subject and row.status == "sent"
        assert f"{BASE_URL}/staff/items/{code}" in row.body
        assert read_eml(mail_folder / f"{row.key}.eml")["To"] == row.recipient
    # The staff link is not the filer's: no filer's link in a staff e-mail.
    assert f"{BASE_URL}/t/{code}" not in new[0].body


def test_no_new_item_mail_to_whoever_assigned_it_to_themselves(app, db, client, people):
    code = file_api(client, contact=full_contact(), unit="")["code"]
    assert the_item(code).status == "received"
    # The province's head takes an item of the reception queue for the province itself.
    act(client, bearer(client, "tinh@example.vn"), code, "assign", unit="P")
    assert the_item(code).assignee.email == "tinh@example.vn"
    assert [row for row in of_item(code) if row.kind == "new_item"] == []
    assert [row.channel for row in to_filer(code, "assigned")] == ["sms", "email"]


def test_reminders_go_to_the_assignee(app, db, client, people, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    due = the_item(code).due_at
    results = dict(run_tick(due - dt.timedelta(hours=1)))
    assert results["accountability"].startswith("2 reminders"), results
    db.session.commit()
    from feedback.jobs import run_pending

    run_pending()
    reminders = [row for row in of_item(code) if row.kind == "reminder"]
    assert [(row.channel, row.recipient) for row in reminders] == [("email", "head@example.vn")] * 2
    for row in reminders:
        assert code in row.subject and local_due(code) in row.body
        assert f"{BASE_URL}/staff/items/{code}" in row.body
        assert row.status == "sent" and (mail_folder / f"{row.key}.eml").exists()
    assert to_filer(code, "reminder") == []


def test_an_overdue_item_is_escalated_to_the_head_of_the_parent_unit(app, db, client, people, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    results = dict(run_tick(the_item(code).due_at + dt.timedelta(days=40)))
    assert "1 escalations" in results["accountability"], results
    from feedback.jobs import run_pending

    run_pending()
    escalations = [row for row in of_item(code) if row.kind == "escalation"]
    assert [(row.channel, row.recipient) for row in escalations] == [("email", "tinh@example.vn")]
    assert code in escalations[0].subject and escalations[0].status == "sent"
    assert f"{BASE_URL}/staff/items/{code}" in escalations[0].body
    assert (mail_folder / f"{escalations[0].key}.eml").exists()


def test_the_filer_gets_the_apology_letter_attached(app, db, client, people, mail_folder):
    code = file_api(client, contact=full_contact())["code"]
    far = the_item(code).due_at + dt.timedelta(days=40)
    results = dict(run_tick(far))
    assert "1 apology letters" in results["accountability"], results
    from feedback.jobs import run_pending

    run_pending()
    apology = to_filer(code, "apology")
    assert [row.channel for row in apology] == ["sms", "email"]
    from feedback.plugins.accountability.models import ApologyLetter

    letter = db.session.scalar(select(ApologyLetter))
    appointment = letter.new_appointment.strftime("%d/%m/%Y")
    check_sms(apology[0], code)
    assert appointment in apology[0].body and appointment in apology[1].body
    assert all(row.status == "sent" for row in apology)
    mail = read_eml(mail_folder / f"{apology[1].key}.eml")
    pdfs = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert pdfs[0].get_filename() == f"xin-loi-{code}.pdf"
    assert pdfs[0].get_content() == letter.pdf and letter.pdf.startswith(b"%PDF")
    # The tick does not write the same letter twice.
    assert dict(run_tick(far + dt.timedelta(hours=1)))["accountability"].endswith("0 apology letters")
    run_pending()
    assert len(to_filer(code, "apology")) == 2


# --- languages, codes and links -------------------------------------------------------------------------


def test_texts_are_english_when_the_filer_filed_in_english(app, db, client, staff, mail_folder):
    code = web_filing(client, lang="en")
    assert the_item(code).contact.locale == "en"
    filed = to_filer(code, "filed")
    assert [row.channel for row in filed] == ["sms", "email"]
    link = f"{BASE_URL}/t/{code}"
    assert filed[0].body == f"Received: item {code}. Follow it at {link}"
    assert filed[1].subject == f"Your item {code} was received"
    assert link in filed[1].body
    assigned = to_filer(code, "assigned")
    assert assigned[0].body == f"{code} is with the head of unit, answer due {local_due(code)}. {link}"
    assert read_eml(mail_folder / f"{filed[1].key}.eml")["Subject"] == filed[1].subject


def test_texts_are_vietnamese_by_default(app, db, client, staff):
    web = web_filing(client)
    api = file_api(client, contact=full_contact())["code"]
    for code in (web, api):
        assert the_item(code).contact.locale == "vi"
        filed = to_filer(code, "filed")
        assert [row.channel for row in filed] == ["sms", "email"]
        check_sms(filed[0], code)
        assert not filed[0].body.startswith("Received")
        assert sms.encoding(filed[0].body) == "UCS-2"  # Vietnamese letters
        assert not filed[1].subject.startswith("Your item")
        with force_locale("en"):
            english = compose("filed", the_item(code), "en")
        assert filed[0].body != english["sms"] and filed[1].subject != english["subject"]


def test_the_api_follows_accept_language_for_the_filer(app, db, client, staff):
    code = file_api(client, contact=full_contact(), headers={"Accept-Language": "en"})["code"]
    assert the_item(code).contact.locale == "en"
    assert to_filer(code, "filed")[0].body.startswith(f"Received: item {code}.")


def test_the_short_link_leads_to_the_tracking_page(app, db, client, staff):
    code = file_api(client, contact=full_contact())["code"]
    response = client.get(f"/t/{code}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/track/{code}")
    # Typed by hand from an SMS: lower case, without dashes.
    response = client.get(f"/t/{code.lower().replace('-', '')}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/track/{code}")
    assert client.get(f"/t/{code}", follow_redirects=True).status_code == 200
    assert client.get("/t/PA-26-0000-0000").status_code == 404


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_sms_fits_in_two_segments(app, db, client, staff, locale):
    code = file_api(client, contact=full_contact())["code"]
    item = the_item(code)
    assert item.due_at is not None
    link = f"{BASE_URL}/t/{code}"
    extras = {kind: [{}] for kind in FILER_KINDS}
    extras["apology"] = [{"date": "23/11/2026"}]
    statuses = []
    for name, label in STATUSES.items():
        with force_locale(locale):
            statuses.append({"status": str(label)})
    extras["status"] = statuses
    seen = set()
    for kind in FILER_KINDS:
        for extra in extras[kind]:
            text = compose(kind, item, locale, **extra)["sms"]
            assert code in text and link in text, (kind, text)
            assert sms.segments(text) <= 2, (kind, locale, sms.encoding(text), sms.units(text), text)
            seen.add(kind)
    assert seen == set(FILER_KINDS)


def test_staff_texts_have_no_sms(app, db, client, staff):
    code = file_api(client, contact=full_contact())["code"]
    item = the_item(code)
    for kind in ("new_item", "reminder", "escalation"):
        texts = compose(kind, item, "vi", staff_link=f"{BASE_URL}/staff/items/{code}")
        assert texts["sms"] == "" and code in texts["subject"] and code in texts["body"]


# --- counting SMS ------------------------------------------------------------------------------------------


def test_plain_ascii_is_gsm7_160_then_153_per_part():
    assert sms.encoding("A" * 160) == "GSM-7"
    assert (sms.units("A" * 160), sms.segments("A" * 160)) == (160, 1)
    assert (sms.units("A" * 161), sms.segments("A" * 161)) == (161, 2)
    assert sms.segments("A" * 306) == 2
    assert sms.segments("A" * 307) == 3
    assert sms.segments("") == 1
    # Letters of the GSM basic alphabet beyond ASCII stay in GSM-7.
    assert sms.encoding("é à ü Ñ £ ¥ Δ @") == "GSM-7"


def test_vietnamese_letters_force_ucs2_70_then_67_per_part():
    text = "Phản ánh của ông/bà đã được tiếp nhận"
    assert sms.encoding(text) == "UCS-2"
    assert sms.units(text) == len(text)
    assert sms.encoding("Phan anh da duoc tiep nhan") == "GSM-7"
    # One Vietnamese letter in an ASCII text is enough.
    assert sms.encoding("A" * 100 + "ê") == "UCS-2"
    assert sms.segments("ư" * 70) == 1
    assert sms.segments("ư" * 71) == 2
    assert sms.segments("ư" * 134) == 2
    assert sms.segments("ư" * 135) == 3
    # A character outside the basic plane takes two UTF-16 units.
    assert sms.units("đ😀") == 3


def test_gsm_extension_characters_count_twice():
    for char in "^{}\\[~]|€":
        assert sms.encoding(char) == "GSM-7", char
        assert sms.units(char) == 2, char
    assert sms.units("{" * 80) == 160 and sms.segments("{" * 80) == 1
    assert sms.segments("{" * 80 + "a") == 2
    assert sms.units("Gia 100€ [x]") == 12 + 3
    # A backtick is in neither table: UCS-2.
    assert sms.encoding("`") == "UCS-2"
