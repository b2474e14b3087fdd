"""Take a published post down from its platform, at an approver's or admin's request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.changes import ChangeSet, check_expected_version, resolve_now
from scheduler.clearance.transitions import Action, Actor, transitions_from
from scheduler.errors import DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from scheduler.models import AccessRole, Post, User
from scheduler.permissions import has_channel_access
from scheduler.platforms.base import PlatformError
from scheduler.platforms.registry import get_platform


class PlatformRefused(DomainError):
    """The platform did not remove the post; it stays published."""


def may_remove(session: Session, post: Post, user: User) -> bool:
    """Return whether the person may take the post down (approver access or admin)."""
    return user.active and has_channel_access(session, user, post.channel, AccessRole.APPROVER)


def remove_published(
    session: Session,
    post: Post,
    *,
    by: User,
    reason: str,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> Post:
    """Delete a published post from its platform and mark it removed, with the reason audited."""
    now = resolve_now(now)
    check_expected_version(post, expected_version)
    if not may_remove(session, post, by):
        raise PermissionDenied(
            f"You need approver access to @{post.channel.handle} to remove its posts"
        )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Give the reason for removing the post; it is kept in the audit trail",
            field="reason",
        )
    row = next(
        (
            row
            for row in transitions_from(post.state, Actor.SYSTEM)
            if row.action is Action.MARK_REMOVED
        ),
        None,
    )
    if row is None or post.external_id is None:
        raise InvalidTransition(
            f"This post is {post.state.value.replace('_', ' ')}; only a published post can be "
            "removed from the platform"
        )
    platform = get_platform(post.channel.platform, settings)
    try:
        platform.delete(post.channel.handle, post.external_id, post.channel.platform_options)
    except PlatformError as error:
        # Nothing is changed: the post is still published and can be removed again later.
        raise PlatformRefused(
            f"The platform did not remove the post ({error.message}); it is still published. "
            "Try again later"
        ) from None
    changes = ChangeSet(session, action="remove", by=by, now=now, actor_label=actor_label)
    post.removed_at = now
    changes.change(post, to=row.target, comment=reason, external_id=post.external_id)
    changes.finish()
    return post


__all__ = ["PlatformRefused", "may_remove", "remove_published"]
