"""Audit events written by the worker, many rows in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from scheduler.publishing.bulk import dumps_json
from scheduler.publishing.rows import PostRow
from scheduler.publishing.statements import AUDIT_INSERT, AUDIT_INSERT_ARRAYS, claimed_events


def audit_row(
    action: str,
    post: PostRow,
    *,
    actor_label: str,
    at: datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return one audit event about a post, ready for `insert_audit`."""
    return {
        "occurred_at": at,
        "actor_label": actor_label,
        "action": action,
        "post_id": post.id,
        "channel_id": post.channel_id,
        "release_id": post.release_id,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
        "details": details or {},
    }


def insert_audit(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append the events in one statement (the caller's transaction commits them).

    On SQLite one executemany (cheap there); on PostgreSQL one INSERT over arrays.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        AUDIT_INSERT_ARRAYS.execute(
            session, [row | {"details": dumps_json(row["details"] or {})} for row in rows]
        )
    else:
        AUDIT_INSERT.execute(session, rows)


def insert_claimed(
    session: Session, post_ids: Sequence[int], *, actor_label: str, at: datetime
) -> None:
    """Append a claim event (scheduled to publishing) for each post, in claim order.

    The events differ only in the post's own columns, so the database copies those itself: one
    INSERT ... SELECT, with nothing to build or send per post.
    """
    if not post_ids:
        return
    session.execute(claimed_events(session, post_ids, actor_label=actor_label, at=at))
