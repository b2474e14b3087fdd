"""Which posts a person may see listed: their own, their channels' posts, all for admins."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from scheduler.models import ChannelAccess, Post, User


def visible_to(reader: User) -> ColumnElement[bool]:
    """Return a WHERE clause selecting the posts the person may see listed (not their text)."""
    if reader.is_admin:
        return true()
    channels = select(ChannelAccess.channel_id).where(ChannelAccess.user_id == reader.id)
    return or_(Post.author_id == reader.id, Post.channel_id.in_(channels))
