"""Who may read and write a post's comments: the post's people, and its list under embargo."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import has_channel_access, may_read_text
from scheduler.core.errors import PermissionDenied
from scheduler.core.local_time import describe
from scheduler.models import AccessRole, Post, User


def works_on_channel(session: Session, post: Post, user: User) -> bool:
    """Return whether the person has author or approver access to the channel, or is admin."""
    if not user.active:
        return False
    return any(
        has_channel_access(session, user, post.channel, role)
        for role in (AccessRole.AUTHOR, AccessRole.APPROVER)
    )


def may_read_comments(session: Session, post: Post, reader: User, *, now: datetime) -> bool:
    """Return whether the person may read the post's comments now: whoever may read its text."""
    # Comments quote and discuss the text, so they are as secret as the text itself.
    return reader.active and may_read_text(session, post, reader, now=now)


def comment_refusal(
    session: Session, post: Post, user: User, *, settings: Settings, now: datetime
) -> str | None:
    """Return why the person may not comment on the post now, or None if they may."""
    if not works_on_channel(session, post, user):
        return (
            f"Only people with author or approver access to @{post.channel.handle}, and admins, "
            "can comment on its posts"
        )
    if not may_read_comments(session, post, user, now=now):
        release = post.release
        assert release is not None  # only an embargo hides a text from someone on the channel
        return (
            f"The post is under embargo until {describe(release.embargo_at, settings.timezone)}; "
            f"only people on the pre-release access list of {release.title!r} can comment on it"
        )
    return None


def require_may_comment(
    session: Session, post: Post, user: User, *, settings: Settings, now: datetime
) -> None:
    """Refuse unless the person may comment on the post now (`comment_refusal`)."""
    refusal = comment_refusal(session, post, user, settings=settings, now=now)
    if refusal is not None:
        raise PermissionDenied(refusal)
