"""The OpenAPI 3.1 document is valid, public, and describes exactly the routes the app serves."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from openapi_spec_validator import OpenAPIV31SpecValidator

from tests.web.api.conftest import ApiClient
from web.api.problems import PROBLEM_TYPES


def document(api: ApiClient) -> dict[str, Any]:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    result: dict[str, Any] = response.get_json()
    return result


def test_the_document_is_valid_openapi_3_1(api: ApiClient) -> None:
    spec = document(api)
    assert spec["openapi"] == "3.1.0"
    errors = [error.message for error in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


def test_every_api_route_is_documented_and_nothing_else(app: Flask, api: ApiClient) -> None:
    served = {
        (re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    spec = document(api)
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert documented == served
    assert ("/api/v1/me", "get") in documented


def test_operations_declare_their_scope_and_problem_responses(api: ApiClient) -> None:
    spec = document(api)
    create = spec["paths"]["/api/v1/tokens"]["post"]
    assert create["security"] == [{"bearerAuth": ["write"]}]
    assert "`write` scope" in create["description"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewToken"
    }
    assert set(create["responses"]) == {"201", "400", "401", "403", "413", "415", "422"}
    assert spec["paths"]["/api/v1/openapi.json"]["get"]["security"] == []
    assert spec["paths"]["/api/v1/me"]["get"].get("security") is None  # any valid token
    unauthorised = spec["components"]["responses"]["Unauthenticated"]
    assert "application/problem+json" in unauthorised["content"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    body = spec["components"]["schemas"]["NewToken"]
    assert body["additionalProperties"] is False


def test_every_problem_type_in_a_document_resolves(api: ApiClient) -> None:
    spec = document(api)
    described = spec["components"]["responses"]["Conflict"]["description"]
    assert "/api/v1/problems/invalid-state" in described
    for slug, kind in PROBLEM_TYPES.items():
        response = api.get(f"/problems/{slug}")
        assert response.get_json()["status"] == kind.status


def test_the_document_is_the_same_on_every_request(api: ApiClient) -> None:
    assert document(api) == document(api)
