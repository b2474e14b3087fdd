"""Who may read a post's text: before its release's embargo, only the access list, and recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.local_time import describe
from scheduler.models import EmbargoViewing, Post, Release, User, utcnow
from scheduler.permissions import is_on_release_access_list


def is_embargoed(post: Post, *, now: datetime) -> bool:
    """Return whether the post belongs to a release whose embargo has not yet passed."""
    release = post.release
    return release is not None and now < release.embargo_at


def may_read_text(session: Session, post: Post, reader: User, *, now: datetime) -> bool:
    """Return whether the person may read the text now (after the embargo, everyone may)."""
    if not is_embargoed(post, now=now):
        return True
    if post.author_id == reader.id:
        return True
    release = post.release
    assert release is not None
    return is_on_release_access_list(session, reader, release)


def read_text(
    session: Session,
    post: Post,
    *,
    reader: User,
    now: datetime | None = None,
    via: str = "web",
) -> str | None:
    """Return the text for the reader (recording a read before the embargo), or None if hidden."""
    now = now or utcnow()
    if not may_read_text(session, post, reader, now=now):
        return None
    if is_embargoed(post, now=now):
        assert post.release_id is not None
        session.add(
            EmbargoViewing(
                release_id=post.release_id,
                post_id=post.id,
                user_id=reader.id,
                viewed_at=now,
                via=via[:20],
            )
        )
        session.flush()
    return post.text


def redacted_text(post: Post, settings: Settings) -> str:
    """Return what people outside the access list see instead of an embargoed text."""
    release = post.release
    if release is None:
        return ""
    return f"Embargoed until {describe(release.embargo_at, settings.timezone)} ({release.title})"


def displayed_text(
    session: Session,
    post: Post,
    *,
    reader: User,
    settings: Settings,
    now: datetime | None = None,
    via: str = "web",
) -> str:
    """Return the text if the reader may see it (recording the read), else the embargo notice."""
    text = read_text(session, post, reader=reader, now=now, via=via)
    return text if text is not None else redacted_text(post, settings)


def embargo_viewings(session: Session, release: Release) -> Sequence[EmbargoViewing]:
    """Return every recorded pre-release read of the release's text, oldest first."""
    return session.scalars(
        select(EmbargoViewing)
        .where(EmbargoViewing.release_id == release.id)
        .order_by(EmbargoViewing.viewed_at, EmbargoViewing.id)
    ).all()
