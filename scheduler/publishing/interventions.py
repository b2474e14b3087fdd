"""A person steps in: publish a missed post now, retry a failed one, settle an unknown one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import audit
from scheduler.errors import InvalidTransition, ValidationFailed
from scheduler.models import Post, PostState, User, utcnow
from scheduler.publishing.access import require_publisher


def _requeue(session: Session, post: Post, *, by: User, action: str, now: datetime) -> None:
    previous = post.state
    post.state = PostState.SCHEDULED
    post.due_at = now
    # A fresh grace period: it counts from when the person said "go".
    post.first_allowed_at = now
    post.hold_reason = None
    post.hold_until = None
    post.attempts = 0
    audit.record(
        session,
        action,
        actor=by,
        post=post,
        from_state=previous.value,
        to_state=PostState.SCHEDULED.value,
        at=now,
    )


def _twin(session: Session, post: Post) -> Post | None:
    if post.twin_id is not None:
        return session.get(Post, post.twin_id)
    return session.scalar(select(Post).where(Post.twin_id == post.id))


def publish_now(
    session: Session, post: Post, *, by: User, now: datetime | None = None
) -> list[Post]:
    """Put a missed post (with its missed twin and missed later thread posts) back to go now.

    The rules are checked again when it goes: outside office hours it still needs an override.
    Return every post put back.
    """
    now = now or utcnow()
    require_publisher(session, post, by, "publish a missed post")
    if post.state is not PostState.MISSED:
        raise InvalidTransition(
            f"Only a missed post can be published now; post {post.id} is {post.state.value}"
        )
    chosen = [post]
    if post.thread_id is not None and post.thread_position is not None:
        chosen += session.scalars(
            select(Post)
            .where(
                Post.thread_id == post.thread_id,
                Post.thread_position > post.thread_position,
                Post.state == PostState.MISSED,
            )
            .order_by(Post.thread_position)
        ).all()
    for item in list(chosen):
        twin = _twin(session, item)
        if twin is not None and twin.state is PostState.MISSED and twin not in chosen:
            chosen.append(twin)
    for item in chosen:
        _requeue(session, item, by=by, action="publish_now", now=now)
    session.flush()
    return chosen


def retry(session: Session, post: Post, *, by: User, now: datetime | None = None) -> list[Post]:
    """Send a failed post again now (with its twin if that failed too); return the posts.

    A post in `unknown` may be retried too: the person is saying they checked the platform and
    it is not there.
    """
    now = now or utcnow()
    require_publisher(session, post, by, "retry a post")
    if post.state not in (PostState.FAILED, PostState.UNKNOWN):
        raise InvalidTransition(
            f"Only a failed post (or one whose outcome is unknown) can be retried; "
            f"post {post.id} is {post.state.value}"
        )
    chosen = [post]
    twin = _twin(session, post)
    if twin is not None and twin.state is PostState.FAILED:
        chosen.append(twin)
    for item in chosen:
        _requeue(session, item, by=by, action="retried", now=now)
    session.flush()
    return chosen


def confirm_published(
    session: Session,
    post: Post,
    *,
    by: User,
    external_id: str,
    now: datetime | None = None,
) -> Post:
    """Record that a post whose outcome was unknown is on the platform, under that id."""
    now = now or utcnow()
    require_publisher(session, post, by, "confirm a post was published")
    if post.state is not PostState.UNKNOWN:
        raise InvalidTransition(
            f"Only a post whose outcome is unknown can be confirmed; post {post.id} is "
            f"{post.state.value}"
        )
    external_id = external_id.strip()
    if not external_id:
        raise ValidationFailed(
            "Give the post's id on the platform (from its address)", field="external_id"
        )
    post.state = PostState.PUBLISHED
    post.external_id = external_id
    post.published_at = now
    post.hold_reason = None
    post.hold_until = None
    audit.record(
        session,
        "confirmed_published",
        actor=by,
        post=post,
        from_state=PostState.UNKNOWN.value,
        to_state=PostState.PUBLISHED.value,
        details={"external_id": external_id},
        at=now,
    )
    if post.thread_id is not None and post.thread_position is not None:
        following = session.scalar(
            select(Post)
            .where(
                Post.thread_id == post.thread_id,
                Post.thread_position > post.thread_position,
                Post.state.not_in([PostState.WITHDRAWN, PostState.REMOVED]),
            )
            .order_by(Post.thread_position)
            .limit(1)
        )
        if following is not None and following.state is PostState.SCHEDULED:
            following.due_at = now
    session.flush()
    return post
