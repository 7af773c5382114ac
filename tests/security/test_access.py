"""The authorization matrix (tests/security/matrix.py) played against the app: every route, every
kind of visitor, one item of one unit; and no route without a row."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from flask import url_for

from tests.helpers import ANSWER, PASSWORD, login, post_form
from tests.security.matrix import MATRIX, OUTCOMES, ROLES, Row

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


def _rules(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row_and_every_row_a_route(app):
    rows = [(row.method, row.rule) for row in MATRIX]
    assert len(rows) == len(set(rows)), "a route has two rows in tests/security/matrix.py"
    missing = sorted(_rules(app) - set(rows))
    assert not missing, ("routes without a row in tests/security/matrix.py (say who may use them): "
                         + ", ".join(f"{m} {r}" for m, r in missing))
    stale = sorted(set(rows) - _rules(app))
    assert not stale, "rows of routes that do not exist: " + ", ".join(f"{m} {r}" for m, r in stale)
    for row in MATRIX:
        assert set(row.expect) == set(ROLES) and set(row.expect.values()) <= set(OUTCOMES), row.id


@dataclass
class Scene:
    code: str
    access_key: str
    ids: dict
    cookies: dict
    tokens: dict

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
                      files=[("giay-hen.pdf", PDF)])
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
        }
        assert None not in ids.values(), ids
    return Scene(code=code, access_key=access_key, ids=ids, cookies=cookies, tokens=tokens)


def outcome_of(response) -> str:
    status = response.status_code
    if status == 401 or (status in (301, 302, 303) and "/login" in response.headers.get("Location", "")):
        return "login"
    if status == 403:
        return "deny"
    if status == 404:
        return "absent"
    if status < 400 or status in (400, 409, 422):
        return "ok"
    return f"status {status}"


def play(app, scene: Scene, row: Row, role: str):
    """The answer to ``row``'s request made by ``role``, in a browser of its own."""
    browser = app.test_client()
    if scene.cookies[role]:
        browser.set_cookie("session", scene.cookies[role])
    path = scene.path(app, row.rule)
    headers = {}
    if path.startswith("/api/") and role in scene.tokens:
        headers["Authorization"] = f"Bearer {scene.tokens[role]}"
    kwargs = {}
    if row.json is not None:
        kwargs["json"] = row.json(scene, role) if callable(row.json) else row.json
    elif row.method != "GET":
        kwargs["data"] = row.data(scene, role) if callable(row.data) else (row.data or {})
    return browser.open(path, method=row.method, headers=headers, query_string=row.query, **kwargs)


def leaks(text: str, scene: Scene, row: Row, role: str) -> list[str]:
    found = []
    for kind, words in (("record", ("Quỳnhxoan bị giữ", "giữ hồ sơ Quỳnhxoan")),
                        ("contact", (NAME, PHONE, EMAIL)), ("key", (scene.access_key,))):
        if role not in getattr(row, kind) and any(word in text for word in words):
            found.append(kind)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix(app, client, people, savepoint, role):
    """Every row of the matrix, as ``role``: one scene, each request undone after it is answered."""
    scene = build_scene(app, client)
    wrong = []
    for row in MATRIX:
        with savepoint():
            response = play(app, scene, row, role)
            # A streamed download runs to its end here; images, PDFs and workbooks are read as text too.
            text = response.get_data().decode("utf-8", "replace")
            response.close()
        got = outcome_of(response)
        if got != row.expect[role]:
            wrong.append(f"{row.id}: expected {row.expect[role]}, got {got} ({response.status_code})")
        shown = leaks(text, scene, row, role)
        if shown:
            wrong.append(f"{row.id}: the answer shows the item's {', '.join(shown)}")
    assert not wrong, f"as {role}, {len(wrong)} of {len(MATRIX)} cells are wrong:\n  " + "\n  ".join(wrong)
