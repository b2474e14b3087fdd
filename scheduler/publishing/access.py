"""Who may step in on publishing: admins, and approvers of the post's channel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import PermissionDenied
from scheduler.models import AccessRole, ChannelAccess, Post, Role, User


def require_publisher(session: Session, post: Post, by: User, action: str) -> None:
    """Refuse unless the person is an admin or an approver on the post's channel."""
    if by.is_admin and by.active:
        return
    if by.role is Role.APPROVER and by.active:
        allowed = session.scalar(
            select(ChannelAccess.id).where(
                ChannelAccess.channel_id == post.channel_id,
                ChannelAccess.user_id == by.id,
                ChannelAccess.role == AccessRole.APPROVER,
            )
        )
        if allowed is not None:
            return
    raise PermissionDenied(f"Only an admin or an approver of {post.channel.handle} can {action}")
