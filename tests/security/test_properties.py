"""Properties, found by hypothesis: the input rules (control characters, XML, JSON, e-mail and phone
validation) hold for any text, the API never answers 5xx whatever a filer sends, and a rule-based
machine that moves items at random checks that what is public was answered and holds nothing
personal."""

from __future__ import annotations

import re
import string
from xml.etree import ElementTree

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test
from markupsafe import escape

from feedback.inputs import CONTROL, email_address, json_problems, phone_number, single_line, without_controls, \
    xml_safe
from feedback.items.states import ACTIONS
from feedback.text import fold
from tests.helpers import BODY, TITLE, login, token_for

# No example database (the suite leaves nothing behind), no time limit per example (the machine is
# shared with other test runs), and a bounded number of examples so that the suite stays fast.
PURE = settings(max_examples=300, deadline=None, database=None)
THROUGH_THE_APP = settings(max_examples=25, deadline=None, database=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

any_text = st.text(st.characters(codec="utf-8"), max_size=80)
any_text_with_surrogates = st.text(st.characters(), max_size=80)


# --- the input rules ----------------------------------------------------------------------------


@PURE
@given(any_text_with_surrogates)
def test_without_controls_keeps_every_other_character_in_order(text):
    cleaned = without_controls(text)
    assert not CONTROL.search(cleaned)
    assert cleaned == "".join(char for char in text if not CONTROL.match(char))
    assert without_controls(cleaned) == cleaned


@PURE
@given(any_text_with_surrogates)
def test_single_line_has_no_break_and_no_control(text):
    line = single_line(text)
    assert not re.search("[\x00-\x1f\x7f-\x9f]", line)
    assert single_line(line) == line


@PURE
@given(any_text_with_surrogates)
def test_xml_safe_text_is_valid_xml(text):
    kept = xml_safe(text)
    document = f"<title>{escape(kept)}</title>".encode("utf-8", "strict")
    # An XML parser reads every line break as a line feed.
    assert (ElementTree.fromstring(document).text or "") == kept.replace("\r\n", "\n").replace("\r", "\n")


json_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | any_text_with_surrogates,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text_with_surrogates, children, max_size=4),
    max_leaves=12)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@PURE
@given(json_documents)
def test_json_problems_finds_every_string_that_cannot_be_stored(document):
    bad = [text for text in _strings(document) if CONTROL.search(text) or re.search("[\ud800-\udfff]", text)]
    problems = json_problems(document)
    assert bool(problems) == bool(bad), (problems, bad)


@PURE
@given(st.text(string.ascii_lowercase + string.digits + "._-", min_size=1, max_size=20),
       st.sampled_from(["example.vn", "demo.gov.vn", "hanoi.gov.vn", "gmail.com"]))
def test_an_ordinary_address_is_accepted_and_kept(local, domain):
    assume(not local.startswith(".") and not local.endswith(".") and ".." not in local)
    assert email_address(f" {local}@{domain.upper()} ") == f"{local}@{domain}"


@PURE
@given(st.text(string.ascii_lowercase, min_size=1, max_size=10), st.text(string.ascii_lowercase, min_size=1, max_size=10),
       st.sampled_from([",", " ", ";", "\x00", "\n", "<", ">", "(", ")", "[", "\\", '"', ":"]))
def test_an_address_with_a_separator_in_it_is_refused(before, after, separator):
    """``a,b@x.vn`` is two addresses (or none) to a mail program: never one to us."""
    assert email_address(f"{before}{separator}{after}@x.vn") is None


@PURE
@given(any_text_with_surrogates)
def test_whatever_email_validator_accepts_has_one_at_and_nothing_invisible(text):
    address = email_address(text)
    if address is not None:
        assert address.count("@") == 1 and not CONTROL.search(address) and " " not in address
        assert email_address(address) == address


mobile_prefixes = st.sampled_from(["090", "091", "093", "094", "096", "097", "098", "032", "070", "077", "081", "086"])


