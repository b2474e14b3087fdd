"""Writing a release-day thread in one go: its new release, its posts, and sending it on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler import clearance
from scheduler.clearance.changes import resolve_now
from scheduler.clearance.results import ClearanceResult
from scheduler.core.errors import ValidationFailed
from scheduler.models import Channel, Release, Thread, User
from scheduler.releases.operations import create_release


@dataclass(frozen=True)
class NewRelease:
    """A release to create for a thread as it is written: its title and embargo."""

    title: str
    embargo_at: datetime


@dataclass(frozen=True)
class WrittenThread:
    """A thread written in one go, and what sending it for clearance said (if it was sent)."""

    thread: Thread
    submitted: ClearanceResult | None


def write_thread(
    session: Session,
    *,
    channel: Channel,
    texts: Sequence[str],
    by: User,
    settings: Settings,
    send_at: datetime | None = None,
    release: Release | None = None,
    new_release: NewRelease | None = None,
    twin_texts: Sequence[str] | None = None,
    title: str = "",
    submit_for_clearance: bool = False,
    now: datetime | None = None,
) -> WrittenThread:
    """Create the new release (if any), the thread for it and, if asked, send it for clearance."""
    now = resolve_now(now)
    if new_release is not None:
        refuse_two_releases(release, new_release.title)
        release = create_release(
            session, title=new_release.title, embargo_at=new_release.embargo_at, by=by, now=now
        )
    thread = clearance.create_thread(
        session,
        channel=channel,
        texts=texts,
        twin_texts=twin_texts,
        by=by,
        settings=settings,
        send_at=send_at,
        release=release,
        title=title,
        now=now,
    )
    submitted = None
    if submit_for_clearance:
        submitted = clearance.submit(session, thread.posts[0], by=by, settings=settings, now=now)
    return WrittenThread(thread, submitted)


def refuse_two_releases(release: Release | None, new_release_title: str) -> None:
    """Refuse a thread for an existing release and a new one at once."""
    if release is not None and new_release_title.strip():
        raise ValidationFailed(
            "Choose an existing release or create a new one, not both", field="new_release_title"
        )
