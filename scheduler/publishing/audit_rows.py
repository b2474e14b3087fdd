"""Audit events written by the worker, many rows in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, literal, null, select
from sqlalchemy.orm import Session

from scheduler.models import AuditEvent
from scheduler.publishing.bulk import ArrayStatement, BulkStatement, dumps_json
from scheduler.publishing.rows import PostRow, ids_in, posts
from scheduler.publishing.vocabulary import CLAIM

audit_events = cast(Table, AuditEvent.__table__)
_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "post_id",
    "channel_id",
    "release_id",
    "subject_user_id",
    "from_state",
    "to_state",
    "comment",
    "details",
)
#: The worker acts as no person and about no person: these two are NULL in every worker event.
_NO_PERSON = ("actor_id", "subject_user_id")
_PER_EVENT = tuple(name for name in _COLUMNS if name not in _NO_PERSON)
# NULLs written into the statement, not bound: SQLite's driver binds None through its slow
# adapter look-up (an AttributeError caught per value), which cost about 2% of a burst.
_INSERT = BulkStatement(
    insert(audit_events).values(
        {name: bindparam(name, type_=audit_events.c[name].type) for name in _PER_EVENT}
        | {name: null() for name in _NO_PERSON}
    )
)


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


# In order of the rows (WITH ORDINALITY), so event ids follow the order they were given in.
_INSERT_ARRAYS = ArrayStatement(
    "INSERT INTO audit_events (occurred_at, actor_id, actor_label, action, post_id, channel_id,"
    " release_id, subject_user_id, from_state, to_state, comment, details)"
    " SELECT occurred_at, NULL, actor_label, action, post_id, channel_id, release_id,"
    " NULL, from_state, to_state, comment, details::json FROM unnest("
    "%(occurred_at)b::timestamptz[], %(actor_label)b::text[],"
    " %(action)b::text[], %(post_id)b::int[], %(channel_id)b::int[], %(release_id)b::int[],"
    " %(from_state)b::text[], %(to_state)b::text[],"
    " %(comment)b::text[], %(details)b::text[])"
    " WITH ORDINALITY AS v(occurred_at, actor_label, action, post_id, channel_id,"
    " release_id, from_state, to_state, comment, details, position)"
    " ORDER BY position",
    _PER_EVENT,
    instants=("occurred_at",),
)


def insert_audit(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append the events in one statement (the caller's transaction commits them).

    On SQLite one executemany (cheap there); on PostgreSQL one INSERT over arrays.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _INSERT_ARRAYS.execute(
            session, [row | {"details": dumps_json(row["details"] or {})} for row in rows]
        )
    else:
        _INSERT.execute(session, rows)


def insert_claimed(
    session: Session, post_ids: Sequence[int], *, actor_label: str, at: datetime
) -> None:
    """Append a claim event (scheduled to publishing) for each post, in claim order.

    The events differ only in the post's own columns, so the database copies those itself: one
    INSERT ... SELECT, with nothing to build or send per post.
    """
    if not post_ids:
        return
    column = audit_events.c
    events = select(
        literal(at, type_=column.occurred_at.type),
        null(),
        literal(actor_label, type_=column.actor_label.type),
        literal(CLAIM.action, type_=column.action.type),
        posts.c.id,
        posts.c.channel_id,
        posts.c.release_id,
        null(),
        literal(CLAIM.source, type_=column.from_state.type),
        literal(CLAIM.target, type_=column.to_state.type),
        literal("", type_=column.comment.type),
        literal({}, type_=column.details.type),
    ).where(ids_in(session, posts.c.id, post_ids))
    session.execute(
        insert(audit_events).from_select(_COLUMNS, events.order_by(posts.c.due_at, posts.c.id))
    )