@PURE
@given(mobile_prefixes, st.text(string.digits, min_size=7, max_size=7),
       st.sampled_from(["{p}{r}", "{p} {a} {b}", "{p}.{a}.{b}", "+84 {q}{r}", "84{q}{r}", "({p}) {a}-{b}"]))
def test_a_mobile_number_is_stored_the_same_however_it_is_written(prefix, rest, layout):
    written = layout.format(p=prefix, q=prefix[1:], r=rest, a=rest[:3], b=rest[3:])
    assert phone_number(written) == prefix + rest


@PURE
@given(any_text_with_surrogates)
def test_a_stored_phone_number_is_only_digits(text):
    number = phone_number(text)
    assert number is None or re.fullmatch(r"0\d{8,10}", number)


# --- the API, whatever a filer sends ------------------------------------------------------------

contact_values = st.one_of(any_text, st.sampled_from(["0912 345 678", "a,b@x.vn", "lan@example.vn", "+84912345678"]))


@THROUGH_THE_APP
@given(title=any_text_with_surrogates, body=st.one_of(any_text_with_surrogates, st.just(BODY)),
       name=contact_values, phone=contact_values, email=contact_values)
def test_filing_through_the_api_never_fails_and_stores_only_clean_text(app, client, staff, savepoint, title, body,
                                                                         name, phone, email):
    from sqlalchemy import select

    from feedback.extensions import db
    from feedback.items.models import Item

    with savepoint():
        answer = client.post("/api/v1/items", json={
            "kind": "complaint", "topic": "other", "unit": "P.STP", "title": title, "body": body, "consent": True,
            "contact": {"name": name, "phone": phone, "email": email}})
        assert answer.status_code in (201, 422), answer.get_data(as_text=True)[:300]
        with app.app_context():
            items = db.session.scalars(select(Item)).all()
            assert len(items) == (answer.status_code == 201)
            for item in items:
                texts = [item.title, item.body]
                if item.contact is not None:
                    texts += [item.contact.name, item.contact.phone, item.contact.email]
                    assert item.contact.phone == "" or re.fullmatch(r"0\d{8,10}", item.contact.phone)
                    assert item.contact.email == "" or email_address(item.contact.email) == item.contact.email
                assert not any(CONTROL.search(text) for text in texts)


# --- the life of items, at random ---------------------------------------------------------------

NAME, PHONE, EMAIL, ADDRESS = "Trịnh Công Bảo Mật", "0912738465", "baomat.nguoidan@example.com", "số 17 ngõ 42 phố Hàng Bạc"
CANARIES = (NAME, PHONE, "0912 738 465", EMAIL, ADDRESS)
PERSONAL_TEXT = f"Tôi là {NAME}, ở {ADDRESS}; gọi 0912 738 465 hoặc thư {EMAIL}. "
STAFF = ("admin@example.vn", "head@example.vn", "officer@example.vn")
STAFF_ACTIONS = sorted(name for name, action in ACTIONS.items() if not action.filer_only)
ANSWERED = ("responded", "closed")


def _leaks(text: str) -> list[str]:
    folded = fold(text)
    return [canary for canary in CANARIES if canary in text or fold(canary) in folded]


