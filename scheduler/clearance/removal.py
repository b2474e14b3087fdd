"""Take a published post down from its platform, at an approver's or admin's request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.accounts import account_of
from scheduler.channels.connections import adapter_for
from scheduler.channels.credentials import CredentialsUnreadable
from scheduler.clearance.changes import ChangeSet, check_expected_version, resolve_now
from scheduler.clearance.guards import GuardContext, enforce
from scheduler.clearance.transitions import Action, Actor, transitions_from
from scheduler.core.errors import DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from scheduler.models import Post, PostState, User, utcnow
from scheduler.platforms.base import PlatformError


class PlatformRefused(DomainError):
    """The platform did not remove the post; it stays published."""


#: The transition table's one removal row: who may ask, and from and to which state.
[_REMOVAL] = [
    row
    for row in transitions_from(PostState.PUBLISHED, Actor.PERSON)
    if row.action is Action.REMOVE
]


def may_remove(session: Session, post: Post, user: User, *, settings: Settings) -> bool:
    """Return whether the post is published and the person may take it down (the row's guards)."""
    if post.state is not _REMOVAL.source:
        return False
    try:
        _check_may_remove(session, post, user, settings=settings, now=utcnow())
    except PermissionDenied:
        return False
    return True


def _check_may_remove(
    session: Session, post: Post, user: User, *, settings: Settings, now: datetime
) -> None:
    if not user.active:
        raise PermissionDenied("Your account is deactivated; ask an admin")
    # Only this post comes down: its twin or thread keep their own state.
    context = GuardContext(
        session=session,
        action=Action.REMOVE,
        post=post,
        unit=[post],
        by=user,
        now=now,
        settings=settings,
    )
    enforce([_REMOVAL], context)


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
    _check_may_remove(session, post, by, settings=settings, now=now)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Give the reason for removing the post; it is kept in the audit trail",
            field="reason",
        )
    if post.state is not _REMOVAL.source or post.external_id is None:
        raise InvalidTransition(
            f"This post is {post.state.value.replace('_', ' ')}; only a published post can be "
            "removed from the platform"
        )
    platform = adapter_for(session, post.channel, settings)
    try:
        platform.delete(account_of(post.channel, settings), post.external_id)
    except CredentialsUnreadable as error:
        raise PlatformRefused(f"@{post.channel.handle}: {error}; it is still published") from None
    except PlatformError as error:
        # Nothing is changed: the post is still published and can be removed again later.
        raise PlatformRefused(
            f"The platform did not remove the post ({error.message}); it is still published. "
            "Try again later"
        ) from None
    changes = ChangeSet(session, action=Action.REMOVE, by=by, now=now, actor_label=actor_label)
    post.removed_at = now
    changes.change(post, to=_REMOVAL.target, comment=reason, external_id=post.external_id)
    changes.finish()
    return post


__all__ = ["PlatformRefused", "may_remove", "remove_published"]
