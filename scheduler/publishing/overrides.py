"""Admin overrides: publish one post outside the publishing window, never before its embargo."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.clearance.transitions import Action
from scheduler.core import audit
from scheduler.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from scheduler.models import Post, PostState, PublishOverride, User, utcnow

#: An override is for a post that has not gone out yet.
OVERRIDABLE = (
    PostState.DRAFT,
    PostState.IN_REVIEW,
    PostState.APPROVED,
    PostState.SCHEDULED,
    PostState.MISSED,
    PostState.FAILED,
)


def grant_override(
    session: Session, post: Post, *, by: User, reason: str, now: datetime | None = None
) -> PublishOverride:
    """Let the post's current text go outside office hours, bank holidays and quiet periods.

    The override is for the current content version only (an edit voids it) and never lifts an
    embargo: the worker still waits for the release instant.
    """
    now = now or utcnow()
    if not (by.is_admin and by.active):
        raise PermissionDenied("Only an admin can grant an override to publish outside the window")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Give the reason for the override; it is kept in the audit trail", field="reason"
        )
    if post.state not in OVERRIDABLE:
        raise InvalidTransition(
            f"Post {post.id} is {post.state.value}; an override is only for a post not yet "
            "published"
        )
    override = PublishOverride(
        post_id=post.id,
        content_version=post.content_version,
        reason=reason,
        granted_by_id=by.id,
        granted_at=now,
    )
    session.add(override)
    if post.state is PostState.SCHEDULED and post.due_at is not None and post.due_at > now:
        # Held for the window: let the worker look again now (it still waits for an embargo).
        earliest = max(now, post.send_at or now)
        if earliest < post.due_at:
            post.due_at = earliest
    audit.record_post(
        session,
        Action.OVERRIDE_GRANTED,
        post,
        actor=by,
        comment=reason,
        details={"content_version": post.content_version},
        at=now,
    )
    session.flush()
    return override
