"""The scene the security tests play against: one item of the department P.STP, filed on the web with
contact data and a document, answered, with a letter of apology; a browser (session cookie) and an
API token for each kind of visitor of tests/security/matrix.py."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import url_for

from tests.helpers import ANSWER, PASSWORD, hold_dialogue, login, plan_dialogue, post_form

PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\n"
       b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
# Words of the scene's record and contact, found nowhere else on the site.
TITLE = "Hồ sơ Quỳnhxoan bị giữ lại"
BODY = "Cán bộ tiếp nhận giữ hồ sơ Quỳnhxoan của tôi quá hạn mười ngày mà không hẹn lại."
NAME = "Vũ Thị Quỳnhxoan"
PHONE = "0912738465"
EMAIL = "quynhxoan.filer@example.vn"
ACCOUNTS = {"officer": "officer@example.vn", "officer_other": "canbo.xa@example.vn", "head": "head@example.vn",
            "admin": "admin@example.vn"}


@dataclass
class Scene:
    code: str
    access_key: str
    ids: dict
    cookies: dict
    tokens: dict

    def browser(self, app, role: str):
        """A browser of its own for ``role``, holding that role's session cookie."""
        client = app.test_client()
        if self.cookies[role]:
            client.set_cookie("session", self.cookies[role])
        return client

    def headers(self, path: str, role: str) -> dict:
        """Staff send their bearer token to the API."""
        if path.startswith("/api/") and role in self.tokens:
            return {"Authorization": f"Bearer {self.tokens[role]}"}
        return {}

    def path(self, app, rule: str) -> str:
        """The URL of ``rule`` for this scene's records."""
        found = next(r for r in app.url_map.iter_rules() if r.rule == rule)
        values = {}
        for name in found.arguments:
            if name == "code" and "/units/<code>" in rule:
                values[name] = "P.STP"
            elif name == "code" and "/procedures/<code>" in rule:
                values[name] = self.ids["procedure_code"]
            elif name not in self.ids:
                raise AssertionError(f"the scene has no value for <{name}> of {rule}: add one to "
                                     "tests/security/test_access.py (build_scene)")
            else:
                values[name] = self.ids[name]
        with app.test_request_context():
            return url_for(found.endpoint, **values)


def build_scene(app, client) -> Scene:
    from sqlalchemy import select

    from feedback.auth.models import ApiToken
    from feedback.extensions import db
    from feedback.items.models import Attachment, Item
    from feedback.plugins.accountability import rules
    from feedback.plugins.accountability.models import ApologyLetter
    from feedback.plugins.notify.models import OutboxMessage
    from feedback.procedures.services import save_procedure
    from feedback.surveys.builder import create_from_template, new_draft
    from feedback.surveys.services import new_invitation
    from feedback.units.services import get_unit
    from feedback.timeutil import utcnow
    from feedback.workdays import record_calendar_change

    # The filer files on the web with contact data and a document, and keeps the receipt.
    filer = app.test_client()
    filed = post_form(filer, title=TITLE, body=BODY, name=NAME, phone=PHONE, email=EMAIL, consent="y",
                      notify_sms="y", notify_email="y", files=[("giay-hen.pdf", PDF)])
    assert filed.status_code == 302, filed.get_data(as_text=True)[:300]
    code = filed.headers["Location"].rsplit("/", 1)[-1]
    receipt = filer.get(f"/receipt/{code}").get_data(as_text=True)
    access_key = re.findall(r'<dd class="code">([^<]+)</dd>', receipt)[1]

    cookies = {"anonymous": None, "filer": filer.get_cookie("session").value}
    tokens = {}
    for role, email in ACCOUNTS.items():
        browser = app.test_client()
        login(browser, email)
        cookies[role] = browser.get_cookie("session").value
        answer = browser.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        tokens[role] = answer.get_json()["token"]
    answered = client.post(f"/api/v1/items/{code}/transitions", json={"action": "respond", "body": ANSWER},
                           headers={"Authorization": f"Bearer {tokens['head']}"})
    assert answered.status_code == 200, answered.get_data(as_text=True)

    with app.app_context():
        item = db.session.scalar(select(Item).where(Item.code == code))
        letter = ApologyLetter(item_id=item.id, unit_id=item.unit_id, year=2026, number=1, due_at=utcnow(),
                               new_appointment=dt.date(2026, 12, 1), answered_late=True, pdf=PDF)
        db.session.add(letter)
        rule = rules.add_rule(kind="complaint", topic=None, procedure_code="", days=12, legal_basis="Quy chế")
        change = record_calendar_change(dt.date(2026, 12, 26), True, "Làm bù", None)
        procedure = save_procedure(None, code="1.000001", name="Chứng thực bản sao", field="Chứng thực",
                                   unit=get_unit("P.STP"), processing_days=1, fee=None, online_level=None,
                                   postal_return=False)
        survey = create_from_template(publish_it=True)
        draft = new_draft(survey)
        _invitation, invitation_code = new_invitation(survey, item, days=30)
        # A dialogue session of the unit, announced and held, with a commitment and a first draft of
        # its minutes (not yet published).
        dialogue = plan_dialogue("P.STP")
        hold_dialogue(dialogue, questions=1, commitments=[("Rút ngắn thời gian chứng thực", "P.STP", 10)])
        _publish_a_month_of_answers(survey)
        db.session.commit()
        ids = {
            "code": code,
            "attachment_id": db.session.scalar(select(Attachment.id).where(Attachment.item_id == item.id)),
            "letter_id": letter.id,
            "rule_id": rule.id,
            "change_id": change.id,
            "message_id": db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id)),
            # The officer's token, and the officer's account.
            "token_id": db.session.scalar(select(ApiToken.id).join(ApiToken.user).where(
                ApiToken.user.has(email=ACCOUNTS["officer"]))),
            "user_id": db.session.scalar(select(ApiToken.user_id).join(ApiToken.user).where(
                ApiToken.user.has(email=ACCOUNTS["officer"]))),
            "procedure_code": procedure.code,
            "filename": "feedback.css",
            "fmt": "csv",
            "survey": survey.code, "ref": survey.code, "unit": "P.STP", "procedure": procedure.code,
            "survey_id": survey.id, "number": 1, "section_id": draft.sections[0].id,
            "question_id": draft.sections[0].questions[0].id, "invitation": invitation_code,
            "session_id": dialogue.id, "version": 1, "commitment_id": dialogue.commitments[0].id,
        }
        assert None not in ids.values(), ids
    return Scene(code=code, access_key=access_key, ids=ids, cookies=cookies, tokens=tokens)


def _publish_a_month_of_answers(survey) -> None:
    """One response about P.STP last month, with a comment giving the filer's phone, and that month frozen: the satisfaction
    pages, downloads and reports of the scene have something to show."""
    from feedback.plugins.reports.snapshot import freeze_month
    from feedback.surveys.services import Answering, submit_response
    from feedback.timeutil import LOCAL_TZ, utcnow
    from tests.helpers import survey_answers

    month = (utcnow().astimezone(LOCAL_TZ).date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    submit_response(Answering(survey=survey, unit="P.STP", source="json", channel="link", sender="scene",
                              answers=survey_answers(survey.id, 4, comment=f"Xin gọi lại cho tôi: {PHONE}"),
                              submitted_at=dt.datetime.combine(month.replace(day=10), dt.time(9), tzinfo=LOCAL_TZ)))
    freeze_month(survey, month, utcnow())
