"""Who may step in on publishing: admins, and approvers of the post's channel."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.errors import PermissionDenied
from scheduler.models import AccessRole, Post, Role, User
from scheduler.permissions import has_channel_access


def require_publisher(session: Session, post: Post, by: User, action: str) -> None:
    """Refuse unless the person is an admin or an approver on the post's channel."""
    if by.is_admin and by.active:
        return
    if by.role is Role.APPROVER and has_channel_access(
        session, by, post.channel, AccessRole.APPROVER
    ):
        return
    raise PermissionDenied(f"Only an admin or an approver of {post.channel.handle} can {action}")
