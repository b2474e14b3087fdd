"""Find posts and their history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from scheduler.access.rules import is_visible_to, visible_to
from scheduler.core.errors import NotFound
from scheduler.models import AuditEvent, Channel, Post, PostState, Release, Thread, User


def get_post(session: Session, post_id: int, *, reader: User | None = None) -> Post:
    """Return the post with the id, or raise NotFound (also when the reader may not see it)."""
    post = session.get(Post, post_id)
    if post is None or (reader is not None and not is_visible_to(session, post, reader)):
        # Someone else's post is "not found", not "forbidden": its existence is not theirs to know.
        raise NotFound(f"No post {post_id}")
    return post


def get_thread(session: Session, thread_id: int, *, reader: User | None = None) -> Thread:
    """Return the thread with the id, or raise NotFound (also when the reader may not see it)."""
    thread = session.get(Thread, thread_id)
    if thread is None or (
        reader is not None
        and not any(is_visible_to(session, post, reader) for post in thread.posts)
    ):
        raise NotFound(f"No thread {thread_id}")
    return thread


def list_posts(
    session: Session,
    *,
    channel: Channel | None = None,
    state: PostState | None = None,
    release: Release | None = None,
    thread: Thread | None = None,
    before_id: int | None = None,
    limit: int = 50,
    reader: User | None = None,
) -> Sequence[Post]:
    """Return posts newest first, one page at a time (pass the last id seen as `before_id`)."""
    query = (
        select(Post)
        .options(
            joinedload(Post.channel),
            joinedload(Post.author),
            joinedload(Post.release),
            selectinload(Post.approvals),
            # Who wrote each post's current version: whose approvals count.
            selectinload(Post.co_authors),
        )
        .order_by(Post.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    if reader is not None:
        query = query.where(visible_to(reader))
    if channel is not None:
        query = query.where(Post.channel_id == channel.id)
    if state is not None:
        query = query.where(Post.state == state)
    if release is not None:
        query = query.where(Post.release_id == release.id)
    if thread is not None:
        query = query.where(Post.thread_id == thread.id)
    if before_id is not None:
        query = query.where(Post.id < before_id)
    return session.scalars(query).all()


def post_history(session: Session, post: Post) -> Sequence[AuditEvent]:
    """Return the post's audit events, oldest first."""
    return session.scalars(
        select(AuditEvent).where(AuditEvent.post_id == post.id).order_by(AuditEvent.id)
    ).all()
