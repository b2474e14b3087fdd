"""Idempotency keys: claim once, replay the stored response, refuse reuse, expire in 24 hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.core.errors import ValidationFailed
from scheduler.core.idempotency import (
    KeyReused,
    Replay,
    check_key,
    claim_key,
    fingerprint,
    purge_expired,
    store_response,
)
from scheduler.models import IdempotencyKey, User

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def claim(
    session: Session,
    user: User,
    *,
    body: object = None,
    path: str = "/api/v1/posts",
    key: str = "k1",
    now: datetime = NOW,
) -> IdempotencyKey | Replay:
    return claim_key(
        session,
        user=user,
        key=key,
        method="POST",
        path=path,
        request_hash=fingerprint(body),
        now=now,
    )


def test_a_stored_response_is_replayed(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    first = claim(session, user, body={"text": "hi"})
    assert isinstance(first, IdempotencyKey)
    store_response(
        session, first, status=201, body='{"id": 7}', headers={"Location": "/api/v1/posts/7"}
    )
    replay = claim(session, user, body={"text": "hi"}, now=NOW + timedelta(hours=1))
    assert replay == Replay(201, '{"id": 7}', {"Location": "/api/v1/posts/7"})


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"body": {"text": "bye"}}, "(POST /api/v1/posts with another body)"),
        ({"path": "/api/v1/releases"}, "(POST /api/v1/posts)"),
    ],
)
def test_reusing_a_key_for_another_request_is_refused(
    session: Session, make_user: Callable[..., User], changes: dict[str, object], says: str
) -> None:
    user = make_user()
    first = claim(session, user, body={"text": "hi"})
    assert isinstance(first, IdempotencyKey)
    store_response(session, first, status=201, body="{}", headers={})
    arguments: dict[str, object] = {"body": {"text": "hi"}, **changes}
    with pytest.raises(KeyReused) as refused:
        claim(session, user, **arguments)  # type: ignore[arg-type]
    assert says in refused.value.message
    assert refused.value.field == "Idempotency-Key"


def test_keys_expire_after_24_hours_and_are_purged(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    for key in ("a", "b"):
        claimed = claim(session, user, key=key)
        assert isinstance(claimed, IdempotencyKey)
        store_response(session, claimed, status=201, body="{}", headers={})
    later = NOW + timedelta(hours=24)
    fresh = claim(session, user, key="a", body={"other": True}, now=later)
    assert isinstance(fresh, IdempotencyKey)  # the old "a" is forgotten, and "b" went with it
    assert (
        session.scalar(
            select(func.count())
            .select_from(IdempotencyKey)
            .where(IdempotencyKey.user_id == user.id)
        )
        == 1
    )
    store_response(session, fresh, status=201, body="{}", headers={})
    assert purge_expired(session, now=later + timedelta(hours=24)) >= 1
    assert session.scalar(select(IdempotencyKey.id).where(IdempotencyKey.id == fresh.id)) is None


def test_the_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": "1"})
    assert fingerprint(None) != fingerprint({})


@pytest.mark.parametrize("key", ["", " ", "tab\there", "ключ", "x" * 256])
def test_keys_must_be_short_visible_ascii(key: str) -> None:
    with pytest.raises(ValidationFailed, match="must be 1 to 255 visible ASCII characters"):
        check_key(key)


def test_a_uuid_is_a_fine_key() -> None:
    assert (
        check_key("0b7f5c1e-2d0a-4c36-9f6d-1a2b3c4d5e6f") == "0b7f5c1e-2d0a-4c36-9f6d-1a2b3c4d5e6f"
    )
