"""Problem details (RFC 9457): every API refusal as application/problem+json."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from scheduler.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from scheduler.core.idempotency import KeyInProgress, KeyReused
from scheduler.identity.api_tokens import InvalidToken
from web.extensions import db

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PATH_PREFIX = "/api/"
PROBLEM_TYPES_PATH = "/api/v1/problems/"
AUTH_REALM = "Gatepost API"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its stable slug, HTTP status, title and what to do about it."""

    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        """Return the type's URI reference (served by the API as its documentation)."""
        # RFC 9457's default type, for statuses Gatepost has no type of its own for.
        return PROBLEM_TYPES_PATH + self.slug if self.slug else "about:blank"


PROBLEM_TYPES: dict[str, ProblemType] = {
    problem.slug: problem
    for problem in (
        ProblemType(
            "malformed-request",
            400,
            "The request could not be read",
            "The body is not valid JSON, or a header is malformed. The detail says where; fix "
            "the request and send it again.",
        ),
        ProblemType(
            "unauthenticated",
            401,
            "Authentication required",
            "Send a personal API token as `Authorization: Bearer TOKEN`. Create one with "
            "`gatepost tokens create --user E --scopes read,write`.",
        ),
        ProblemType(
            "invalid-token",
            401,
            "The API token was not accepted",
            "The token is malformed, unknown, revoked or expired; the detail says which. Create "
            "a new token.",
        ),
        ProblemType(
            "insufficient-scope",
            403,
            "The token lacks a scope this needs",
            "Each endpoint names the scope it needs (read, write or approve). Create a token "
            "with that scope.",
        ),
        ProblemType(
            "forbidden",
            403,
            "You may not do this",
            "Your role, the channel's access list or separation of duties forbids the action. "
            "Ask an admin if you think you should be allowed.",
        ),
        ProblemType(
            "not-found",
            404,
            "Not found",
            "There is nothing at this address, or you may not see it. Check the id or path.",
        ),
        ProblemType(
            "method-not-allowed",
            405,
            "Method not allowed",
            "This address does not accept that HTTP method; the Allow header lists those it does.",
        ),
        ProblemType(
            "invalid-state",
            409,
            "Not allowed in the current state",
            "The thing is not in a state from which this action is allowed. Fetch it to see its "
            "state, then choose an action that state allows.",
        ),
        ProblemType(
            "conflict",
            409,
            "Someone else changed it first",
            "The request conflicts with a change made since you last read it (for example a "
            "stale version). Fetch it again, reapply your change and retry.",
        ),
        ProblemType(
            "idempotency-key-in-progress",
            409,
            "A request with this key is still in progress",
            "Wait a moment, then retry with the same Idempotency-Key to get its response.",
        ),
        ProblemType(
            "body-too-large",
            413,
            "The request body is too large",
            "API request bodies may be at most 1 MiB. Send less.",
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "The body must be JSON",
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        ProblemType(
            "invalid-input",
            422,
            "The input is not acceptable",
            "One or more fields are missing, unknown or wrong. `errors` names each field and "
            "says how to fix it.",
        ),
        ProblemType(
            "idempotency-key-reused",
            422,
            "The Idempotency-Key was used for a different request",
            "A key stands for one request for 24 hours. Send a new key with each new request.",
        ),
        ProblemType(
            "refused",
            422,
            "Gatepost refused the action",
            "A rule of Gatepost refused the action; the detail says which and what to do instead.",
        ),
        ProblemType(
            "rate-limited",
            429,
            "Too many requests",
            "Slow down; the Retry-After header says how many seconds to wait.",
        ),
        ProblemType(
            "server-error",
            500,
            "Sorry, there is a problem with the service",
            "Something went wrong inside Gatepost. Nothing was changed. Try again later, and "
            "quote the reference in the detail if you report it.",
        ),
    )
}

# The nearest listed class in an error's ancestry decides its problem type.
_DOMAIN_PROBLEMS: dict[type[DomainError], str] = {
    InvalidToken: "invalid-token",
    KeyInProgress: "idempotency-key-in-progress",
    KeyReused: "idempotency-key-reused",
    PermissionDenied: "forbidden",
    NotFound: "not-found",
    InvalidTransition: "invalid-state",
    Conflict: "conflict",
    ValidationFailed: "invalid-input",
    DomainError: "refused",
}

_HTTP_PROBLEMS = {
    400: "malformed-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "rate-limited",
    500: "server-error",
}


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field of the input."""

    field: str
    message: str
    pointer: str | None = None
    #: For a file of rows (an import): the row, 1 being the first below any header.
    row: int | None = None

    def as_json(self) -> dict[str, str | int]:
        """Return the member of a problem's `errors` list."""
        item: dict[str, str | int] = {"field": self.field, "message": self.message}
        if self.pointer is not None:
            item["pointer"] = self.pointer
        if self.row is not None:
            item["row"] = self.row
        return item


class ApiProblem(Exception):
    """Stop handling an API request and answer with a problem."""

    def __init__(
        self,
        kind: str | ProblemType,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.problem_type = PROBLEM_TYPES[kind] if isinstance(kind, str) else kind
        self.detail = detail
        self.errors = tuple(errors)
        self.headers = dict(headers or {})
        self.code = code


def is_api_request() -> bool:
    """Return whether the current request is for the JSON API."""
    return bool(request) and (request.path + "/").startswith(API_PATH_PREFIX)


def problem_response(problem: ApiProblem) -> Response:
    """Return the problem as an application/problem+json response."""
    kind = problem.problem_type
    document: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": problem.detail,
        "instance": request.path,
    }
    document["code"] = problem.code or kind.slug.replace("-", "_") or "http_error"
    if problem.errors:
        document["errors"] = [error.as_json() for error in problem.errors]
    response = Response(
        json.dumps(document, ensure_ascii=False),
        status=kind.status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    response.headers.update(problem.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def problem_from_domain_error(error: DomainError) -> ApiProblem:
    """Return the problem for a refusal from the domain."""
    slug = next(_DOMAIN_PROBLEMS[kind] for kind in type(error).__mro__ if kind in _DOMAIN_PROBLEMS)
    errors = [_field_error(error.field, error.message)] if error.field else []
    headers = {}
    if isinstance(error, InvalidToken):
        headers["WWW-Authenticate"] = bearer_challenge(
            error="invalid_token", description=error.message
        )
    return ApiProblem(slug, error.message, errors=errors, headers=headers, code=error.code)


def problem_from_http_error(error: HTTPException) -> ApiProblem:
    """Return the problem for an HTTP error raised by Flask, Werkzeug or a view."""
    status = error.code or 500
    headers = {
        name: value
        for name, value in error.get_headers()
        if name in ("Allow", "Retry-After", "WWW-Authenticate")
    }
    if status == 404:
        detail = (
            f"There is no API endpoint at {request.path}; the endpoints are listed in "
            "/api/v1/openapi.json"
        )
    elif status == 405:
        allowed = headers.get("Allow", "")
        detail = f"{request.path} does not accept {request.method}" + (
            f"; use {_or_list(sorted(method.strip() for method in allowed.split(',')))}"
            if allowed
            else ""
        )
    elif status == 413:
        detail = "The request body is too large; API request bodies may be at most 1 MiB"
    elif status == 429:
        wait = headers.get("Retry-After")
        detail = "Too many requests; " + (
            f"wait {wait} seconds and try again" if wait else "wait a moment and try again"
        )
    else:
        detail = error.description or error.name
    slug = _HTTP_PROBLEMS.get(status)
    kind = PROBLEM_TYPES[slug] if slug else ProblemType("", status, error.name, "")
    return ApiProblem(kind, detail, headers=headers)


def server_error_problem(error: BaseException) -> ApiProblem:
    """Log an unexpected failure under a reference and return a problem that leaks nothing."""
    reference = secrets.token_hex(6)
    log.error(
        "Unhandled API error %s on %s %s", reference, request.method, request.path, exc_info=error
    )
    return ApiProblem(
        "server-error",
        f"Something went wrong inside Gatepost and nothing was changed; try again later, and "
        f"quote reference {reference} if you report it",
    )


def problem_for_exception(error: BaseException) -> Response:
    """Return the problem response for any exception raised while serving an API request.

    Nothing the request changed is saved: the problem says so.
    """
    db.refuse()
    if isinstance(error, ApiProblem):
        return problem_response(error)
    if isinstance(error, DomainError):
        return problem_response(problem_from_domain_error(error))
    if isinstance(error, StaleDataError):
        return problem_response(
            ApiProblem(
                "conflict",
                "Someone else changed this since you read it; fetch it again, reapply your "
                "change and retry",
                code="conflict",
            )
        )
    if isinstance(error, HTTPException) and (error.code or 500) < 500:
        return problem_response(problem_from_http_error(error))
    return problem_response(server_error_problem(error))


def bearer_challenge(*, error: str | None = None, description: str = "", scope: str = "") -> str:
    """Return a WWW-Authenticate value for the Bearer scheme (RFC 6750)."""
    parts = [f'realm="{AUTH_REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{_quotable(description)}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


def _field_error(field: str, message: str) -> FieldError:
    # Header and query names are not places in the body, so they get no JSON pointer.
    pointer = None if "-" in field or field[:1].isupper() else f"#/{field.replace('.', '/')}"
    return FieldError(field=field, message=message, pointer=pointer)


def _quotable(text: str) -> str:
    # RFC 6750 allows only these characters inside error_description.
    return "".join(char for char in text if 0x20 <= ord(char) <= 0x7E and char not in '"\\')


def _or_list(items: Iterable[str]) -> str:
    names = [item for item in items if item]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
