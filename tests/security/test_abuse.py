"""Abuse: the sign-in answers alike (and as fast) for an unknown account and a wrong password;
failures are throttled per account and per item in the database, from any address and with Redis
down; per-address limits still hold."""

from __future__ import annotations

import re
import statistics
import time

import pytest

from tests.helpers import PASSWORD, Clock, RedisServer, file_item

WRONG = "not the password at all"
# Long enough for the hashing of a password to dwarf everything else a sign-in does.
SLOW_HASH = "pbkdf2:sha256:50000"


def sign_in(client, email, password=WRONG, address="127.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def page_without(answer, *words) -> str:
    text = answer.get_data(as_text=True)
    for word in words:
        text = text.replace(word, "EMAIL")
    return text


def test_an_unknown_account_a_disabled_one_and_a_wrong_password_get_the_same_answer(app, client, staff, db):
    from sqlalchemy import update

    from feedback.auth.models import User

    db.session.execute(update(User).where(User.email == "head@example.vn").values(active=False))
    db.session.commit()
    answers = {email: sign_in(client, email) for email in ("officer@example.vn", "nobody@example.vn",
                                                           "head@example.vn")}
    assert {answer.status_code for answer in answers.values()} == {422}
    pages = {page_without(answer, email) for email, answer in answers.items()}
    assert len(pages) == 1
    assert "Thư điện tử hoặc mật khẩu không đúng." in pages.pop()
    # The API too.
    api = [client.post("/api/v1/auth/token", json={"email": email, "password": WRONG}) for email in answers]
    assert {a.status_code for a in api} == {401} and len({a.get_data() for a in api}) == 1
    # The right password of the disabled account opens nothing either.
    assert page_without(sign_in(client, "head@example.vn", PASSWORD), "head@example.vn") == \
        page_without(answers["officer@example.vn"], "officer@example.vn")


def test_an_unknown_account_takes_as_long_as_a_wrong_password(make_app, staff):
    """Many tries of each, interleaved, compared by their medians: the hashing, which takes most of a
    sign-in's time, is done for unknown accounts too."""
    app = make_app(PASSWORD_HASH_METHOD=SLOW_HASH, RATELIMIT_LOGIN_ACCOUNT="1000 per minute")
    from feedback.auth.services import create_user
    from feedback.extensions import db

    with app.app_context():
        create_user("slow@example.vn", PASSWORD, "admin")
        db.session.commit()
    client = app.test_client()
    sign_in(client, "warm-up@example.vn"), sign_in(client, "slow@example.vn")  # the dummy hash is made once
    times = {"unknown": [], "wrong": [], "page": []}
    for attempt in range(20):
        for kind, call in (("unknown", lambda: sign_in(client, f"nobody{attempt}@example.vn")),
                           ("wrong", lambda: sign_in(client, "slow@example.vn")),
                           ("page", lambda: client.get("/login"))):
            start = time.perf_counter()
            answer = call()
            times[kind].append(time.perf_counter() - start)
            assert answer.status_code in (200, 422)
    unknown, wrong, page = (statistics.median(times[kind]) for kind in ("unknown", "wrong", "page"))
    # The test could see a difference: hashing makes a failed sign-in much slower than a page.
    assert wrong > 3 * page, f"hashing too cheap to tell: wrong {wrong:.4f}s, page {page:.4f}s"
    assert 0.7 < unknown / wrong < 1.4, f"unknown {unknown:.4f}s against wrong password {wrong:.4f}s"


def test_failures_on_an_account_are_throttled_from_any_address_and_the_right_password_waits(app, client, staff,
                                                                                              monkeypatch):
    clock = Clock(monkeypatch, modules=("feedback.throttle", "feedback.auth.services"))
    for attempt in range(5):
        assert sign_in(client, "officer@example.vn", address=f"10.0.0.{attempt}").status_code == 422
    refused = sign_in(client, "officer@example.vn", PASSWORD, address="10.0.1.1")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Quá nhiều lần đăng nhập sai" in refused.get_data(as_text=True)
    assert client.post("/api/v1/auth/token", json={"email": "officer@example.vn", "password": PASSWORD}
                       ).status_code == 429
    # Another account is not held up; the account opens again once the window has passed.
    assert sign_in(client, "head@example.vn", PASSWORD).status_code == 302
    clock.set(clock.now + __import__("datetime").timedelta(minutes=15, seconds=1))
    assert sign_in(client, "officer@example.vn", PASSWORD).status_code == 302


def test_an_unknown_account_is_throttled_the_same_way(client, staff):
    answers = [sign_in(client, "nobody@example.vn").status_code for _ in range(6)]
    assert answers == [422] * 5 + [429]


def test_a_successful_sign_in_forgets_the_failures(client, staff):
    for _attempt in range(4):
        sign_in(client, "officer@example.vn")
    assert sign_in(client, "officer@example.vn", PASSWORD).status_code == 302
    client.post("/logout")
    assert [sign_in(client, "officer@example.vn").status_code for _ in range(6)] == [422] * 5 + [429]


def test_failed_token_requests_count_too(client, staff):
    answers = [client.post("/api/v1/auth/token", json={"email": "officer@example.vn", "password": WRONG})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert answers[-1].get_json()["error"]["code"] == "too_many_requests"
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_wrong_keys_and_phones_are_throttled_per_item_whatever_the_address(app, client, staff):
    filed = file_item(client, contact={"name": "Ngô Văn Thử", "phone": "0912000111"}, consent=True)
    other = file_item(client)
    code = filed["code"]
    for attempt in range(10):
        wrong = {"key": "", "phone": f"09120001{attempt:02d}"} if attempt % 2 else {"key": f"AAAA-{attempt}", "phone": ""}
        answer = client.post(f"/track/{code}", data=wrong, environ_base={"REMOTE_ADDR": f"10.1.0.{attempt}"})
        assert answer.status_code == 403
    held = client.post(f"/track/{code}", data={"key": filed["access_key"], "phone": ""},
                       environ_base={"REMOTE_ADDR": "10.2.0.1"})
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
    assert "Quá nhiều lần nhập sai" in held.get_data(as_text=True)
    rating = client.post(f"/api/v1/items/{code}/rating", json={"access_key": filed["access_key"], "satisfied": True})
    assert rating.status_code == 429
    # Another item is not held up.
    assert client.post(f"/track/{other['code']}", data={"key": other["access_key"], "phone": ""}).status_code == 302


def test_wrong_keys_sent_to_the_rating_api_count_against_the_item(client, staff):
    filed = file_item(client)
    for _attempt in range(10):
        answer = client.post(f"/api/v1/items/{filed['code']}/rating", json={"access_key": "AAAA", "satisfied": True})
        assert answer.status_code == 403
    assert client.post(f"/track/{filed['code']}", data={"key": filed["access_key"], "phone": ""}).status_code == 429


def test_the_private_view_is_also_limited_per_address(make_app, staff):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOOKUP="3 per minute")
    client = app.test_client()
    codes = [file_item(client)["code"] for _ in range(2)]
    here = [client.post(f"/track/{codes[i % 2]}", data={"key": "AAAA", "phone": ""},
                        environ_base={"REMOTE_ADDR": "10.3.0.1"}).status_code for i in range(4)]
    assert here == [403, 403, 403, 429]
    assert client.post(f"/track/{codes[0]}", data={"key": "AAAA", "phone": ""},
                       environ_base={"REMOTE_ADDR": "10.3.0.2"}).status_code == 403


@pytest.mark.slow
def test_throttling_holds_when_redis_stops(make_app, staff, tmp_path):
    """Per-address limits in Redis, per-account counts in the database: with Redis stopped mid-way,
    sign-ins go on being answered (never a 5xx) and both still refuse."""
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis.url, RATELIMIT_LOGIN="4 per minute")
        client = app.test_client()
        before = [sign_in(client, "officer@example.vn", address="10.4.0.1").status_code for _ in range(3)]
        assert before == [422, 422, 422]
        import redis as redis_client

        assert redis_client.Redis.from_url(redis.url).keys(), "the limits count in Redis"
        redis.stop()
        # The account has two failures left, from any address.
        after = [sign_in(client, "officer@example.vn", address=f"10.4.1.{n}").status_code for n in range(3)]
        assert after == [422, 422, 429]
        # The per-address limit now counts in this process's memory.
        one_address = [sign_in(client, f"someone{n}@example.vn", address="10.4.2.1").status_code for n in range(5)]
        assert one_address == [422, 422, 422, 422, 429]
    finally:
        redis.stop()


def test_the_throttle_table_holds_no_email_and_tick_forgets_ended_windows(app, client, staff, db, monkeypatch):
    from sqlalchemy import select, text

    from feedback.pluginmanager import run_tick
    from feedback.throttle import Throttle

    sign_in(client, "officer@example.vn")
    rows = db.session.execute(text("SELECT * FROM throttles")).all()
    assert len(rows) == 1 and not any("officer" in str(value) for value in rows[0])
    clock = Clock(monkeypatch, modules=("feedback.throttle",))
    db.session.commit()
    run_tick(now=clock.now)
    assert db.session.scalar(select(Throttle.key)) is not None, "a window still open is kept"
    later = clock.set(clock.now + __import__("datetime").timedelta(hours=2))
    summaries = dict(run_tick(now=later))
    assert db.session.scalar(select(Throttle.key)) is None
    assert any(re.search(r"1 ended counts", summary or "") for summary in summaries.values())
