"""Who may do what: channel access lists, channel owners and release access lists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import AccessRole, Channel, ChannelAccess, Release, ReleaseAccess, User


def has_channel_access(session: Session, user: User, channel: Channel, role: AccessRole) -> bool:
    """Return whether the person holds the role on the channel (admins hold every role)."""
    if user.is_admin:
        return True
    if not user.active:
        return False
    found = session.scalar(
        select(ChannelAccess.id).where(
            ChannelAccess.channel_id == channel.id,
            ChannelAccess.user_id == user.id,
            ChannelAccess.role == role,
        )
    )
    return found is not None


def may_manage_channel_access(user: User | None, channel: Channel) -> bool:
    """Return whether the person may change the channel's access list (None: the operator)."""
    if user is None or user.is_admin:
        return True
    return user.active and channel.owner_id == user.id


def is_on_release_access_list(session: Session, user: User, release: Release) -> bool:
    """Return whether the person may see the release's text before its embargo."""
    if user.is_admin:
        return True
    if not user.active:
        return False
    found = session.scalar(
        select(ReleaseAccess.user_id).where(
            ReleaseAccess.release_id == release.id, ReleaseAccess.user_id == user.id
        )
    )
    return found is not None


def may_manage_release(user: User | None, release: Release) -> bool:
    """Return whether the person may move the embargo or change the access list."""
    if user is None or user.is_admin:
        return True
    return user.active and release.created_by_id == user.id
