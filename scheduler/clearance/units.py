"""Posts that clear together: a post, its twin, and the rest of its thread (and their twins)."""

from __future__ import annotations

from sqlalchemy.orm import Session

# Which approvals count lives in counting.py; re-exported for the pages that import it from here.
from scheduler.clearance.counting import live_approvals as live_approvals
from scheduler.models import Post, PostState, Thread

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


def link_twins(session: Session, first: Post, second: Post) -> None:
    """Link two saved posts as each other's twin."""
    first.twin_id = second.id
    second.twin_id = first.id
    session.flush()
    session.expire(first, ["twin"])
    session.expire(second, ["twin"])
