"""Messages for anything (feedback.messages): a capability registers the texts of its kinds of
message and asks for one (kind, recipient, what it is about, idempotency key); the core writes it in
the recipient's language, one message per channel, and hands them to whichever plugin sends them:
notify writes them to its outbox, once per key, and sends them after the commit."""

from __future__ import annotations

import pytest
from flask_babel import get_locale
from sqlalchemy import select

from feedback import hookimpl, jobs, messages
from feedback.plugins.notify.models import OutboxMessage

PHONE, EMAIL = "0912345678", "an.nguyen@example.vn"


def invitation_texts():
    # A real plugin writes these with gettext; called in the recipient's language.
    if str(get_locale()) == "en":
        return ("Survey %(title)s: %(link)s", "Survey: %(title)s", "Please answer %(title)s at %(link)s")
    return ("Khảo sát %(title)s: %(link)s", "Khảo sát: %(title)s", "Mời ông/bà trả lời %(title)s tại %(link)s")


class Surveys:
    """What a surveys plugin would do: its own texts, never an edit of notify."""

    @hookimpl
    def feedback_message_templates(self):
        return [messages.Template("survey_invitation", invitation_texts,
                                  lambda survey: {"title": survey["title"], "link": f"/s/{survey['id']}"}),
                messages.Template("survey_closed", lambda: ("", "Closed: %(title)s", "%(title)s is closed."),
                                  lambda survey: {"title": survey["title"]})]


SURVEY = {"id": 3, "title": "Mức độ hài lòng tháng 11"}


def invitation(key: str | None = "survey:3:invitation:1", locale: str = "vi", **recipient) -> messages.Request:
    contact = messages.Recipient.contact(**{"phone": PHONE, "email": EMAIL, "locale": locale, **recipient})
    return messages.Request("survey_invitation", contact, about=SURVEY, owner=("survey", 3), key=key,
                            reference="KS-11", link="/staff/surveys/3")


@pytest.fixture
def surveys(db, register_plugin):
    return register_plugin(Surveys(), name="test-surveys")


def outbox() -> list[OutboxMessage]:
    from feedback.extensions import db

    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_hook_feedback_message_templates(surveys, db):
    assert messages.compose("survey_invitation", SURVEY, "vi") == {
        "sms": "Khảo sát Mức độ hài lòng tháng 11: /s/3", "subject": "Khảo sát: Mức độ hài lòng tháng 11",
        "body": "Mời ông/bà trả lời Mức độ hài lòng tháng 11 tại /s/3"}
    assert messages.compose("survey_invitation", SURVEY, "en")["subject"] == "Survey: Mức độ hài lòng tháng 11"
    # The context given overrides what the thing itself says.
    assert messages.compose("survey_invitation", SURVEY, "vi", link="/x")["sms"].endswith(": /x")
    # The core's items and accountability register theirs through the same hook.
    assert {"filed", "assigned", "new_item", "reminder", "escalation", "apology"} <= set(messages.templates())
    with pytest.raises(messages.UnknownMessageKind):
        messages.compose("survey_reminder", SURVEY, "vi")


def test_hook_feedback_messages_requested(surveys, db, register_plugin):
    heard = []

    class Sender:
        @hookimpl
        def feedback_messages_requested(self, messages):
            heard.append(list(messages))

    register_plugin(Sender(), name="test-sender")
    staff = messages.Recipient((("email", "head@example.vn"),))
    closed = messages.Request("survey_closed", staff, about=SURVEY, owner=("survey", 3), key="survey:3:closed")
    asked = messages.ask(invitation(), closed)
    # One call for the whole request, one message per channel: the SMS gets the short text, e-mail
    # the subject and body; a kind without a short text is not sent by SMS.
    assert heard == [asked]
    assert [(m.channel, m.address, m.kind) for m in asked] == [
        ("sms", PHONE, "survey_invitation"), ("email", EMAIL, "survey_invitation"),
        ("email", "head@example.vn", "survey_closed")]
    assert (asked[0].subject, asked[0].body) == ("", "Khảo sát Mức độ hài lòng tháng 11: /s/3")
    assert asked[1].subject == "Khảo sát: Mức độ hài lòng tháng 11"
    assert {(m.owner_type, m.owner_id) for m in asked} == {("survey", 3)}
    # The same request gives the same keys, one per channel; another request other keys.
    again = messages.ask(invitation())
    assert [m.key for m in again] == [m.key for m in asked[:2]] and asked[0].key != asked[1].key
    assert {m.key for m in messages.ask(invitation(key="survey:3:invitation:2"))}.isdisjoint(m.key for m in asked)
    # Without a key, every request is a message of its own.
    assert messages.ask(invitation(key=None))[0].key != messages.ask(invitation(key=None))[0].key


def test_notify_sends_a_new_capabilitys_message_once_per_key(surveys, app, db, tmp_path):
    app.config["MAIL_OUTBOX_FOLDER"] = str(tmp_path)
    messages.ask(invitation(locale="en"))
    messages.ask(invitation(locale="en"))  # asked twice (a retried job): written once
    db.session.commit()
    jobs.run_pending()
    rows = outbox()
    assert [(row.channel, row.recipient, row.owner_type, row.owner_id, row.reference, row.link) for row in rows] == [
        ("sms", PHONE, "survey", 3, "KS-11", "/staff/surveys/3"), ("email", EMAIL, "survey", 3, "KS-11",
                                                                   "/staff/surveys/3")]
    assert rows[1].subject == "Survey: Mức độ hài lòng tháng 11"
    assert all(row.status == "sent" and row.attempts == 1 for row in rows)
    assert [path.stem for path in tmp_path.glob("*.eml")] == [rows[1].key]
    # A filer who chose only e-mail gets no SMS; a contact with no address, nothing.
    messages.ask(invitation(key="survey:3:invitation:other", sms=False), invitation(key="x", phone="", email=""))
    db.session.commit()
    assert [row.channel for row in outbox()[2:]] == ["email"]


def test_inactive_staff_get_nothing(surveys, db, staff):
    from feedback.auth.models import User

    head = db.session.scalar(select(User).where(User.email == "head@example.vn"))
    head.active = False
    assert messages.Recipient.user(head).addresses == ()
    assert messages.ask(messages.Request("survey_closed", messages.Recipient.user(head), about=SURVEY,
                                         owner=("survey", 3))) == []
    assert outbox() == []


def test_without_a_sending_plugin_nothing_is_written(make_app, surveys):
    app = make_app(DISABLED_PLUGINS=["notify"])
    app.extensions["feedback.plugins"].register(Surveys(), name="test-surveys")
    with app.app_context():
        asked = messages.ask(invitation())
        assert len(asked) == 2
        assert outbox() == []
