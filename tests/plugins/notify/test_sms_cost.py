"""What an SMS costs: GSM-7 or UCS-2, segments of 160/153 and 70/67 at their boundaries (an escaped
character or an emoji never split between two parts), the setting that writes SMS without
diacritics so that they fit GSM-7, and the segment count on /admin/messages."""

from __future__ import annotations

import pytest

from feedback.plugins.notify import sms

from .test_outbox import EMAIL, PHONE, app, file_api, full_contact, mail_folder, of_item  # noqa: F401 - fixtures

A, VI, EMOJI = "a", "ạ", "\N{GRINNING FACE}"


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", "GSM-7", 0, 1),
    (A * 160, "GSM-7", 160, 1),
    (A * 161, "GSM-7", 161, 2),
    (A * 306, "GSM-7", 306, 2),
    (A * 307, "GSM-7", 307, 3),
    (A * 459, "GSM-7", 459, 3),
    (A * 460, "GSM-7", 460, 4),
    # An escaped character (€ ^ { } [ ] ~ | \\) takes two septets.
    (A * 158 + "€", "GSM-7", 160, 1),
    (A * 159 + "€", "GSM-7", 161, 2),
    # 306 septets fit two parts of 153, but "€" may not straddle them: three parts.
    (A * 152 + "€" + A * 152, "GSM-7", 306, 3),
    (A * 151 + "€" + A * 153, "GSM-7", 306, 2),
    # One Vietnamese letter with a diacritic makes the whole message UCS-2.
    (VI * 70, "UCS-2", 70, 1),
    (A * 69 + VI, "UCS-2", 70, 1),
    (VI * 71, "UCS-2", 71, 2),
    (VI * 134, "UCS-2", 134, 2),
    (VI * 135, "UCS-2", 135, 3),
    # An emoji is two UTF-16 units, never split between parts.
    (VI * 68 + EMOJI, "UCS-2", 70, 1),
    (VI * 69 + EMOJI, "UCS-2", 71, 2),
    (VI * 66 + EMOJI + VI * 66, "UCS-2", 134, 3),
    (VI * 65 + EMOJI + VI * 67, "UCS-2", 134, 2),
])
def test_segments_at_their_boundaries(text, encoding, units, segments):
    cost = sms.cost(text)
    assert (cost.encoding, cost.units, cost.segments) == (encoding, units, segments)


def test_without_diacritics_fits_gsm7():
    text = "Sở Tư pháp đã trả lời phản ánh PA-26-ABCD-EFGH của Ông/Bà – xem “kết quả”… ĐẶNG"
    plain = sms.without_diacritics(text)
    assert plain == 'So Tu phap da tra loi phan anh PA-26-ABCD-EFGH cua Ong/Ba - xem "ket qua"... DANG'
    assert sms.encoding(plain) == "GSM-7"
    # Every letter loses its marks; what GSM-7 cannot carry at all becomes "?".
    assert sms.without_diacritics("Ñandú é 中文 € " + EMOJI) == "Nandu e ?? € ?"


def test_a_typical_message_costs_less_without_diacritics():
    text = ("Sở Tư pháp đã trả lời phản ánh PA-26-ABCD-EFGH của Ông/Bà. Xem kết quả tại "
            "https://phananh.example.vn/t/PA-26-ABCD-EFGH")
    assert sms.cost(text).segments == 2 and sms.cost(text).encoding == "UCS-2"
    assert sms.cost(sms.without_diacritics(text)).segments == 1


def sms_rows(code):
    return [row for row in of_item(code) if row.channel == "sms" and row.recipient == PHONE]


def test_the_setting_writes_every_sms_in_plain_letters_and_leaves_e_mail_alone(app, db, client, people):
    app.config["SMS_WITHOUT_DIACRITICS"] = True
    code = file_api(client, contact=full_contact())["code"]
    texts = [row.body for row in sms_rows(code)]
    assert texts and all(sms.encoding(text) == "GSM-7" for text in texts), texts
    assert all(text == sms.without_diacritics(text) for text in texts)
    assert any(code in text for text in texts)
    mails = [row.body for row in of_item(code) if row.channel == "email"]
    assert mails and any(sms.encoding(text) == "UCS-2" for text in mails)


def test_by_default_sms_keep_their_diacritics(app, db, client, people):
    code = file_api(client, contact=full_contact())["code"]
    assert all(sms.encoding(row.body) == "UCS-2" for row in sms_rows(code))


def test_the_outbox_page_shows_each_sms_segments(app, db, client, auth, people):
    code = file_api(client, contact=full_contact())["code"]
    row = sms_rows(code)[0]
    cost = sms.cost(row.body)
    auth.login("admin@example.vn")
    html = client.get(f"/admin/messages?status={row.status}").get_data(as_text=True)
    assert f"{cost.segments} × UCS-2 ({cost.units} " in html
    assert "FEEDBACK_SMS_WITHOUT_DIACRITICS" in html
