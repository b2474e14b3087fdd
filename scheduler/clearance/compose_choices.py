"""What a person may pick when writing a post: their channels and the releases they can see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.access.rules import channels_where_role, is_on_release_access_list
from scheduler.models import AccessRole, Channel, Release, User
from scheduler.releases.operations import list_releases


def authorable_channels(session: Session, user: User) -> list[Channel]:
    """Return the active channels the person may write posts on."""
    return list(channels_where_role(session, user, AccessRole.AUTHOR))


def visible_releases(session: Session, user: User, *, now: datetime) -> list[Release]:
    """Return releases still ahead whose pre-release access list includes the person."""
    releases: Sequence[Release] = list_releases(session, since=now)
    return [release for release in releases if is_on_release_access_list(session, user, release)]


__all__ = ["authorable_channels", "visible_releases"]
