"""POST /api/v1/auth/token and bearer-token authentication."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, text

from feedback.auth.models import ApiToken, User
from feedback.timeutil import utcnow
from tests.helpers import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


def request_token(client, email="admin@example.vn", password=PASSWORD):
    return client.post(TOKEN_URL, json={"email": email, "password": password})


def token_for(client, email="admin@example.vn") -> str:
    response = request_token(client, email)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def new_unit(client, token: str, code: str = "P.NEW"):
    return client.post("/api/v1/units", json={"code": code, "name": "Đơn vị mới"},
                       headers={"Authorization": f"Bearer {token}"})


def record_of(db, token: str) -> ApiToken:
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest()))


def assert_unauthorized(response):
    assert_error(response, 401, "unauthorized")
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.lower().startswith("bearer"), challenge


def test_good_credentials_give_a_bearer_token(client, staff):
    before = utcnow()
    response = request_token(client)
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"id", "token", "token_type", "expires_at"}
    assert body["token_type"] == "Bearer"
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    assert expires_at.tzinfo is not None
    # API_TOKEN_LIFETIME_DAYS defaults to 30.
    lifetime = expires_at - before
    assert dt.timedelta(days=30) - dt.timedelta(minutes=1) <= lifetime <= dt.timedelta(days=30, minutes=1)


def test_token_lifetime_follows_the_setting(make_app, staff):
    client = make_app(API_TOKEN_LIFETIME_DAYS=2).test_client()
    response = request_token(client)
    assert response.status_code == 201
    lifetime = dt.datetime.fromisoformat(response.get_json()["expires_at"]) - utcnow()
    assert dt.timedelta(days=2) - dt.timedelta(minutes=1) <= lifetime <= dt.timedelta(days=2)


def test_email_is_matched_without_regard_to_case(client, staff):
    assert request_token(client, email="Admin@Example.VN").status_code == 201


def test_each_request_gives_a_new_token(client, staff):
    assert token_for(client) != token_for(client)


def test_the_token_works_for_creating_a_unit(client, staff):
    token = token_for(client)
    response = new_unit(client, token)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["code"] == "P.NEW"
    assert "P.NEW" in [unit["code"] for unit in client.get("/api/v1/units").get_json()["items"]]


def test_only_the_sha256_of_the_token_is_stored(client, db, staff):
    token = token_for(client)
    rows = db.session.execute(text("SELECT * FROM api_tokens")).mappings().all()
    db.session.commit()
    assert len(rows) == 1
    row = rows[0]
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    for value in row.values():
        assert token not in str(value)


def test_signing_in_for_a_token_records_the_login(client, db, staff):
    token_for(client)
    user = db.session.scalar(select(User).where(User.email == "admin@example.vn"))
    assert user.last_login_at is not None
    assert utcnow() - user.last_login_at < dt.timedelta(minutes=1)
    db.session.commit()


def _deactivate(db, email):
    user = db.session.scalar(select(User).where(User.email == email))
    user.active = False
    db.session.commit()


@pytest.mark.parametrize("email, password, inactive", [
    ("admin@example.vn", "wrong password 123", False),
    ("nobody@example.vn", PASSWORD, False),
    ("officer@example.vn", PASSWORD, True),
], ids=["wrong-password", "unknown-email", "inactive-user"])
def test_refused_credentials_give_an_error_and_no_token(client, db, staff, email, password, inactive):
    if inactive:
        _deactivate(db, email)
    response = request_token(client, email, password)
    error = assert_error(response, 401, "unauthorized")
    assert "token" not in response.get_json()
    assert error["fields"] == {}
    assert db.session.scalar(select(ApiToken.id)) is None
    db.session.commit()


def test_refusals_do_not_tell_which_part_was_wrong(client, db, staff):
    """Wrong password, unknown e-mail and inactive account get the same answer."""
    _deactivate(db, "officer@example.vn")
    answers = [request_token(client, "admin@example.vn", "wrong password 123"),
               request_token(client, "nobody@example.vn", PASSWORD),
               request_token(client, "officer@example.vn", PASSWORD)]
    assert len({(r.status_code, r.get_data()) for r in answers}) == 1


@pytest.mark.parametrize("body, missing", [
    ({}, {"email", "password"}),
    ({"email": "admin@example.vn"}, {"password"}),
    ({"password": PASSWORD}, {"email"}),
])
def test_missing_fields_are_named(client, staff, body, missing):
    error = assert_error(client.post(TOKEN_URL, json=body), 422, "invalid")
    assert set(error["fields"]) == missing
    assert all(isinstance(message, str) and message for message in error["fields"].values())


def test_a_malformed_email_is_refused_by_field(client, staff):
    error = assert_error(client.post(TOKEN_URL, json={"email": "not-an-email", "password": PASSWORD}), 422, "invalid")
    assert set(error["fields"]) == {"email"}


def test_an_expired_token_is_refused(client, db, staff):
    token = token_for(client)
    assert new_unit(client, token, "P.A").status_code == 201
    record_of(db, token).expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert_unauthorized(new_unit(client, token, "P.B"))


def test_a_revoked_token_is_refused(client, db, staff):
    token = token_for(client)
    record_of(db, token).revoked_at = utcnow()
    db.session.commit()
    assert_unauthorized(new_unit(client, token))


def test_the_token_of_a_deactivated_account_is_refused(client, db, staff):
    token = token_for(client)
    _deactivate(db, "admin@example.vn")
    assert_unauthorized(new_unit(client, token))


@pytest.mark.parametrize("header", [
    "Bearer garbage",
    "Bearer ",
    "Bearer",
    "Basic YWRtaW5AZXhhbXBsZS52bjpjb3JyZWN0IGhvcnNlIGJhdHRlcnk=",
    "",
])
def test_garbage_or_missing_tokens_are_refused(client, staff, header):
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/units", json={"code": "P.NEW", "name": "X"}, headers=headers)
    assert_unauthorized(response)


def test_the_hash_of_a_token_is_not_itself_a_token(client, staff):
    token = token_for(client)
    assert_unauthorized(new_unit(client, hashlib.sha256(token.encode()).hexdigest()))


def test_authentication_is_checked_before_the_body(client, staff):
    """Without a token, an invalid body still gets 401: nothing is validated for strangers."""
    response = client.post("/api/v1/units", json={"code": ""})
    assert_unauthorized(response)
