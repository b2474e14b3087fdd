"""Who may do what: channel access lists, channel owners and release access lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from scheduler.models import AccessRole, Channel, ChannelAccess, Release, ReleaseAccess, User


def holds_role(user: User, role: AccessRole) -> ColumnElement[bool]:
    """Return a WHERE clause over channels selecting those where the person holds the role."""
    if user.is_admin:
        return true()  # admins hold every role on every channel
    if not user.active:
        return false()
    return (
        select(ChannelAccess.id)
        .where(
            ChannelAccess.channel_id == Channel.id,
            ChannelAccess.user_id == user.id,
            ChannelAccess.role == role,
        )
        .exists()
    )


def has_channel_access(session: Session, user: User, channel: Channel, role: AccessRole) -> bool:
    """Return whether the person holds the role on the channel (admins hold every role)."""
    if user.is_admin or not user.active:
        # The clause's answer for these people, without asking the database.
        return user.is_admin
    found = session.scalar(
        select(Channel.id).where(Channel.id == channel.id, holds_role(user, role))
    )
    return found is not None


def channels_where_role(
    session: Session, user: User, role: AccessRole, *, active_only: bool = True
) -> Sequence[Channel]:
    """Return the channels (active ones only, by default) where the person holds the role."""
    query = select(Channel).where(holds_role(user, role)).order_by(func.lower(Channel.handle))
    if active_only:
        query = query.where(Channel.active.is_(True))
    return session.scalars(query).all()


def holds_role_somewhere(
    session: Session, user: User, role: AccessRole, *, active_only: bool = True
) -> bool:
    """Return whether `channels_where_role` would name any channel."""
    query = select(Channel.id).where(holds_role(user, role)).limit(1)
    if active_only:
        query = query.where(Channel.active.is_(True))
    return session.scalar(query) is not None


def may_write_posts(session: Session, user: User) -> bool:
    """Return whether the person may write posts at all: author access on an active channel."""
    return holds_role_somewhere(session, user, AccessRole.AUTHOR)


def may_clear_posts(session: Session, user: User) -> bool:
    """Return whether the person may clear posts at all: approver access on some channel."""
    # Any channel: posts already in review on a channel since switched off still wait.
    return holds_role_somewhere(session, user, AccessRole.APPROVER, active_only=False)


def acts_as_admin(user: User | None) -> bool:
    """Return whether the person may do what only admins may: an active admin, or the operator.

    None is the operator at the command line, who runs Gatepost itself.
    """
    return user is None or (user.is_admin and user.active)


def is_self_or_admin(by: User | None, user_id: int) -> bool:
    """Return whether the person acts on their own account, or may act on anyone's as admin."""
    return acts_as_admin(by) or (by is not None and by.active and by.id == user_id)


def may_manage_channels(user: User | None) -> bool:
    """Return whether the person may add channels and connect them (None: the operator)."""
    return acts_as_admin(user)


def may_manage_channel_access(user: User | None, channel: Channel) -> bool:
    """Return whether the person may change the channel's access list (None: the operator)."""
    if user is None or user.is_admin:
        return True
    return user.active and channel.owner_id == user.id


def is_on_release_access_list(session: Session, user: User, release: Release) -> bool:
    """Return whether the person is named on the release's pre-release access list (and active).

    Admins are not on it by being admins: pre-release access is for the people named on the list
    only. An admin may add themselves, which is audited and shown on the list like any entry.
    """
    if not user.active:
        return False
    # By primary key: the identity map answers again for someone already found on the list.
    return session.get(ReleaseAccess, (release.id, user.id)) is not None


def may_manage_release(user: User | None, release: Release) -> bool:
    """Return whether the person may move the embargo or change the access list."""
    if user is None or user.is_admin:
        return True
    return user.active and release.created_by_id == user.id
