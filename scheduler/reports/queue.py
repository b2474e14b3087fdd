"""The queue: every post a person may see, filtered, a page at a time by keyset (newest first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.access.rules import is_embargoed, visible_to
from scheduler.core.local_time import at_local
from scheduler.models import Post, PostState, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What the person narrowed the queue to; None means any."""

    state: PostState | None = None
    channel_id: int | None = None
    release_id: int | None = None
    send_from: date | None = None  # local day, inclusive
    send_to: date | None = None  # local day, inclusive
    mine: bool = False


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and the cursor of the next (None on the last page)."""

    posts: Sequence[Post]
    next_before: int | None


def list_queue(
    session: Session,
    *,
    reader: User,
    zone: ZoneInfo,
    filters: QueueFilter = QueueFilter(),
    before_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> QueuePage:
    """Return a page of the posts the person may see, newest first, in one query.

    Keyset by id (the primary key index) keeps every page equally cheap at any depth; one row
    more than the page tells whether there is a next page without counting the table.
    """
    limit = max(1, min(limit, 200))
    query = (
        select(Post)
        .where(visible_to(reader))
        .options(joinedload(Post.channel), joinedload(Post.author), joinedload(Post.release))
        .order_by(Post.id.desc())
        .limit(limit + 1)
    )
    if filters.state is not None:
        query = query.where(Post.state == filters.state)
    if filters.channel_id is not None:
        query = query.where(Post.channel_id == filters.channel_id)
    if filters.release_id is not None:
        query = query.where(Post.release_id == filters.release_id)
    if filters.mine:
        query = query.where(Post.author_id == reader.id)
    if filters.send_from is not None:
        query = query.where(Post.send_at >= at_local(filters.send_from, time(0), zone))
    if filters.send_to is not None:
        day_after = filters.send_to + timedelta(days=1)
        query = query.where(Post.send_at < at_local(day_after, time(0), zone))
    if before_id is not None:
        query = query.where(Post.id < before_id)
    rows = session.scalars(query).unique().all()
    if len(rows) > limit:
        return QueuePage(posts=rows[:limit], next_before=rows[limit - 1].id)
    return QueuePage(posts=rows, next_before=None)


def excerpt(text: str, length: int = 80) -> str:
    """Return the start of a text, cut at a word and marked with an ellipsis when shortened."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[:length].rsplit(" ", 1)[0] or flat[:length]
    return cut + "…"


def embargo_of(post: Post, *, now: datetime) -> datetime | None:
    """Return the embargo instant a listed post is still under, or None."""
    # Lists show no embargoed text to anyone, those on the access list included: they open it.
    return post.release.embargo_at if is_embargoed(post, now=now) and post.release else None
