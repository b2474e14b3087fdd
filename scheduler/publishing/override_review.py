"""What an admin reviews before granting an override: held posts and the overrides given."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Post, PostState, PublishOverride


def held_posts(session: Session, *, limit: int = 200) -> Sequence[Post]:
    """Return scheduled posts the worker is holding (window, quiet period), soonest due first."""
    return session.scalars(
        select(Post)
        .where(Post.state == PostState.SCHEDULED, Post.hold_reason.is_not(None))
        .order_by(Post.due_at, Post.id)
        .limit(limit)
    ).all()


def recent_overrides(session: Session, *, limit: int = 100) -> Sequence[PublishOverride]:
    """Return the overrides granted, newest first."""
    return session.scalars(
        select(PublishOverride).order_by(PublishOverride.id.desc()).limit(limit)
    ).all()


def has_current_override(session: Session, post: Post) -> bool:
    """Return whether the post's current text already has an override."""
    found = session.scalar(
        select(PublishOverride.id).where(
            PublishOverride.post_id == post.id,
            PublishOverride.content_version == post.content_version,
            PublishOverride.revoked_at.is_(None),
        )
    )
    return found is not None
