"""Idempotency-Key: a retried creation replays the first response instead of acting twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.models import AuditEvent, IdempotencyKey, User
from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.api.routes_for_tests import NOTE_ACTION, SLOW_NOTE, mount

pytestmark = pytest.mark.usefixtures("test_routes")


def notes(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == NOTE_ACTION)
        )
        or 0
    )


def post_note(api: ApiClient, token: str, text: str, key: str | None) -> TestResponse:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post("/test/notes", token=token, json={"text": text}, headers=headers)


def test_a_retry_with_the_same_key_replays_the_first_response(
    api: ApiClient, author_token: str, session: Session
) -> None:
    first = post_note(api, author_token, "hello", "key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = post_note(api, author_token, "hello", "key-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.mimetype == "application/json"
    assert notes(session) == 1


def test_without_a_key_each_request_acts(
    api: ApiClient, author_token: str, session: Session
) -> None:
    post_note(api, author_token, "hello", None)
    post_note(api, author_token, "hello", None)
    assert notes(session) == 2


def test_the_body_is_compared_as_json_not_as_bytes(
    api: ApiClient, author_token: str, session: Session
) -> None:
    post_note(api, author_token, "hello", "key-1")
    response = api.post(
        "/test/notes",
        token=author_token,
        data='{ "text" :  "hello" }',
        content_type="application/json",
        headers={"Idempotency-Key": "key-1"},
    )
    assert response.headers["Idempotent-Replayed"] == "true"
    assert notes(session) == 1


def test_the_same_key_with_another_body_is_422(
    api: ApiClient, author_token: str, session: Session
) -> None:
    post_note(api, author_token, "hello", "key-1")
    problem = assert_problem(
        post_note(api, author_token, "goodbye", "key-1"), 422, "idempotency-key-reused"
    )
    assert problem["detail"] == (
        "This Idempotency-Key was already used, within the last 24 hours, for a different "
        "request (POST /api/v1/test/notes with another body); send a new key with each new "
        "request"
    )
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert "pointer" not in problem["errors"][0]
    assert problem["code"] == "idempotency_key_reused"
    assert notes(session) == 1


def test_keys_belong_to_their_owner(
    api: ApiClient, author_token: str, make_user: Callable[..., User], make_token, session
) -> None:  # type: ignore[no-untyped-def]
    other = make_token(make_user())
    post_note(api, author_token, "hello", "shared")
    response = post_note(api, other, "hello", "shared")
    assert "Idempotent-Replayed" not in response.headers
    assert notes(session) == 2


def test_keys_expire_after_24_hours(
    app: Flask, api: ApiClient, author_token: str, session: Session
) -> None:
    clock = FixedClock(datetime.now(UTC))
    app.config["GATEPOST_CLOCK"] = clock
    post_note(api, author_token, "hello", "key-1")
    clock.advance(timedelta(hours=23, minutes=59))
    assert post_note(api, author_token, "hello", "key-1").headers.get("Idempotent-Replayed")
    clock.advance(timedelta(minutes=2))
    again = post_note(api, author_token, "goodbye", "key-1")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert notes(session) == 2
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_a_refused_request_is_not_remembered(
    api: ApiClient, author_token: str, session: Session
) -> None:
    assert_problem(post_note(api, author_token, "forbidden", "key-1"), 403, "forbidden")
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    assert post_note(api, author_token, "forbidden", "key-1").status_code == 403  # not replayed


def test_invalid_input_is_refused_before_the_key_is_used(
    api: ApiClient, author_token: str, session: Session
) -> None:
    assert_problem(post_note(api, author_token, "", "key-1"), 422, "invalid-input")
    assert post_note(api, author_token, "hello", "key-1").status_code == 201


@pytest.mark.parametrize("key", ["", "has space", "é", "x" * 256])
def test_a_malformed_key_is_422(api: ApiClient, author_token: str, key: str) -> None:
    problem = assert_problem(post_note(api, author_token, "hello", key), 422, "invalid-input")
    assert "must be 1 to 255 visible ASCII characters" in problem["detail"]


def test_a_key_on_an_endpoint_that_takes_none_is_400(api: ApiClient, author_token: str) -> None:
    response = api.post(
        "/tokens", token=author_token, json={"scopes": ["read"]}, headers={"Idempotency-Key": "k"}
    )
    problem = assert_problem(response, 400, "malformed-request")
    assert "does not take an Idempotency-Key header" in problem["detail"]


def test_concurrent_duplicates_act_once(
    committed_app: Flask,
    committed_database: Database,
    committed_user: Callable[..., tuple[User, str]],
) -> None:
    mount(committed_app)
    user, raw = committed_user()
    responses: list[TestResponse] = []
    start = threading.Barrier(3)

    def send() -> None:
        client = ApiClient(committed_app.test_client())
        start.wait()
        responses.append(post_note(client, raw, SLOW_NOTE, "race"))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(responses) == 3
    replayed = [response for response in responses if response.headers.get("Idempotent-Replayed")]
    in_progress = [response for response in responses if response.status_code == 409]
    assert len(responses) - len(replayed) - len(in_progress) == 1  # exactly one acted
    assert {response.status_code for response in replayed} <= {201}
    with committed_database.unit_of_work() as session:
        acted = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == NOTE_ACTION, AuditEvent.actor_id == user.id)
        )
    assert acted == 1
