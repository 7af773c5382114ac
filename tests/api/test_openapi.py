"""The generated OpenAPI document: valid, complete, and honest about the error envelope."""

from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from tests.helpers import PASSWORD

ERROR_ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def resolve(spec: dict, node: dict) -> dict:
    """Follow local $refs (#/components/...) until a concrete object."""
    seen = set()
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/") and ref not in seen, ref
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def schema_validator(spec: dict, name: str) -> OAS30Validator:
    return OAS30Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def test_document_is_a_valid_openapi_3_document(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Feedback API"


def test_document_lists_the_v1_paths_and_methods(spec):
    paths = spec["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/units", "/api/v1/procedures"):
        assert path in paths
    assert set(paths["/api/v1/auth/token"]) >= {"post"}
    assert set(paths["/api/v1/units"]) >= {"get", "post"}
    assert set(paths["/api/v1/procedures"]) >= {"get"}
    # The document describes the API, not the HTML pages of the app.
    assert all(path.startswith("/api/v1/") for path in paths)


def test_bearer_security_scheme_is_declared_and_used_by_unit_creation(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in spec["paths"]["/api/v1/units"]["post"]["security"]
    # The public reads and the token exchange itself need no token.
    assert "security" not in spec["paths"]["/api/v1/units"]["get"]
    assert "security" not in spec["paths"]["/api/v1/procedures"]["get"]
    assert "security" not in spec["paths"]["/api/v1/auth/token"]["post"]


def test_error_envelope_schema_has_code_message_and_fields(spec):
    envelope = spec["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["type"] == "object"
    assert "error" in envelope["required"]
    detail = resolve(spec, envelope["properties"]["error"])
    assert detail["type"] == "object"
    assert set(detail["properties"]) == {"code", "message", "fields"}
    assert detail["properties"]["code"]["type"] == "string"
    assert detail["properties"]["message"]["type"] == "string"
    assert detail["properties"]["fields"]["type"] == "object"
    assert {"code", "message"} <= set(detail["required"])


def test_every_documented_error_response_uses_the_error_envelope(spec):
    checked = []
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 400:
                continue
            content = resolve(spec, response)["content"]
            assert set(content) == {"application/json"}, (path, method, status)
            assert content["application/json"]["schema"] == {"$ref": ERROR_ENVELOPE_REF}, (path, method, status)
            checked.append((path, method, status))
    # Each endpoint documents its own refusals, not only the default.
    assert ("/api/v1/auth/token", "post", "422") in checked
    assert ("/api/v1/auth/token", "post", "429") in checked
    for status in ("401", "403", "409", "422"):
        assert ("/api/v1/units", "post", status) in checked
    assert ("/api/v1/units", "get", "422") in checked
    assert ("/api/v1/procedures", "get", "422") in checked
    assert all((path, method, "default") in checked for path, method, _ in operations(spec))


def test_documented_parameters_and_bodies(spec):
    token_body = resolve(spec, spec["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert set(token_body["required"]) == {"email", "password"}
    unit_body = resolve(spec, spec["paths"]["/api/v1/units"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert {"code", "name"} <= set(unit_body["required"])
    params = {p["name"]: p for p in spec["paths"]["/api/v1/procedures"]["get"]["parameters"]}
    assert set(params) == {"unit", "q", "after", "limit"}
    assert all(p["in"] == "query" for p in params.values())
    assert params["limit"]["schema"]["minimum"] == 1
    assert params["limit"]["schema"]["maximum"] == 200
    on = {p["name"]: p for p in spec["paths"]["/api/v1/units"]["get"]["parameters"]}["on"]
    assert on["schema"] == {"type": "string", "format": "date"}


def test_real_answers_match_the_documented_schemas(spec, app, client, staff):
    """The document describes what the API really sends, success and error alike."""
    from feedback.extensions import db
    from feedback.procedures.services import save_procedure
    from feedback.units.services import get_unit

    with app.app_context():
        save_procedure(None, code="1.000001", name="Đăng ký khai sinh", field="Hộ tịch", unit=get_unit(staff["dept"]),
                       processing_days=3, fee=None, online_level=4, postal_return=True)
        db.session.commit()
    ok = client.post("/api/v1/auth/token", json={"email": "admin@example.vn", "password": PASSWORD})
    assert ok.status_code == 201
    schema_validator(spec, "TokenResponse").validate(ok.get_json())
    headers = {"Authorization": "Bearer " + ok.get_json()["token"]}

    created = client.post("/api/v1/units", json={"code": "P.NEW", "name": "Sở mới", "kind": "department",
                                                  "parent": staff["province"]}, headers=headers)
    assert created.status_code == 201
    schema_validator(spec, "UnitOut").validate(created.get_json())

    units = client.get("/api/v1/units")
    assert units.status_code == 200
    schema_validator(spec, "UnitList").validate(units.get_json())

    page = client.get("/api/v1/procedures")
    assert page.status_code == 200
    assert len(page.get_json()["items"]) == 1
    schema_validator(spec, "ProcedurePage").validate(page.get_json())

    envelope = schema_validator(spec, "ErrorEnvelope")
    for response in (
        client.post("/api/v1/auth/token", json={}),
        client.post("/api/v1/units", json={"code": "P.NEW", "name": "Again"}, headers=headers),
        client.post("/api/v1/units", json={"code": "X", "name": "X"}),
        client.get("/api/v1/units?on=garbage"),
    ):
        assert response.status_code >= 400
        envelope.validate(response.get_json())
    # A body that breaks the envelope is refused by the documented schema (the check can fail).
    assert not envelope.is_valid({"error": {"message": "no code"}})
    assert not envelope.is_valid({"message": "flat"})
