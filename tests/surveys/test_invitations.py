"""Invitations after an item is answered: a one-time code, sent through the core's messages on the
filer's channels, that takes one answer."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback import hookimpl
from feedback.extensions import db as _db
from feedback.surveys import builder
from feedback.surveys.models import Survey, SurveyInvitation, SurveyResponse
from tests.helpers import ANSWER, act, bearer, file_item, survey_answers


class Outbox:
    """Catches the messages asked for (what notify would send)."""

    def __init__(self):
        self.messages = []

    @hookimpl
    def feedback_messages_requested(self, messages):
        self.messages.extend(message for message in messages if message.kind == "survey_invitation")


def answered(client, **contact) -> str:
    filed = file_item(client, contact=contact, consent=True)
    act(client, bearer(client, "head@example.vn"), filed["code"], "respond", body=ANSWER)
    return filed["code"]


def test_the_filer_is_invited_once_on_the_channels_chosen(app, client, sipas, register_plugin):
    outbox = register_plugin(Outbox())
    code = answered(client, phone="0912345678", email="an@example.vn", notify=["sms", "email"])
    sms, mail = sorted(outbox.messages, key=lambda message: message.channel, reverse=True)
    assert (sms.channel, sms.address, mail.channel, mail.address) == ("sms", "0912345678", "email", "an@example.vn")
    assert sms.owner_type == "item" and sms.reference == code
    assert "Sở Tư pháp" in sms.body and "/i/" in sms.body and len(sms.body) < 200
    assert mail.subject == "Ông/Bà hài lòng thế nào với Sở Tư pháp?"
    link = sms.body[sms.body.index("http"):].split()[0]
    path = link.split("127.0.0.1:5000", 1)[1]
    with app.app_context():
        invitation = _db.session.scalar(select(SurveyInvitation))
        assert invitation.item.code == code and invitation.unit.code == "P.STP"
        assert path.rsplit("/", 1)[1] not in invitation.code_hash
        data = {**survey_answers(sipas, form=True), "version": str(_db.session.get(Survey, sipas).published.id)}
    assert client.post(path, data=data).status_code == 302
    assert client.post(path, data=data).status_code == 409
    with app.app_context():
        assert _db.session.scalar(select(func.count(SurveyResponse.id))) == 1
    # Answered again after reopening: no second invitation.
    head = bearer(client, "head@example.vn")
    act(client, head, code, "reopen", reason="Chưa đủ")
    act(client, head, code, "respond", body=ANSWER)
    assert len(outbox.messages) == 2


def test_no_invitation_without_channels_or_without_an_open_survey(app, client, sipas, register_plugin):
    outbox = register_plugin(Outbox())
    answered(client)  # anonymous
    answered(client, phone="0912345678", notify=[])
    app.config["SURVEY_INVITATION_SURVEY"] = ""
    answered(client, phone="0912345678")
    app.config["SURVEY_INVITATION_SURVEY"] = "sipas"
    with app.app_context():
        builder.archive(_db.session.get(Survey, sipas))
        _db.session.commit()
    answered(client, phone="0912345678")
    assert outbox.messages == []
    with app.app_context():
        assert _db.session.scalar(select(func.count(SurveyInvitation.id))) == 0


def test_the_invitation_speaks_the_filers_language(app, client, sipas, register_plugin):
    outbox = register_plugin(Outbox())
    filed = client.post("/api/v1/items", headers={"Accept-Language": "en"}, json={
        "kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": "Hồ sơ khai sinh bị trễ hạn",
        "body": "Hồ sơ đăng ký khai sinh của con tôi đã quá hạn ba tuần mà chưa có kết quả.",
        "contact": {"email": "an@example.vn"}, "consent": True}).get_json()
    act(client, bearer(client, "head@example.vn"), filed["code"], "respond", body=ANSWER)
    [mail] = outbox.messages
    assert mail.subject == "How satisfied are you with Sở Tư pháp?" and "valid until" in mail.body
