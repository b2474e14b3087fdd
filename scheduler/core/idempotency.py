"""Idempotency keys: a retried request gets the first one's response instead of a second effect.

The key, whatever the request changed and the response are written in one transaction, so a key
is never seen half-done: a concurrent duplicate waits on the unique (user, key) constraint and then
finds the finished response to replay.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.core.errors import Conflict, ValidationFailed
from scheduler.models import IdempotencyKey, User

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
HEADER = "Idempotency-Key"
# Visible ASCII only: the key travels in an HTTP header and is compared byte for byte.
_KEY_SHAPE = re.compile(rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$")


class KeyReused(ValidationFailed):
    """The key was already used, within its lifetime, for a different request."""

    code = "idempotency_key_reused"


class KeyInProgress(Conflict):
    """The first request with this key has not finished yet."""

    code = "idempotency_key_in_progress"


@dataclass(frozen=True)
class Replay:
    """The response the first request with a key got, to send again."""

    status: int
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)


def check_key(value: str) -> str:
    """Return the key if it is 1-255 visible ASCII characters, or refuse it."""
    if not _KEY_SHAPE.match(value):
        raise ValidationFailed(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} visible ASCII characters "
            "without spaces; a random UUID is a good key",
            field=HEADER,
        )
    return value


def fingerprint(payload: Any) -> str:
    """Return a hash of a parsed JSON body that ignores key order and whitespace."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def claim_key(
    session: Session,
    *,
    user: User,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    now: datetime,
) -> IdempotencyKey | Replay:
    """Reserve the key for this request, or return the response of the request that used it.

    Raises KeyReused when the key came with a different request, and KeyInProgress when the
    first request has not stored its response.
    """
    key = check_key(key)
    existing = _find(session, user, key)
    if existing is not None:
        if existing.created_at > now - KEY_LIFETIME:
            return _replay(existing, method=method, path=path, request_hash=request_hash)
        session.delete(existing)
        session.flush()
    # Expired keys are forgotten as their owner makes new ones; purge_expired sweeps the rest.
    session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.user_id == user.id, IdempotencyKey.created_at <= now - KEY_LIFETIME)
        .execution_options(synchronize_session=False)
    )
    claim = IdempotencyKey(
        user_id=user.id,
        key=key,
        method=method,
        path=path,
        request_hash=request_hash,
        response_status=None,
        response_headers={},
        created_at=now,
    )
    try:
        # A concurrent request with the same key holds the unique entry until it commits.
        with session.begin_nested():
            session.add(claim)
    except IntegrityError:
        winner = _find(session, user, key)
        if winner is None:  # the other request rolled back after all: nothing to replay
            raise KeyInProgress(_in_progress_message()) from None
        return _replay(winner, method=method, path=path, request_hash=request_hash)
    return claim


def store_response(
    session: Session,
    claim: IdempotencyKey,
    *,
    status: int,
    body: str,
    headers: Mapping[str, str],
) -> None:
    """Remember the response to the claimed key, in the same unit of work as its effects."""
    claim.response_status = status
    claim.response_body = body
    claim.response_headers = dict(headers)
    session.flush()


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete every key older than its lifetime and return how many went."""
    result = session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.created_at <= now - KEY_LIFETIME)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _find(session: Session, user: User, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    )


def _replay(stored: IdempotencyKey, *, method: str, path: str, request_hash: str) -> Replay:
    if (stored.method, stored.path, stored.request_hash) != (method, path, request_hash):
        same_target = (stored.method, stored.path) == (method, path)
        first = f"{stored.method} {stored.path}" + (" with another body" if same_target else "")
        raise KeyReused(
            f"This {HEADER} was already used, within the last "
            f"{int(KEY_LIFETIME.total_seconds() // 3600)} hours, for a different request "
            f"({first}); send a new key with each new request",
            field=HEADER,
        )
    if stored.response_status is None:
        raise KeyInProgress(_in_progress_message())
    return Replay(stored.response_status, stored.response_body, dict(stored.response_headers))


def _in_progress_message() -> str:
    return f"A request with this {HEADER} is in progress; wait a moment and retry with the same key"
