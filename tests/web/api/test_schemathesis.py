"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

Every endpoint declared on `web.api.routes`, now or later, is covered automatically: generated
requests, valid and invalid, must never cause a 5xx, every response must match the document
(status code, content type, headers, body schema) and credentials must be enforced. Examples are
bounded so the whole run stays well under a minute.

The cases come from schemathesis's Hypothesis strategies rather than its pytest plugin, whose
`@schema.parametrize()` does not run under pytest 9.2 (it reads a private attribute pytest dropped).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from scheduler.models import Role, User
from web.api import routes

#: Per operation and mode; enough to reach every branch of today's endpoints, small for CI.
MAX_EXAMPLES = 30


def _cases() -> list[tuple[str, str, GenerationMode]]:
    cases = []
    for endpoint in routes.endpoints:
        path = routes.prefix + endpoint.openapi_path
        cases.append((endpoint.method, path, GenerationMode.POSITIVE))
        # Invalid requests need something to get wrong: a body, a query, a header or an id.
        has_inputs = (
            endpoint.body
            or endpoint.query
            or endpoint.idempotent
            or any(parameter.kind == "int" for parameter in endpoint.path_parameters)
        )
        if has_inputs:
            cases.append((endpoint.method, path, GenerationMode.NEGATIVE))
    return cases


CASES = _cases()
#: Valid data refused by a domain rule (e.g. a lifetime longer than the calling token's) is
#: 422 by design, so "valid data accepted" allows it; it still catches a 400, 413 or 415.
ACCEPTED_FOR_VALID_DATA = ["2xx", "401", "403", "404", "409", "422"]


@pytest.fixture
def fresh_token(
    make_user: Callable[..., User], make_token: Callable[..., str]
) -> Callable[[], str]:
    """Return a function giving a new all-scopes token, so revoking one spoils no later case."""
    owner = make_user(Role.APPROVER)
    return lambda: make_token(owner, "read,write,approve")


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES]
)
def test_the_api_keeps_to_its_document(
    app: Flask, fresh_token: Callable[[], str], method: str, path: str, mode: GenerationMode
) -> None:
    config = schemathesis.Config.from_dict(
        {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_DATA}}}
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {fresh_token()}"})

    call()
