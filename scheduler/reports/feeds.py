"""A person's private iCalendar feed: a secret URL token (stored hashed) and the feed it serves."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.access.rules import is_embargoed, is_self_or_admin, visible_to
from scheduler.core import audit
from scheduler.core.errors import NotFound, PermissionDenied
from scheduler.core.time_horizon import shiftable
from scheduler.models import Post, User, utcnow
from scheduler.reports.calendar import SLOTTED_STATES
from scheduler.reports.queue import excerpt

#: How far back the feed reaches; everything ahead is included.
HISTORY = timedelta(days=90)
#: How long an event lasts in the calendar (posts are instants).
EVENT_LENGTH = timedelta(minutes=15)


def hash_feed_token(token: str) -> str:
    """Return the SHA-256 hex digest stored for a feed token (the token is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _require_self_or_admin(user: User, by: User) -> None:
    if not is_self_or_admin(by, user.id):
        raise PermissionDenied("Only the person themselves or an admin may change their feed")


def create_feed_token(
    session: Session, user: User, *, by: User, now: datetime | None = None
) -> str:
    """Give the person a new feed token, replacing any old one, and return it (shown once)."""
    _require_self_or_admin(user, by)
    token = secrets.token_urlsafe(32)
    replaced = user.calendar_token_hash is not None
    user.calendar_token_hash = hash_feed_token(token)
    audit.record(
        session,
        "calendar_feed_regenerated" if replaced else "calendar_feed_created",
        actor=by,
        subject_user=user,
        at=now or utcnow(),
    )
    session.flush()
    return token


def revoke_feed_token(
    session: Session, user: User, *, by: User, now: datetime | None = None
) -> bool:
    """Turn the person's feed off; return whether there was one."""
    _require_self_or_admin(user, by)
    if user.calendar_token_hash is None:
        return False
    user.calendar_token_hash = None
    audit.record(session, "calendar_feed_revoked", actor=by, subject_user=user, at=now or utcnow())
    session.flush()
    return True


def user_for_feed_token(session: Session, token: str) -> User:
    """Return the active person whose feed token this is, or raise NotFound."""
    user = None
    if token:
        user = session.scalar(
            select(User).where(User.calendar_token_hash == hash_feed_token(token))
        )
    if user is None or not user.active:
        raise NotFound("There is no calendar feed at this address")
    return user


def _summary(post: Post, *, now: datetime) -> tuple[str, str]:
    handle = post.channel.handle
    if is_embargoed(post, now=now):
        # Calendar apps copy events to phones and cloud services beyond the access list's
        # reach, so embargoed text never enters the feed, whoever it belongs to.
        return f"Embargoed post on @{handle}", f"Post {post.id}, {post.state.value}"
    return (
        f"@{handle}: {excerpt(post.text, 60)}",
        f"Post {post.id}, {post.state.value}\n\n{post.text}",
    )


def build_feed(
    session: Session,
    *,
    user: User,
    now: datetime | None = None,
    base_url: str = "",
) -> bytes:
    """Return the person's iCalendar (RFC 5545) document of the posts they may see, with slots."""
    now = now or utcnow()
    posts = session.scalars(
        select(Post)
        .where(visible_to(user), Post.state.in_(SLOTTED_STATES), Post.send_at.is_not(None))
        .where((Post.published_at >= now - HISTORY) | (Post.send_at >= now - HISTORY))
        .options(joinedload(Post.channel), joinedload(Post.release))
        .order_by(Post.send_at, Post.id)
    ).all()
    calendar = Calendar()
    calendar.add("prodid", "-//Gatepost//Scheduled posts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Gatepost posts")
    for post in posts:
        start = post.published_at or post.send_at
        assert start is not None
        if not shiftable(start):
            continue  # stored before the horizon rule: no calendar can hold its end
        summary, description = _summary(post, now=now)
        event = Event()
        event.add("uid", f"post-{post.id}@gatepost")
        event.add("dtstamp", post.updated_at)
        event.add("last-modified", post.updated_at)
        event.add("dtstart", start)
        event.add("dtend", start + EVENT_LENGTH)
        event.add("summary", summary)
        event.add("description", description)
        event.add("status", "CONFIRMED" if post.state.value == "published" else "TENTATIVE")
        if base_url:
            event.add("url", f"{base_url.rstrip('/')}/posts/{post.id}")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
