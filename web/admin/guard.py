"""Who may use the admin pages: admins, and channel owners for their own channel's access list."""

from __future__ import annotations

from scheduler.access.rules import acts_as_admin, may_manage_channel_access
from scheduler.core.errors import PermissionDenied
from scheduler.models import Channel, User
from web.current import signed_in_user


def require_admin() -> User:
    """Return the signed-in admin, or refuse everyone else."""
    user = signed_in_user()
    if not acts_as_admin(user):
        raise PermissionDenied("Only admins can use the admin pages")
    return user


def require_access_manager(channel: Channel) -> User:
    """Return the signed-in admin or owner of the channel, or refuse everyone else."""
    user = signed_in_user()
    if not may_manage_channel_access(user, channel):
        raise PermissionDenied(
            f"Only admins and the channel's owner can manage who may post on @{channel.handle}"
        )
    return user
