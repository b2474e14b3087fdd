"""Clearance: submit a post for review, approve it, or send it back for changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.acting import begin_action
from scheduler.clearance.approval_warning import planned_hold
from scheduler.clearance.changes import (
    conflict_on_stale_write,
    void_approvals,
)
from scheduler.clearance.counting import approval_count, approvals_met
from scheduler.clearance.results import ClearanceResult
from scheduler.clearance.send_times import set_due, usable
from scheduler.clearance.transitions import Action, row_for
from scheduler.core.local_time import describe
from scheduler.models import Approval, Post, PostState, User


def _together(count: int) -> str:
    if count <= 1:
        return ""
    return f" (with the {count - 1} other post{'s' if count > 2 else ''} cleared with it)"


@conflict_on_stale_write
def submit(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Send a draft (with its twin and thread) for clearance."""
    unit, now, changes = begin_action(
        session,
        post,
        Action.SUBMIT,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
    )
    for member in unit:
        member.submitted_at = now
        changes.change(member, to=PostState.IN_REVIEW, content_version=member.content_version)
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post, changed=changed, message=f"Submitted for clearance{_together(len(changed))}."
    )


@conflict_on_stale_write
def approve(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Clear the current version of a post and everything cleared with it."""
    # Once every post in the unit has enough distinct approvers for its channel, the unit is
    # approved; with a send time still ahead (and not before any embargo) it is scheduled at
    # once. A send time that has passed leaves it approved, asking for a new time, so that
    # nothing goes out by surprise.
    unit, now, changes = begin_action(
        session,
        post,
        Action.APPROVE,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
    )
    for member in unit:
        member.approvals.append(
            Approval(approver_id=by.id, content_version=member.content_version, approved_at=now)
        )
    cleared = all(approvals_met(member) for member in unit)
    send_at = post.send_at
    if not cleared:
        target = PostState.IN_REVIEW
    elif usable(send_at, (member.release for member in unit), now=now):
        target = PostState.SCHEDULED
    else:
        target = PostState.APPROVED
    row_for(post.state, Action.APPROVE, target)
    for member in unit:
        if target is PostState.SCHEDULED:
            set_due(member, member.send_at)
            member.hold_reason = None
        changes.change(
            member,
            to=target,
            content_version=member.content_version,
            approvals=approval_count(member),
            approvals_required=member.channel.approvals_required,
        )
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post,
        changed=changed,
        message=_approval_message(session, post, unit, target, settings, now),
    )


def _approval_message(
    session: Session,
    post: Post,
    unit: list[Post],
    target: PostState,
    settings: Settings,
    now: datetime,
) -> str:
    if target is PostState.IN_REVIEW:
        waiting = [
            f"@{member.channel.handle} has {approval_count(member)} of "
            f"{member.channel.approvals_required}"
            for member in unit
            if not approvals_met(member)
        ]
        return f"Approval recorded; it needs more approvers ({'; '.join(dict.fromkeys(waiting))})."
    if target is PostState.SCHEDULED:
        assert post.send_at is not None
        scheduled = (
            f"Approved and scheduled for {describe(post.send_at, settings.timezone)}"
            f"{_together(len(unit))}"
        )
        hold = planned_hold(session, post, settings=settings, now=now)
        if hold is not None:
            return f"{scheduled}, but {hold.after_approval(settings.timezone)}."
        return f"{scheduled}."
    if post.send_at is None:
        return "Approved. It has no send time yet: choose one to schedule it."
    if post.send_at <= now:
        return (
            f"Approved, but its send time, {describe(post.send_at, settings.timezone)}, has "
            "passed: choose a new time to schedule it. Nothing has been sent."
        )
    return (
        f"Approved, but its send time, {describe(post.send_at, settings.timezone)}, is "
        "before its release's embargo: choose a time at or after the embargo."
    )


@conflict_on_stale_write
def request_changes(
    session: Session,
    post: Post,
    *,
    comment: str,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Send a post (and everything cleared with it) back to draft, saying what to change."""
    unit, now, changes = begin_action(
        session,
        post,
        Action.REQUEST_CHANGES,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
        comment=comment,
    )
    comment = comment.strip()
    for member in unit:
        # Approvals given before the request no longer count, even if the text comes back as is.
        void_approvals(member, now=now, reason="changes requested")
        changes.change(member, to=PostState.DRAFT, comment=comment)
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post, changed=changed, message="Sent back to the author with your comment."
    )