class ItemLives(RuleBasedStateMachine):
    """Items filed (with or without consent to publish, with personal data in their contact and in
    their text) and moved by any staff member with any action, with personal data in reasons and
    answers. The model keeps what the API said; the public register must agree with it."""

    items = Bundle("items")

    def __init__(self, client, tokens, savepoint, seen):
        super().__init__()
        self.client, self.tokens, self.seen = client, tokens, seen
        self._undo = savepoint()
        self._undo.__enter__()
        self.publish: dict[str, bool] = {}
        self.ever_answered: dict[str, bool] = {}

    def teardown(self):
        self._undo.__exit__(None, None, None)

    @rule(target=items, publish=st.booleans(), personal_title=st.booleans())
    def file(self, publish, personal_title):
        title = f"{NAME} {PHONE}" if personal_title else TITLE
        answer = self.client.post("/api/v1/items", json={
            "kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": title, "body": PERSONAL_TEXT + BODY,
            "publish": publish, "consent": True,
            "contact": {"name": NAME, "phone": PHONE, "email": EMAIL, "address": ADDRESS}})
        assert answer.status_code == 201, answer.get_data(as_text=True)
        code = answer.get_json()["code"]
        self.publish[code], self.ever_answered[code] = publish, False
        return code

    @rule(code=items, who=st.sampled_from(STAFF), personal=st.booleans())
    def answer(self, code, who, personal):
        """Answering, as often as every other action together (the walks must reach public answers)."""
        self.act(code, "respond", who, personal, "P.STP", 1)

    @rule(code=items, action=st.sampled_from(STAFF_ACTIONS), who=st.sampled_from(STAFF),
          personal=st.booleans(), unit=st.sampled_from(["P.STP", "P", "P.XA"]), days=st.integers(1, 15))
    def act(self, code, action, who, personal, unit, days):
        words = (PERSONAL_TEXT if personal else "") + "Đơn vị đã kiểm tra và giải quyết xong hồ sơ của công dân."
        answer = self.client.post(f"/api/v1/items/{code}/transitions",
                                  headers={"Authorization": f"Bearer {self.tokens[who]}"},
                                  json={"action": action, "reason": words, "body": words, "unit": unit,
                                        "days": days, "original": code})
        assert answer.status_code in (200, 403, 404, 409, 422), (action, who, answer.get_data(as_text=True)[:300])
        if answer.status_code == 200 and answer.get_json()["item"]["status"] in ANSWERED:
            self.ever_answered[code] = True

    @rule(code=items)
    def review(self, code):
        """The unit's head confirms the public version (masked by the platform): only then is the
        text public, when the filer agreed (FEEDBACK_REGISTER_PUBLICATION = review)."""
        if not hasattr(self, "head"):
            self.head = self.client.application.test_client()
            login(self.head, "head@example.vn")
        answer = self.head.post(f"/staff/register/{code}", data={"title": "", "body": "", "answer": "", "publish": "0"})
        assert answer.status_code in (302, 404, 409, 422), answer.get_data(as_text=True)[:300]

    @rule(code=consumes(items))
    def forget(self, code):
        """Stop moving an item (it stays filed and public): others get the moves."""

    @invariant()
    def the_public_register_shows_only_answered_answers_and_nothing_personal(self):
        listing = self.client.get("/api/v1/register", query_string={"limit": 200})
        assert listing.status_code == 200
        text = listing.get_data(as_text=True)
        assert _leaks(text) == [], text[:500]
        for entry in listing.get_json()["items"]:
            code = entry["code"]
            if entry["response"] is not None:
                assert self.ever_answered[code], f"{code} shows an answer that was never published"
                self.seen["answers"] += 1
            if entry["title"] is not None or entry["body"] is not None:
                assert self.publish[code], f"{code} shows its text without the filer's consent"
                self.seen["texts"] += 1
        feed = self.client.get("/register/feed.atom")
        assert feed.status_code == 200 and _leaks(feed.get_data(as_text=True)) == []
        ElementTree.fromstring(feed.get_data())


def test_items_moved_at_random_keep_the_public_register_honest(client, people, savepoint):
    tokens = {email: token_for(client, email) for email in STAFF}
    seen = {"answers": 0, "texts": 0}
    run_state_machine_as_test(lambda: ItemLives(client, tokens, savepoint, seen),
                              settings=settings(max_examples=10, stateful_step_count=12, deadline=None,
                                                database=None, suppress_health_check=list(HealthCheck)))
    # The walks reached public answers and public texts (else the invariant checked nothing).
    assert seen["answers"] > 0 and seen["texts"] > 0, seen
