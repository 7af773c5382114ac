"""Every failure of the API answers {"error": {"code", "message", "fields"}}, in the client's language."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale, get_locale, gettext

from tests.helpers import PASSWORD, bearer

TOKEN_URL = "/api/v1/auth/token"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    assert isinstance(body, dict) and list(body) == ["error"]
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


# --- one request per failure status ------------------------------------------------------------

def malformed_json(client, headers):
    return client.post(TOKEN_URL, data=b'{"email": "admin@example.vn", ', content_type="application/json", headers=headers)


def no_token(client, headers):
    return client.post("/api/v1/units", json={"code": "P.X", "name": "X"}, headers=headers)


def officer_token(client, headers):
    return client.post("/api/v1/units", json={"code": "P.X", "name": "X"}, headers={**bearer(client, "officer@example.vn"), **headers})


def unknown_path(client, headers):
    return client.get("/api/v1/nothing-here", headers=headers)


def wrong_method(client, headers):
    return client.delete("/api/v1/units", headers=headers)


def duplicate_code(client, headers):
    return client.post("/api/v1/units", json={"code": "P.STP", "name": "X"}, headers={**bearer(client), **headers})


def missing_fields(client, headers):
    return client.post(TOKEN_URL, json={}, headers=headers)


def bad_date(client, headers):
    return client.get("/api/v1/units", query_string={"on": "garbage"}, headers=headers)


FAILURES = {
    # name: (request, status, code, fields)
    "400-malformed-json": (malformed_json, 400, "bad_request", None),
    "401-no-token": (no_token, 401, "unauthorized", {}),
    "403-officer": (officer_token, 403, "forbidden", {}),
    "404-unknown-path": (unknown_path, 404, "not_found", {}),
    "405-wrong-method": (wrong_method, 405, "method_not_allowed", {}),
    "409-duplicate": (duplicate_code, 409, "conflict", None),
    "422-missing-fields": (missing_fields, 422, "invalid", None),
    "422-bad-date": (bad_date, 422, "invalid", None),
}


@pytest.mark.parametrize("name", FAILURES)
def test_every_failure_has_the_error_shape(client, staff, name):
    make_request, status, code, fields = FAILURES[name]
    error = assert_error(make_request(client, {}), status, code)
    if fields is not None:
        assert error["fields"] == fields


def test_400_malformed_json_names_the_body(client, staff):
    error = assert_error(malformed_json(client, {}), 400, "bad_request")
    assert set(error["fields"]) == {"body"}


def test_401_carries_a_bearer_challenge(client, staff):
    response = no_token(client, {})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_404_under_the_api_is_json_but_elsewhere_is_a_page(client):
    for path in ("/api/v1/nothing-here", "/api/v2/units", "/api/v1/units/P/children"):
        assert_error(client.get(path), 404, "not_found")
    page = client.get("/nothing-here")
    assert page.status_code == 404
    assert page.mimetype == "text/html"


def test_405_lists_the_allowed_methods(client):
    response = client.put("/api/v1/procedures", json={})
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert_error(client.get(TOKEN_URL), 405, "method_not_allowed")


def test_409_names_the_conflicting_field(client, staff):
    error = assert_error(duplicate_code(client, {}), 409, "conflict")
    assert set(error["fields"]) == {"code"}


def test_413_body_larger_than_max_content_length(make_app, staff):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    small = client.post(TOKEN_URL, json={"email": "admin@example.vn", "password": "x" * 800})
    assert small.status_code != 413
    assert_error(small, small.status_code)  # a refused password, not a size problem
    big = client.post(TOKEN_URL, json={"email": "admin@example.vn", "password": "x" * 2000},
                      headers={"Accept-Language": "en"})
    assert assert_error(big, 413, "too_large")["message"] == "The request is too large."
    # Also with a valid token: the size limit holds for authenticated requests.
    headers = bearer(client)
    too_big_unit = client.post("/api/v1/units", json={"code": "P.X", "name": "X" * 2000}, headers=headers)
    assert_error(too_big_unit, 413, "too_large")
    assert client.post("/api/v1/units", json={"code": "P.X", "name": "X"}, headers=headers).status_code == 201


def test_429_after_ten_token_requests_in_a_minute(make_app, staff):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    assert client.application.config["RATELIMIT_LOGIN"] == "10 per minute"
    # Ten accounts, so that no account's own count of failures (feedback.throttle) refuses first.
    answers = [client.post(TOKEN_URL, json={"email": f"someone{n}@example.vn", "password": "wrong password 123"})
               for n in range(10)]
    assert all(answer.status_code != 429 for answer in answers)
    refused = client.post(TOKEN_URL, json={"email": "admin@example.vn", "password": PASSWORD},
                          headers={"Accept-Language": "en"})
    error = assert_error(refused, 429, "too_many_requests")
    assert error["message"] == "Too many requests: please wait a moment and try again."
    assert error["fields"] == {}
    assert int(refused.headers["Retry-After"]) > 0
    # Still refused, even with the right password: no token is given out.
    assert "token" not in refused.get_json()
    # The limit is on the token endpoint: the public catalogue still answers.
    assert client.get("/api/v1/procedures").status_code == 200


def test_422_fields_are_keyed_by_field_name_not_location(client, staff):
    error = assert_error(client.get("/api/v1/procedures", query_string={"limit": "0", "q": "x" * 201}), 422, "invalid")
    assert set(error["fields"]) == {"limit", "q"}
    assert all(isinstance(message, str) and message for message in error["fields"].values())


def test_unknown_field_is_refused_by_name(client, staff):
    response = client.post(TOKEN_URL, json={"email": "admin@example.vn", "password": PASSWORD, "remember": True})
    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == {"remember"}


# --- language ----------------------------------------------------------------------------------

ENGLISH = {
    "400-malformed-json": ("The request could not be understood.", {"body": "Invalid JSON body."}),
    "401-no-token": ("Sign in or send a valid bearer token.", {}),
    "403-officer": ("Your role does not allow this.", {}),
    "404-unknown-path": ("Nothing was found at this address.", {}),
    "405-wrong-method": ("This method is not allowed here.", {}),
    "409-duplicate": ("A unit with the code P.STP exists already.", {"code": "This code is taken."}),
    "422-missing-fields": ("Some fields are not valid.", {"email": "Missing data for required field.",
                                                          "password": "Missing data for required field."}),
    "422-bad-date": ("Some fields are not valid.", {"on": "Not a valid date."}),
}


@pytest.mark.parametrize("name", FAILURES)
@pytest.mark.parametrize("language", ["en", "en-GB,en;q=0.9", "fr-FR, en;q=0.5"])
def test_messages_are_in_english_when_asked(client, staff, name, language):
    make_request, status, code, _ = FAILURES[name]
    error = assert_error(make_request(client, {"Accept-Language": language}), status, code)
    assert (error["message"], error["fields"]) == ENGLISH[name]


@pytest.mark.parametrize("name", FAILURES)
@pytest.mark.parametrize("language", [None, "vi", "vi-VN,vi;q=0.9,en;q=0.5", "fr", "*"])
def test_messages_are_in_the_default_locale_otherwise(app, client, staff, name, language):
    make_request, status, code, _ = FAILURES[name]
    headers = {"Accept-Language": language} if language else {}
    error = assert_error(make_request(client, headers), status, code)
    english_message, english_fields = ENGLISH[name]
    # Whatever the Vietnamese catalogue says (if anything yet), the answer is its wording.
    with app.test_request_context("/"), force_locale("vi"):
        assert error["message"] == gettext(english_message.replace("P.STP", "%(code)s"), code="P.STP")
        assert error["fields"] == {field: gettext(message) for field, message in english_fields.items()}


@pytest.mark.parametrize("language, expected", [
    (None, "vi"), ("vi", "vi"), ("en", "en"), ("en-US", "en"), ("vi;q=0.4, en;q=0.8", "en"),
    ("vi, en;q=0.5", "vi"), ("fr, de", "vi"), ("*", "vi"),
])
def test_the_api_chooses_its_language_from_accept_language(app, language, expected):
    headers = {"Accept-Language": language} if language else {}
    with app.test_request_context("/api/v1/units", headers=headers):
        assert str(get_locale()) == expected
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"


def test_the_api_ignores_the_lang_parameter_of_the_pages(app):
    with app.test_request_context("/api/v1/units?lang=en"):
        assert str(get_locale()) == "vi"


def test_500_unexpected_failure_has_the_error_shape_and_hides_the_cause(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("secret database detail")

    app.add_url_rule("/api/v1/test-boom", "test_boom", boom)
    response = app.test_client().get("/api/v1/test-boom", headers={"Accept-Language": "en"})
    error = assert_error(response, 500, "internal_error")
    assert error == {"code": "internal_error", "fields": {},
                     "message": "Something went wrong on our side. Nothing was changed; please try again."}
    assert "secret" not in response.get_data(as_text=True)
    assert "/api/v1/test-boom" in caplog.text
