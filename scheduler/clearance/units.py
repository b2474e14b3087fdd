"""Posts that clear together: a post, its twin, and the rest of its thread (and their twins)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.models import Approval, Post, PostState, Thread

#: States a post is finished with: it no longer moves with the rest of its unit.
FINISHED = frozenset({PostState.PUBLISHED, PostState.REMOVED, PostState.WITHDRAWN})


def clearance_unit(post: Post) -> list[Post]:
    """Return the posts that move through clearance with this one, this post's side first."""
    members: dict[int, Post] = {}
    threads: list[Thread] = []
    if post.thread is not None:
        threads.append(post.thread)
        if post.thread.twin_thread is not None:
            threads.append(post.thread.twin_thread)
    base = [member for thread in threads for member in thread.posts] or [post]
    for member in base:
        members[member.id] = member
        if member.twin is not None:
            members[member.twin.id] = member.twin
    return sorted(
        members.values(),
        key=lambda member: (
            member.channel_id != post.channel_id,
            member.thread_position or 0,
            member.id,
        ),
    )


def active_unit(post: Post) -> list[Post]:
    """Return the post and the unfinished posts that clear with it (a half-published thread)."""
    return [
        member
        for member in clearance_unit(post)
        if member.id == post.id or member.state not in FINISHED
    ]


def live_approvals(post: Post) -> list[Approval]:
    """Return the approvals that count: of the current version, not voided, not by the author."""
    return [
        approval
        for approval in post.approvals
        if approval.content_version == post.content_version
        and approval.voided_at is None
        and approval.approver_id != post.author_id
    ]


def approval_count(post: Post) -> int:
    """Return how many distinct people have cleared the post's current version."""
    return len({approval.approver_id for approval in live_approvals(post)})


def approvals_met(post: Post) -> bool:
    """Return whether enough distinct approvers cleared the current version for its channel."""
    return approval_count(post) >= post.channel.approvals_required


def link_twins(session: Session, first: Post, second: Post) -> None:
    """Link two saved posts as each other's twin."""
    first.twin_id = second.id
    second.twin_id = first.id
    session.flush()
    session.expire(first, ["twin"])
    session.expire(second, ["twin"])
