"""Generate the OpenAPI 3.1 document from the endpoint declarations, so it cannot drift."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Flask
from pydantic import TypeAdapter

from scheduler.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from scheduler.core.idempotency import KEY_LIFETIME, MAX_KEY_LENGTH
from scheduler.identity.api_tokens import Scope
from web.api.bodies import MAX_BODY_BYTES
from web.api.endpoints import (
    JSON_CONTENT_TYPE,
    REPLAYED_HEADER,
    Endpoint,
    registered_routes,
)
from web.api.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPES
from web.api.schemas import Problem

OPENAPI_VERSION = "3.1.0"
_DOCUMENT_EXTENSION = "gatepost.openapi_document"
_REF = "#/components/schemas/{model}"

# One reusable response per problem status: its component name and what it covers.
_PROBLEM_RESPONSES = {
    400: "MalformedRequest",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "BodyTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidInput",
    429: "TooManyRequests",
}


def openapi_document(app: Flask) -> dict[str, Any]:
    """Return the app's OpenAPI document, built once from every registered endpoint."""
    document: dict[str, Any] | None = app.extensions.get(_DOCUMENT_EXTENSION)
    if document is None:
        endpoints = [endpoint for routes in registered_routes(app) for endpoint in routes.endpoints]
        prefixes = {routes.prefix for routes in registered_routes(app)}
        document = build_document(endpoints, prefix=prefixes.pop() if len(prefixes) == 1 else "")
        app.extensions[_DOCUMENT_EXTENSION] = document
    return document


def build_document(endpoints: list[Endpoint], *, prefix: str) -> dict[str, Any]:
    """Return an OpenAPI 3.1 document describing the endpoints under the prefix."""
    inputs: list[tuple[tuple[str, str], Any, TypeAdapter[Any]]] = [
        (("", "problem"), "serialization", TypeAdapter(Problem))
    ]
    for endpoint in endpoints:
        if endpoint.body is not None:
            inputs.append(((endpoint.name, "body"), "validation", TypeAdapter(endpoint.body)))
        if endpoint.query is not None:
            inputs.append(((endpoint.name, "query"), "validation", TypeAdapter(endpoint.query)))
        if endpoint.response_adapter is not None:
            inputs.append(((endpoint.name, "response"), "serialization", endpoint.response_adapter))
    by_key, definitions = TypeAdapter.json_schemas(inputs, ref_template=_REF)
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    found = {key: schema for (key, _mode), schema in by_key.items()}

    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation = _operation(endpoint, found, schemas)
        paths.setdefault(prefix + endpoint.openapi_path, {})[endpoint.method.lower()] = operation

    tags = sorted({endpoint.tag for endpoint in endpoints if endpoint.tag})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Gatepost API",
            "version": _package_version(),
            "summary": "Queue, clear and schedule social media posts with approval gates.",
            "description": (
                "Send a personal API token as `Authorization: Bearer TOKEN` and JSON bodies with "
                "`Content-Type: application/json` (at most "
                f"{MAX_BODY_BYTES // 1024 // 1024} MiB). Times are ISO 8601 with an offset. "
                "Every refusal is an RFC 9457 problem document (`application/problem+json`) "
                "whose `detail` says what to do, with `errors` naming each bad field."
            ),
        },
        "tags": [{"name": tag} for tag in tags],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": _problem_responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "gp_<8 hex>_<43 characters>",
                    "description": (
                        "A personal API token, created with `gatepost tokens create`. Its "
                        f"scopes ({', '.join(scope.value for scope in Scope)}) limit what it "
                        "may do; each operation lists the scope it needs."
                    ),
                }
            },
        },
    }


def _operation(
    endpoint: Endpoint, found: dict[tuple[str, str], Any], schemas: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "description": _description(endpoint),
    }
    if endpoint.tag:
        operation["tags"] = [endpoint.tag]
    parameters = [
        {
            "name": parameter.name,
            "in": "path",
            "required": True,
            "schema": parameter.json_schema,
        }
        for parameter in endpoint.path_parameters
    ]
    if endpoint.query is not None:
        parameters.extend(_query_parameters(found[(endpoint.name, "query")], schemas))
    if endpoint.idempotent:
        parameters.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": (
                    "Any unique string (a UUID is ideal). Retrying with the same key and body "
                    f"within {int(KEY_LIFETIME.total_seconds() // 3600)} hours returns the first "
                    "response instead of acting twice; the same key with another body is refused."
                ),
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_KEY_LENGTH,
                    "pattern": "^[!-~]+$",
                },
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        content: dict[str, Any] = {JSON_CONTENT_TYPE: {"schema": found[(endpoint.name, "body")]}}
        for media_type in sorted(endpoint.text_media_types):
            content[media_type] = {"schema": {"type": "string", "minLength": 1}}
        operation["requestBody"] = {"required": not endpoint.body_optional, "content": content}
    success: dict[str, Any] = {"description": endpoint.summary}
    if endpoint.response_adapter is not None:
        success["content"] = {JSON_CONTENT_TYPE: {"schema": found[(endpoint.name, "response")]}}
    if endpoint.idempotent:
        success["headers"] = {
            REPLAYED_HEADER: {
                "description": "Present (true) when this is the stored response to an earlier "
                "request with the same Idempotency-Key",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    responses: dict[str, Any] = {str(endpoint.status): success}
    for status in sorted(endpoint.problem_statuses()):
        responses[str(status)] = {"$ref": f"#/components/responses/{_PROBLEM_RESPONSES[status]}"}
    operation["responses"] = responses
    if endpoint.public:
        operation["security"] = []
    elif endpoint.scope is not None:
        # OpenAPI 3.1 lets a non-OAuth requirement list the roles it needs: here, the scope.
        operation["security"] = [{"bearerAuth": [endpoint.scope.value]}]
    return operation


def _description(endpoint: Endpoint) -> str:
    lines = (endpoint.handler.__doc__ or "").strip().splitlines()[1:]
    parts = ["\n".join(line.strip() for line in lines).strip(), endpoint.description.strip()]
    if endpoint.public:
        parts.append("No token needed.")
    elif endpoint.scope is None:
        parts.append("Any valid token may call this.")
    else:
        parts.append(f"Needs a token with the `{endpoint.scope.value}` scope.")
    return "\n\n".join(part for part in parts if part)


def _query_parameters(reference: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    model = schemas[reference["$ref"].rsplit("/", 1)[1]]
    required = set(model.get("required", []))
    parameters = []
    for name, schema in model.get("properties", {}).items():
        parameter = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if "description" in schema:
            parameter["description"] = schema["description"]
        parameters.append(parameter)
    return parameters


def _problem_responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, name in _PROBLEM_RESPONSES.items():
        kinds = [kind for kind in PROBLEM_TYPES.values() if kind.status == status]
        described = "; ".join(f"`{kind.uri}`: {kind.title}" for kind in kinds)
        response: dict[str, Any] = {
            "description": described,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _REF.format(model="Problem")}}},
        }
        if status in (401, 403):
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": "The Bearer challenge (RFC 6750), with the error and scope",
                    "schema": {"type": "string"},
                }
            }
        if status == 429:
            response["headers"] = {
                "Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}
            }
        responses[name] = response
    return responses


def _package_version() -> str:
    try:
        return version("gatepost")
    except PackageNotFoundError:
        return "0"
