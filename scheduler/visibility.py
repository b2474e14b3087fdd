"""Who may read a post's text: before its release's embargo, only the access list, and recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
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


class TextAccess:
    """Whether one person may read posts' texts at one instant, asked once per release."""

    def __init__(self, session: Session, reader: User, *, now: datetime) -> None:
        self.session = session
        self.reader = reader
        self.now = now
        self._answers: dict[tuple[int | None, bool], bool] = {}

    def allows(self, post: Post) -> bool:
        """Return whether the reader may read the post's text now."""
        # The answer depends only on the post's release and on whether the reader wrote it.
        key = (post.release_id, post.author_id == self.reader.id)
        if key not in self._answers:
            self._answers[key] = may_read_text(self.session, post, self.reader, now=self.now)
        return self._answers[key]


def read_text(
    session: Session,
    post: Post,
    *,
    reader: User,
    now: datetime | None = None,
    via: str = "web",
) -> str | None:
    """Return the text for the reader (recording a read before the embargo), or None if hidden."""
    return read_texts(session, [post], reader=reader, now=now, via=via)[0]


def read_texts(
    session: Session,
    posts: Sequence[Post],
    *,
    reader: User,
    now: datetime | None = None,
    via: str = "web",
) -> list[str | None]:
    """Return each post's text for the reader (None where hidden), recording embargoed reads."""
    now = now or utcnow()
    access = TextAccess(session, reader, now=now)
    texts: list[str | None] = []
    viewings: list[dict[str, object]] = []
    for post in posts:
        if not access.allows(post):
            texts.append(None)
            continue
        if is_embargoed(post, now=now):
            viewings.append(
                {
                    "release_id": post.release_id,
                    "post_id": post.id,
                    "user_id": reader.id,
                    "viewed_at": now,
                    "via": via[:20],
                }
            )
        texts.append(post.text)
    if viewings:
        # One statement for a page of reads (the ORM would insert them one by one).
        session.execute(insert(EmbargoViewing), viewings)
    return texts


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
