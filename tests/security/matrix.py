"""The authorization matrix: for every route of the app (rule and method), what each kind of visitor
gets, and who may see the record's private content in the answer.

This is data, read by tests/security/test_access.py: a route without a row, or a row without a
route, fails the suite, so a new page or API endpoint must say here who may use it. The scene the
rows are played against (tests/security/test_access.py) holds one item of the department P.STP,
filed on the web with contact data, an attachment, an answer and a letter of apology.

Visitors (ROLES):
- ``anonymous``: no session, no token.
- ``filer``: the citizen who filed the item, whose browser proved the access key (no account).
- ``officer``: an officer of the item's unit (P.STP).
- ``officer_other``: an officer of another unit (the commune P.XA).
- ``head``: the head of the item's unit.
- ``admin``: an administrator.
Staff use their session on pages and a bearer token under /api/.

Outcomes:
- ``ok``: the request reaches the view: 2xx, a redirect other than to the sign-in page, or the
  view's own refusal of the (empty) input (400, 409, 422).
- ``login``: asked to sign in: a redirect to /login, or 401 under /api/.
- ``deny``: 403.
- ``absent``: 404, as for a record that does not exist.

What may be seen: ``record`` (the item's text, never published in this scene), ``contact`` (the
filer's name, phone and e-mail) and ``key`` (the access key) are looked for in every answer; only
the roles listed may find them there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("anonymous", "filer", "officer", "officer_other", "head", "admin")
STAFF = ("officer", "officer_other", "head", "admin")
OF_THE_UNIT = ("officer", "head", "admin")
OUTCOMES = ("ok", "login", "deny", "absent")


def outcomes(anonymous, filer, officer, officer_other, head, admin) -> dict:
    return dict(anonymous=anonymous, filer=filer, officer=officer, officer_other=officer_other, head=head, admin=admin)


PUBLIC = outcomes("ok", "ok", "ok", "ok", "ok", "ok")
SIGNED_IN = outcomes("login", "login", "ok", "ok", "ok", "ok")
OF_RECORD = outcomes("login", "login", "ok", "absent", "ok", "ok")
ADMIN = outcomes("login", "login", "deny", "deny", "deny", "ok")
FILER = outcomes("deny", "ok", "deny", "deny", "deny", "deny")
# A head's own unit (delegation): the administrator has no unit.
HEAD = outcomes("login", "login", "deny", "deny", "ok", "deny")
# Nothing there, whoever asks.
NOBODY = outcomes("absent", "absent", "absent", "absent", "absent", "absent")
# The scene's token belongs to the officer.
TOKEN_OWNER = outcomes("login", "login", "ok", "absent", "absent", "ok")


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    expect: dict
    record: tuple = ()
    contact: tuple = ()
    key: tuple = ()
    # What the request sends: form fields (pages) or a JSON body (API); a callable gets the scene
    # and the role. None: nothing.
    data: object = None
    json: object = None
    # Query string, for a GET that needs one to do its work.
    query: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"


def rows(method_rule_pairs, expect, **kw) -> list[Row]:
    return [Row(method, rule, expect, **kw) for method, rule in method_rule_pairs]


def _key_form(scene, role):
    return {"key": scene.access_key if role == "filer" else "AAAA-BBBB-CCCC-DDDD", "phone": ""}


def _rating_body(scene, role):
    return {"access_key": scene.access_key if role == "filer" else "AAAA-BBBB-CCCC-DDDD", "satisfied": True}


MATRIX: list[Row] = [
    # --- public pages ------------------------------------------------------------------------
    *rows([("GET", "/"), ("GET", "/units"), ("GET", "/units/<code>"), ("GET", "/procedures"),
           ("GET", "/static/<path:filename>"), ("GET", "/file"), ("POST", "/file"), ("GET", "/kiosk"),
           ("GET", "/track"), ("GET", "/track/<code>"), ("GET", "/t/<code>"),
           ("GET", "/register"), ("GET", "/register/items/<code>"), ("GET", "/register/feed.atom"),
           ("GET", "/register/units/<code>/feed.atom"), ("GET", "/register/download.<any(csv, xlsx, json):fmt>"),
           ("GET", "/dashboard"), ("GET", "/dashboard/units/<code>"),
           ("GET", "/dashboard/stats.<any(csv, xlsx, json):fmt>"),
           ("GET", "/login"), ("POST", "/login")], PUBLIC),
    # Not served while FEEDBACK_SECURITY_CONTACT is unset, as in the tests (tests/security/test_headers.py
    # sets it).
    Row("GET", "/.well-known/security.txt", NOBODY),
    # The receipt shows the access key to the browser that filed, and sends anyone else to the
    # public page.
    Row("GET", "/receipt/<code>", PUBLIC, record=("filer",), contact=("filer",), key=("filer",)),

    # Proving the access key: the filer sends theirs, everyone else a wrong one.
    Row("POST", "/track/<code>", outcomes("deny", "ok", "deny", "deny", "deny", "deny"), data=_key_form),

    # --- the filer's own pages (access key or phone proved in this browser) -------------------
    *rows([("GET", "/track/<code>/private"), ("POST", "/track/<code>/private"), ("GET", "/track/<code>/rating"),
           ("POST", "/track/<code>/rating"), ("POST", "/track/<code>/withdraw"),
           ("GET", "/track/<code>/attachments/<int:attachment_id>"),
           ("GET", "/track/<code>/letters/<int:letter_id>.pdf"), ("GET", "/track/<code>/personal-data"),
           ("POST", "/track/<code>/personal-data")], FILER, record=("filer",), contact=("filer",)),

    # --- staff pages ---------------------------------------------------------------------------
    Row("POST", "/logout", SIGNED_IN),
    *rows([("GET", "/staff/account"), ("POST", "/staff/account"), ("GET", "/staff/items/new"),
           ("POST", "/staff/items/new")], SIGNED_IN),
    *rows([("GET", "/staff/items"), ("GET", "/staff/inbox")], SIGNED_IN, record=OF_THE_UNIT),
    # Items whose public version waits for a review: codes, units and dates, no text.
    Row("GET", "/staff/register", SIGNED_IN),
    Row("POST", "/staff/account/tokens/<int:token_id>/revoke", TOKEN_OWNER),
    *rows([("GET", "/staff/items/<code>"), ("POST", "/staff/items/<code>/actions"),
           ("GET", "/staff/register/<code>"), ("POST", "/staff/register/<code>")],
          OF_RECORD, record=OF_THE_UNIT, contact=OF_THE_UNIT),
    *rows([("GET", "/staff/items/<code>/attachments/<int:attachment_id>"),
           ("GET", "/staff/letters/<int:letter_id>.pdf")], OF_RECORD),
    *rows([("GET", "/staff/delegation"), ("POST", "/staff/delegation")], HEAD),

    # --- administration ------------------------------------------------------------------------
    *rows([("GET", "/admin/"), ("GET", "/admin/units"), ("GET", "/admin/units/new"), ("POST", "/admin/units/new"),
           ("GET", "/admin/units/<code>/edit"), ("POST", "/admin/units/<code>/edit"),
           ("GET", "/admin/units/import"), ("POST", "/admin/units/import"), ("GET", "/admin/units/merge"),
           ("POST", "/admin/units/merge"), ("GET", "/admin/users"), ("GET", "/admin/users/new"),
           ("POST", "/admin/users/new"), ("GET", "/admin/users/<int:user_id>/edit"),
           ("POST", "/admin/users/<int:user_id>/edit"), ("POST", "/admin/users/<int:user_id>/sessions/end"),
           ("POST", "/admin/users/<int:user_id>/tokens/<int:token_id>/revoke"),
           ("GET", "/admin/procedures"), ("GET", "/admin/procedures/new"), ("POST", "/admin/procedures/new"),
           ("GET", "/admin/procedures/<code>/edit"), ("POST", "/admin/procedures/<code>/edit"),
           ("GET", "/admin/procedures/import"), ("POST", "/admin/procedures/import"),
           ("GET", "/admin/calendar"), ("POST", "/admin/calendar"),
           ("POST", "/admin/calendar/<int:change_id>/delete"), ("GET", "/admin/deadlines"),
           ("POST", "/admin/deadlines"), ("POST", "/admin/deadlines/<int:rule_id>/delete"), ("GET", "/admin/transfers"),
           ("POST", "/admin/messages/<int:message_id>/retry")], ADMIN),
    # The outbox shows whom each message goes to, and what it says.
    Row("GET", "/admin/messages", ADMIN, record=("admin",), contact=("admin",), query={"status": "sent"}),

    # --- API: public ---------------------------------------------------------------------------
    *rows([("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/units"), ("GET", "/api/v1/procedures"),
           ("GET", "/api/v1/items/<code>"), ("GET", "/api/v1/register"), ("GET", "/api/v1/stats/units"),
           ("POST", "/api/v1/auth/token"), ("POST", "/api/v1/items")], PUBLIC, json={}),
    # Rating proves the filer by the access key in the body.
    Row("POST", "/api/v1/items/<code>/rating", outcomes("deny", "ok", "deny", "deny", "deny", "deny"),
        json=_rating_body),

    # --- API: staff ----------------------------------------------------------------------------
    Row("GET", "/api/v1/items", SIGNED_IN, record=OF_THE_UNIT),
    Row("GET", "/api/v1/auth/tokens", SIGNED_IN),
    Row("DELETE", "/api/v1/auth/tokens/<int:token_id>", TOKEN_OWNER),
    Row("POST", "/api/v1/items/<code>/transitions", OF_RECORD, record=OF_THE_UNIT,
        json={"action": "note", "reason": "Kiểm tra quyền truy cập."}),
    Row("POST", "/api/v1/units", ADMIN, json={}),

    # --- dialogues: the scene's session of P.STP is announced and held, with a commitment (no evidence
    # yet) and a first draft of its minutes, not published: no minutes for anyone, public or staff.
    *rows([("GET", "/dialogues"), ("GET", "/dialogues/<int:session_id>"), ("GET", "/dialogues/<int:session_id>/session.ics"),
           ("GET", "/dialogues/overview"), ("GET", "/dialogues/overview.<fmt>"),
           ("POST", "/dialogues/<int:session_id>/register"), ("POST", "/dialogues/<int:session_id>/questions"),
           ("GET", "/api/v1/dialogues"), ("GET", "/api/v1/dialogues/<int:session_id>"),
           ("GET", "/api/v1/dialogues/<int:session_id>/session.ics")], PUBLIC),
    # Anyone asks a question; staff who send a token speak for a unit that runs the session.
    *rows([("POST", "/api/v1/dialogues/<int:session_id>/questions")],
          outcomes("ok", "ok", "ok", "deny", "ok", "ok")),
    *rows([("GET", "/dialogues/<int:session_id>/minutes.pdf"), ("GET", "/dialogues/<int:session_id>/minutes/<int:version>.pdf"),
           ("GET", "/api/v1/dialogues/<int:session_id>/minutes.pdf"),
           ("GET", "/dialogues/commitments/<int:commitment_id>/evidence")],
          outcomes("absent", "absent", "absent", "absent", "absent", "absent")),
    *rows([("GET", "/staff/dialogues/"), ("GET", "/staff/dialogues/new"), ("POST", "/staff/dialogues/new")], SIGNED_IN),
    *rows([("GET", "/staff/dialogues/<int:session_id>"), ("GET", "/staff/dialogues/<int:session_id>/edit"),
           ("POST", "/staff/dialogues/<int:session_id>/edit"), ("POST", "/staff/dialogues/<int:session_id>/actions")],
          OF_RECORD),
    *rows([("GET", "/staff/dialogues/<int:session_id>/minutes/<int:version>.pdf")],
          outcomes("login", "login", "absent", "absent", "absent", "absent")),
    # --- surveys: answering is public; the scene has the template published, a draft of its next
    # version, and an invitation linked to the scene's item ------------------------------------
    *rows([("GET", "/s"), ("GET", "/s/<survey>"), ("GET", "/s/<survey>/<unit>"), ("POST", "/s/<survey>/<unit>"),
           ("GET", "/s/<survey>/<unit>/<procedure>"), ("POST", "/s/<survey>/<unit>/<procedure>"),
           ("GET", "/s/<survey>/<unit>/thanks"), ("GET", "/kiosk/survey"), ("GET", "/kiosk/s/<survey>/<unit>"),
           ("POST", "/kiosk/s/<survey>/<unit>"), ("GET", "/i"), ("GET", "/i/<invitation>"),
           ("POST", "/i/<invitation>")], PUBLIC),
    *rows([("GET", "/api/v1/surveys"), ("GET", "/api/v1/surveys/<ref>"), ("POST", "/api/v1/surveys/<ref>/responses")],
          PUBLIC, json={}),
    # --- reports: the satisfaction index is public (figures only: no answer's text, no sender) ---
    *rows([("GET", "/api/v1/surveys/<ref>/results"), ("GET", "/api/v1/surveys/<ref>/results.<any(csv, xlsx):fmt>")],
          PUBLIC),
    # The scene's month is frozen with a comment giving the filer's phone: it must never show.
    *rows([("GET", "/results"), ("GET", "/results/<survey>"), ("GET", "/results/<survey>/units/<unit>"),
           ("GET", "/results/<survey>/download.<any(csv, xlsx, json):fmt>"),
           ("GET", "/results/<survey>/units/<unit>/download.<any(csv, xlsx, json):fmt>"),
           ("GET", "/results/<survey>/report.pdf"), ("GET", "/scorecard/<unit>")], PUBLIC),
    # Links, QR codes and posters show public addresses only; downloads and free text are limited
    # to the visitor's units inside the view (an officer of another unit gets its own, none here).
    *rows([("GET", "/staff/surveys"), ("GET", "/staff/surveys/<int:survey_id>/share"),
           ("GET", "/staff/surveys/<int:survey_id>/<unit>/qr.svg"),
           ("GET", "/staff/surveys/<int:survey_id>/<unit>/qr.png"),
           ("GET", "/staff/surveys/<int:survey_id>/<unit>/poster.pdf"), ("GET", "/staff/surveys/kiosk"),
           ("POST", "/staff/surveys/kiosk"), ("GET", "/staff/surveys/<int:survey_id>/answers.<any(csv, xlsx):fmt>"),
           ("GET", "/staff/surveys/<int:survey_id>/comments")], SIGNED_IN),
    *rows([("GET", "/admin/surveys"), ("GET", "/admin/surveys/new"), ("POST", "/admin/surveys/new"),
           ("POST", "/admin/surveys/template"), ("POST", "/admin/surveys/import"),
           ("GET", "/admin/surveys/<int:survey_id>"), ("POST", "/admin/surveys/<int:survey_id>/publish"),
           ("POST", "/admin/surveys/<int:survey_id>/new_version"), ("POST", "/admin/surveys/<int:survey_id>/discard"),
           ("POST", "/admin/surveys/<int:survey_id>/archive"), ("POST", "/admin/surveys/<int:survey_id>/restore"),
           ("POST", "/admin/surveys/<int:survey_id>/import"),
           ("GET", "/admin/surveys/<int:survey_id>/versions/<int:number>/xlsform.xlsx"),
           ("GET", "/admin/surveys/<int:survey_id>/versions/<int:number>/preview"),
           ("GET", "/admin/surveys/<int:survey_id>/draft"), ("POST", "/admin/surveys/<int:survey_id>/draft"),
           ("GET", "/admin/surveys/<int:survey_id>/sections/new"),
           ("POST", "/admin/surveys/<int:survey_id>/sections/new"),
           ("GET", "/admin/surveys/<int:survey_id>/sections/<int:section_id>"),
           ("POST", "/admin/surveys/<int:survey_id>/sections/<int:section_id>"),
           ("POST", "/admin/surveys/<int:survey_id>/sections/<int:section_id>/up"),
           ("POST", "/admin/surveys/<int:survey_id>/sections/<int:section_id>/down"),
           ("POST", "/admin/surveys/<int:survey_id>/sections/<int:section_id>/delete"),
           ("GET", "/admin/surveys/<int:survey_id>/questions/new"),
           ("POST", "/admin/surveys/<int:survey_id>/questions/new"),
           ("GET", "/admin/surveys/<int:survey_id>/questions/<int:question_id>"),
           ("POST", "/admin/surveys/<int:survey_id>/questions/<int:question_id>"),
           ("POST", "/admin/surveys/<int:survey_id>/questions/<int:question_id>/up"),
           ("POST", "/admin/surveys/<int:survey_id>/questions/<int:question_id>/down"),
           ("POST", "/admin/surveys/<int:survey_id>/questions/<int:question_id>/delete")], ADMIN),
]
