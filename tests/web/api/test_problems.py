"""Every API refusal is an RFC 9457 problem with a status a client can act on."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from scheduler.identity.api_tokens import revoke_token
from scheduler.models import ApiToken, Role, User
from tests.web.api.conftest import ApiClient, assert_problem
from web.api.bodies import MAX_BODY_BYTES

pytestmark = pytest.mark.usefixtures("test_routes")

GOOD_ECHO = {"at": "2027-03-12T09:30:00+00:00", "count": 3}


def test_a_good_request_is_understood(api: ApiClient, author_token: str) -> None:
    response = api.post("/test/echo", token=author_token, json={**GOOD_ECHO, "tags": ["a"]})
    assert response.status_code == 200
    assert response.get_json() == {
        "at": "2027-03-12T09:30:00Z",
        "count": 3,
        "flag": False,
        "tags": ["a"],
    }
    assert response.headers["Cache-Control"] == "no-store"


# --- authentication -------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(api: ApiClient) -> None:
    response = api.get("/me")
    problem = assert_problem(response, 401, "unauthenticated")
    assert "Authorization: Bearer TOKEN" in problem["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Gatepost API"'


def test_another_scheme_is_401_saying_to_use_bearer(api: ApiClient) -> None:
    response = api.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    problem = assert_problem(response, 401, "unauthenticated")
    assert "not 'Basic'" in problem["detail"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("not-a-token", "That is not a Gatepost API token"),
        ("gp_00000000_" + "A" * 43, "The token starting gp_00000000 is not recognised"),
    ],
)
def test_a_bad_token_is_401_invalid_token(api: ApiClient, raw: str, says: str) -> None:
    response = api.get("/me", token=raw)
    problem = assert_problem(response, 401, "invalid-token")
    assert problem["detail"].startswith(says)
    assert problem["code"] == "invalid_token"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="Gatepost API", error="invalid_token"')
    assert "error_description=" in challenge


def test_an_expired_token_says_when_it_expired(
    api: ApiClient, author: User, make_token: Callable[..., str]
) -> None:
    made = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    raw = make_token(author, "read", expires_in=timedelta(days=30), now=made)
    problem = assert_problem(api.get("/me", token=raw), 401, "invalid-token")
    assert "expired on 2026-02-04T10:00:00+00:00; create a new one" in problem["detail"]


def test_a_revoked_token_is_refused_at_once(
    api: ApiClient, author: User, author_token: str, session
) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/me", token=author_token).status_code == 200
    token = session.query(ApiToken).filter_by(user_id=author.id).one()
    revoke_token(session, token, by=author)
    problem = assert_problem(api.get("/me", token=author_token), 401, "invalid-token")
    assert "was revoked on" in problem["detail"]


def test_a_missing_scope_is_403_naming_it(
    api: ApiClient, author: User, make_token: Callable[..., str]
) -> None:
    read_only = make_token(author, "read")
    response = api.post("/test/echo", token=read_only, json=GOOD_ECHO)
    problem = assert_problem(response, 403, "insufficient-scope")
    assert "needs a token with the write scope; this token has read" in problem["detail"]
    assert problem["code"] == "insufficient_scope"
    assert 'error="insufficient_scope", scope="write"' in response.headers["WWW-Authenticate"]


def test_the_scope_is_checked_before_the_body_is_read(
    api: ApiClient, author: User, make_token: Callable[..., str]
) -> None:
    read_only = make_token(author, "read")
    response = api.post("/test/echo", token=read_only, data="{not json", content_type="text/plain")
    assert_problem(response, 403, "insufficient-scope")


def test_a_session_cookie_does_not_authenticate_the_api(
    api: ApiClient, client: FlaskClient, make_user: Callable[..., User], sign_in
) -> None:  # type: ignore[no-untyped-def]
    sign_in(make_user(Role.AUTHOR))
    assert client.get("/").status_code == 200  # signed in to the web UI
    assert_problem(api.get("/me"), 401, "unauthenticated")


# --- bodies ----------------------------------------------------------------------------------


def test_malformed_json_is_400_saying_where(api: ApiClient, author_token: str) -> None:
    response = api.post(
        "/test/echo",
        token=author_token,
        data='{"at": "2027-03-12T09:30:00+00:00" "count": 3}',
        content_type="application/json",
    )
    problem = assert_problem(response, 400, "malformed-request")
    assert problem["detail"].startswith("The body is not valid JSON: Expecting ',' delimiter")
    assert "line 1 column" in problem["detail"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ('{"count": 1, "count": 2}', "The field 'count' appears twice"),
        ('{"count": NaN}', "NaN is not a JSON number"),
        ("", "The body is empty"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_json_that_is_ambiguous_or_empty_is_400(
    api: ApiClient, author_token: str, data: str, says: str
) -> None:
    response = api.post(
        "/test/echo", token=author_token, data=data, content_type="application/json"
    )
    problem = assert_problem(response, 400, "malformed-request")
    assert says in problem["detail"]


def test_a_body_that_is_not_an_object_is_422(api: ApiClient, author_token: str) -> None:
    problem = assert_problem(
        api.post("/test/echo", token=author_token, json=[1, 2]), 422, "invalid-input"
    )
    assert problem["detail"] == "The body must be a JSON object ({...}), not an array"


def test_wrong_types_are_422_naming_each_field(api: ApiClient, author_token: str) -> None:
    response = api.post(
        "/test/echo",
        token=author_token,
        json={"at": "2027-03-12T09:30:00+00:00", "count": "3", "flag": 1, "tags": [1]},
    )
    problem = assert_problem(response, 422, "invalid-input")
    assert problem["code"] == "invalid_input"
    assert problem["errors"] == [
        {
            "field": "count",
            "pointer": "#/count",
            "message": "Input should be a valid integer, not a string",
        },
        {
            "field": "flag",
            "pointer": "#/flag",
            "message": "Input should be a valid boolean, not a number",
        },
        {
            "field": "tags.0",
            "pointer": "#/tags/0",
            "message": "Input should be a valid string, not a number",
        },
    ]
    assert problem["detail"].startswith("count: Input should be a valid integer")


def test_unknown_and_missing_fields_are_named(api: ApiClient, author_token: str) -> None:
    response = api.post("/test/echo", token=author_token, json={"at": GOOD_ECHO["at"], "cuont": 3})
    problem = assert_problem(response, 422, "invalid-input")
    assert {"field": "count", "pointer": "#/count", "message": "This field is required"} in (
        problem["errors"]
    )
    assert {
        "field": "cuont",
        "pointer": "#/cuont",
        "message": "Unknown field 'cuont'; the fields are at, count, flag, tags",
    } in problem["errors"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2027-03-12T09:30:00", "Include an offset, e.g. 2027-03-12T09:30:00+00:00"),
        ("12/03/2027 09:30", "Give an ISO 8601 date and time with an offset, e.g. 2027-03-12T"),
        (1773307800, "Give an ISO 8601 date and time with an offset, e.g. 2027-03-12T"),
    ],
)
def test_times_need_iso_8601_with_an_offset(
    api: ApiClient, author_token: str, value: object, message: str
) -> None:
    response = api.post("/test/echo", token=author_token, json={**GOOD_ECHO, "at": value})
    problem = assert_problem(response, 422, "invalid-input")
    assert problem["errors"][0]["field"] == "at"
    assert problem["errors"][0]["message"].startswith(message)


def test_a_body_is_refused_where_none_is_taken(api: ApiClient, author_token: str) -> None:
    assert api.post("/test/empty", token=author_token).status_code == 204
    assert api.post("/test/empty", token=author_token, json={}).status_code == 204
    problem = assert_problem(
        api.post("/test/empty", token=author_token, json={"comment": "hi"}), 422, "invalid-input"
    )
    assert problem["detail"] == "POST /api/v1/test/empty takes no body; leave it out"
    assert problem["errors"][0]["field"] == "comment"


def test_wrong_content_type_is_415(api: ApiClient, author_token: str) -> None:
    response = api.post(
        "/test/echo", token=author_token, data="at=2027-03-12", content_type="text/plain"
    )
    problem = assert_problem(response, 415, "unsupported-media-type")
    assert problem["detail"] == (
        "Send the body as JSON with Content-Type: application/json (it had text/plain)"
    )


def test_a_body_over_1_mib_is_413(api: ApiClient, author_token: str) -> None:
    big = '{"tags": ["' + "x" * MAX_BODY_BYTES + '"]}'
    response = api.post("/test/echo", token=author_token, data=big, content_type="application/json")
    problem = assert_problem(response, 413, "body-too-large")
    assert "at most 1 MiB" in problem["detail"]


def test_a_chunked_body_over_1_mib_is_cut_off_with_413(api: ApiClient, author_token: str) -> None:
    body = b'{"tags": ["' + b"x" * (2 * MAX_BODY_BYTES) + b'"]}'
    response = api.post(
        "/test/echo",
        token=author_token,
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        # What a server that de-chunks bodies (waitress does) tells the app.
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_problem(response, 413, "body-too-large")


# --- query strings ---------------------------------------------------------------------------


def test_query_parameters_are_validated(api: ApiClient, author_token: str) -> None:
    response = api.get("/test/search?limit=5", token=author_token)
    assert response.get_json() == {"limit": 5, "state": None}
    problem = assert_problem(
        api.get("/test/search?limit=500&sort=x", token=author_token), 422, "invalid-input"
    )
    assert [error["field"] for error in problem["errors"]] == ["limit", "sort"]
    assert "pointer" not in problem["errors"][0]
    assert problem["errors"][1]["message"] == (
        "Unknown parameter 'sort'; the parameters are limit, state"
    )
    problem = assert_problem(
        api.get("/test/search?limit=1&limit=2", token=author_token), 422, "invalid-input"
    )
    assert problem["detail"] == "Give each query parameter once (limit came more than once)"
    problem = assert_problem(api.get("/me?x=1", token=author_token), 422, "invalid-input")
    assert problem["detail"] == "GET /api/v1/me takes no query parameters; leave them out"


# --- routing ---------------------------------------------------------------------------------


def test_an_unknown_api_path_is_a_problem_not_a_page(api: ApiClient) -> None:
    problem = assert_problem(api.post("/nothing-here", json={}), 404, "not-found")
    assert "/api/v1/openapi.json" in problem["detail"]


def test_a_wrong_method_is_405_with_allow(api: ApiClient, author_token: str) -> None:
    response = api.request("PUT", "/me", token=author_token)
    problem = assert_problem(response, 405, "method-not-allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    assert problem["detail"] == "/api/v1/me does not accept PUT; use GET or HEAD"


def test_options_is_not_answered_implicitly(api: ApiClient) -> None:
    assert_problem(api.request("OPTIONS", "/me"), 405, "method-not-allowed")


@pytest.mark.parametrize("path", ["/tokens/0", "/tokens/-1", "/tokens/99999999999", "/tokens/x"])
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_ids_out_of_range_are_404_not_database_errors(
    api: ApiClient, author_token: str, path: str, method: str
) -> None:
    assert_problem(api.request(method, path, token=author_token), 404, "not-found")


def test_html_pages_still_get_html_errors(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


# --- domain refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "type_slug", "code"),
    [
        ("forbidden", 403, "forbidden", "forbidden"),
        ("not_found", 404, "not-found", "not_found"),
        ("invalid_state", 409, "invalid-state", "invalid_state"),
        ("conflict", 409, "conflict", "conflict"),
        ("stale", 409, "conflict", "conflict"),
        ("invalid", 422, "invalid-input", "invalid"),
        ("refused", 422, "refused", "refused"),
    ],
)
def test_domain_errors_map_to_statuses(
    api: ApiClient, author_token: str, kind: str, status: int, type_slug: str, code: str
) -> None:
    problem = assert_problem(
        api.get(f"/test/refusals/{kind}", token=author_token), status, type_slug
    )
    assert problem["code"] == code


def test_a_validation_refusal_names_its_field(api: ApiClient, author_token: str) -> None:
    problem = assert_problem(
        api.get("/test/refusals/invalid", token=author_token), 422, "invalid-input"
    )
    assert problem["detail"] == "Give a send time after now"
    assert problem["errors"] == [
        {"field": "send_at", "pointer": "#/send_at", "message": "Give a send time after now"}
    ]


def test_rate_limiting_is_429_with_retry_after(api: ApiClient, author_token: str) -> None:
    response = api.get("/test/refusals/rate_limited", token=author_token)
    problem = assert_problem(response, 429, "rate-limited")
    assert response.headers["Retry-After"] == "30"
    assert problem["detail"] == "Too many requests; wait 30 seconds and try again"


def test_an_unexpected_error_is_500_without_internals(
    api: ApiClient, author_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = api.get("/test/refusals/crash", token=author_token)
    problem = assert_problem(response, 500, "server-error")
    body = response.get_data(as_text=True)
    assert "hunter2" not in body
    assert "RuntimeError" not in body
    assert "Traceback" not in body
    reference = problem["detail"].split("quote reference ")[1].split(" ")[0]
    assert reference in caplog.text
    assert "hunter2" in caplog.text  # the operator's log has what the client does not


def test_a_failure_outside_any_endpoint_is_still_a_problem(
    app: Flask, api: ApiClient, author_token: str
) -> None:
    @app.before_request
    def break_before_routing() -> None:
        raise RuntimeError("secret internals")

    response = api.get("/me", token=author_token)
    assert_problem(response, 500, "server-error")
    assert "secret internals" not in response.get_data(as_text=True)


def test_each_problem_type_is_documented_at_its_uri(api: ApiClient) -> None:
    response = api.get("/problems/invalid-token")
    assert response.status_code == 200
    assert response.get_json()["status"] == 401
    assert_problem(api.get("/problems/no-such-type"), 404, "not-found")
