"""When cleared posts go out: schedule, unschedule, publish a missed post now, or withdraw."""

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
from scheduler.core.local_time import describe
from scheduler.models import Post, PostState, User


@conflict_on_stale_write
def schedule(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    send_at: datetime | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Schedule an approved (or missed) post and everything cleared with it."""
    # Without `send_at` the post's own send time is used. Choosing the time is part of clearing,
    # so only an approver who did not write the post may do it; the approvals stay valid because
    # the person who sets the time is a clearing officer. An author who wants another time edits
    # the post, which sends it back for clearance.
    chosen = send_at if send_at is not None else post.send_at
    unit, now, changes = begin_action(
        session,
        post,
        Action.SCHEDULE,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
        send_at=chosen,
    )
    assert chosen is not None  # the send_time_in_future guard refuses a missing time
    for member in unit:
        previous = member.send_at
        member.send_at = chosen
        set_due(member, chosen)
        changes.change(member, to=PostState.SCHEDULED, send_at=chosen, previous_send_at=previous)
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post,
        changed=changed,
        message=f"Scheduled for {describe(chosen, settings.timezone)}.",
    )


@conflict_on_stale_write
def unschedule(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Take a scheduled post (and everything cleared with it) off the queue; it stays approved."""
    unit, now, changes = begin_action(
        session,
        post,
        Action.UNSCHEDULE,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
    )
    for member in unit:
        set_due(member, None)
        changes.change(member, to=PostState.APPROVED)
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post,
        changed=changed,
        message="Unscheduled. It stays approved; schedule it again when ready.",
    )


@conflict_on_stale_write
def publish_now(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Queue a post that missed its time to go out at once (still inside the publishing window)."""
    unit, now, changes = begin_action(
        session,
        post,
        Action.PUBLISH_NOW,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
    )
    for member in unit:
        set_due(member, now)
        changes.change(member, to=PostState.SCHEDULED, due_at=now)
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post, changed=changed, message="Queued to go out now, inside the publishing window."
    )


@conflict_on_stale_write
def withdraw(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    comment: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Withdraw a post that has not gone out, with its twin and the rest of its thread."""
    unit, now, changes = begin_action(
        session,
        post,
        Action.WITHDRAW,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
        comment=comment,
    )
    for member in unit:
        set_due(member, None)
        changes.change(member, to=PostState.WITHDRAWN, comment=comment.strip())
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post, changed=changed, message="Withdrawn. It will not be published."
    )
