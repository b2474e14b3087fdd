"""Rules for send times: in the future when set, and never before a release's embargo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from config import Settings
from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import describe
from scheduler.models import Post, Release


def require_future(send_at: datetime | None, *, now: datetime, settings: Settings) -> datetime:
    """Return the send time if it is set and still ahead, or refuse saying what to choose."""
    if send_at is None:
        raise ValidationFailed("Choose a send time", field="send_at")
    if send_at.tzinfo is None:
        raise ValidationFailed("The send time needs a time zone", field="send_at")
    if send_at <= now:
        raise ValidationFailed(
            f"The send time, {describe(send_at, settings.timezone)}, has passed; "
            "choose a later time",
            field="send_at",
        )
    return send_at


def require_after_embargo(
    send_at: datetime | None, releases: Iterable[Release | None], *, settings: Settings
) -> None:
    """Refuse a send time before the embargo of any of the releases (the local time is shown)."""
    if send_at is None:
        return
    for release in releases:
        if release is not None and send_at < release.embargo_at:
            embargo = describe(release.embargo_at, settings.timezone)
            raise ValidationFailed(
                f"The send time, {describe(send_at, settings.timezone)}, is before the "
                f"embargo of {release.title!r} at {embargo}; choose {embargo} or later",
                field="send_at",
            )


def usable(send_at: datetime | None, releases: Iterable[Release | None], *, now: datetime) -> bool:
    """Return whether a post could be scheduled for the send time as it stands."""
    if send_at is None or send_at <= now:
        return False
    return all(release is None or send_at >= release.embargo_at for release in releases)


def set_due(post: Post, due_at: datetime | None) -> None:
    """Set when the worker should next look at the post, clearing what earlier runs noted.

    The missed-post grace counts from the first instant the rules allowed the post out; a person
    queuing it again (scheduling, publishing now, retrying, moving its embargo) starts that afresh.
    """
    post.due_at = due_at
    post.hold_reason = None
    post.hold_until = None
    post.first_allowed_at = None
