"""After publishing went wrong: retry a failed post, or settle one whose outcome is in doubt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.acting import begin_action
from scheduler.clearance.changes import (
    conflict_on_stale_write,
)
from scheduler.clearance.results import ClearanceResult
from scheduler.clearance.send_times import set_due
from scheduler.clearance.transitions import Action
from scheduler.clearance.units import active_unit
from scheduler.core.local_time import describe
from scheduler.models import Post, PostState, User


def _due_again(post: Post, now: datetime) -> datetime:
    """Return when a re-queued post is due: now, or its embargo if that is still ahead."""
    if post.release is not None and post.release.embargo_at > now:
        return post.release.embargo_at
    return now


@conflict_on_stale_write
def retry(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Queue a failed post (and failed posts cleared with it) to be published again."""
    # The approvals still count: the text is the version that was cleared.
    failed, now, changes = begin_action(
        session,
        post,
        Action.RETRY,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
        unit=[
            member
            for member in active_unit(post)
            if member.id == post.id or member.state is PostState.FAILED
        ],
    )
    for member in failed:
        due = _due_again(member, now)
        set_due(member, due)
        member.attempts = 0
        member.hold_reason = None
        member.hold_until = None
        member.lease_owner = None
        member.lease_expires_at = None
        changes.change(
            member, to=PostState.SCHEDULED, due_at=due, previous_error=member.last_error or ""
        )
    changed = tuple(changes.finish())
    due_at = post.due_at
    assert due_at is not None
    when = "now" if due_at <= now else f"at {describe(due_at, settings.timezone)}"
    return ClearanceResult(post=post, changed=changed, message=f"Queued to try again {when}.")


@conflict_on_stale_write
def resolve_unknown(
    session: Session,
    post: Post,
    *,
    published: bool,
    by: User,
    settings: Settings,
    external_id: str | None = None,
    published_at: datetime | None = None,
    comment: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Record what a person found on the platform for a post whose outcome was in doubt."""
    # `published=True`: it is there, so it is marked published (never sent again).
    # `published=False`: it is not there, so it is queued to be published again.
    _, now, changes = begin_action(
        session,
        post,
        Action.CONFIRM_PUBLISHED if published else Action.CONFIRM_NOT_PUBLISHED,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
        comment=comment,
        unit=[post],
    )
    post.lease_owner = None
    post.lease_expires_at = None
    if published:
        post.published_at = published_at or now
        if external_id:
            post.external_id = external_id.strip()[:200]
        changes.change(
            post,
            to=PostState.PUBLISHED,
            comment=comment.strip(),
            external_id=post.external_id,
            published_at=post.published_at,
        )
        message = "Marked as published. It will not be sent again."
    else:
        due = _due_again(post, now)
        set_due(post, due)
        post.attempts = 0
        post.hold_reason = None
        changes.change(post, to=PostState.SCHEDULED, comment=comment.strip(), due_at=due)
        message = "Marked as not published. It is queued to be published again."
    changed = tuple(changes.finish())
    return ClearanceResult(post=post, changed=changed, message=message)
