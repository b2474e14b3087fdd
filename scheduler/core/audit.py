"""Write audit events; every state change in Gatepost goes through here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from scheduler.models import AuditEvent, Post, User, utcnow

if TYPE_CHECKING:
    from scheduler.clearance.transitions import Action

# A post's events are named by the transition table's vocabulary (DESIGN.md, invariant 3), so
# people's operations write them with `record_post`, which takes an `Action`; the worker writes
# the same names in bulk SQL (publishing/rules/vocabulary.py). Other events (people, tokens,
# access lists, channels, releases) change no post's state and are named freely with `record`.


def record_post(
    session: Session,
    action: Action,
    post: Post,
    *,
    actor: User | None = None,
    actor_label: str = "",
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one audit event about a post, named by the transition table's vocabulary."""
    return record(
        session,
        action.value,
        actor=actor,
        actor_label=actor_label,
        post=post,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        details=details,
        at=at,
    )


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    actor_label: str = "",
    post: Post | None = None,
    channel_id: int | None = None,
    release_id: int | None = None,
    subject_user: User | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one audit event to the session (the caller's unit of work commits it)."""
    event = AuditEvent(
        occurred_at=at or utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=actor_label or (actor.email if actor else "system"),
        action=action,
        post_id=post.id if post else None,
        channel_id=channel_id if channel_id is not None else (post.channel_id if post else None),
        release_id=release_id if release_id is not None else (post.release_id if post else None),
        subject_user_id=subject_user.id if subject_user else None,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        details=details or {},
    )
    session.add(event)
    return event
