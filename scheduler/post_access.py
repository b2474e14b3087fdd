"""Which posts a person may see listed: their own, their channels' posts, all for admins."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from scheduler.models import ChannelAccess, Post, User


def visible_to(reader: User) -> ColumnElement[bool]:
    """Return a WHERE clause selecting the posts the person may see listed (not their text)."""
    if reader.is_admin:
        return true()
    # A correlated EXISTS, not `channel_id IN (...)`: with IN, SQLite gathers every visible post
    # through two indexes and sorts them all for each page; with EXISTS both databases walk the
    # primary key newest first and stop after one page, checking each row's channel.
    on_channel = (
        select(ChannelAccess.id)
        .where(ChannelAccess.channel_id == Post.channel_id, ChannelAccess.user_id == reader.id)
        .exists()
    )
    return or_(Post.author_id == reader.id, on_channel)


def is_visible_to(session: Session, post: Post, reader: User) -> bool:
    """Return whether `visible_to(reader)` selects the post."""
    query = select(Post.id).where(Post.id == post.id, visible_to(reader))
    return session.scalar(query) is not None
