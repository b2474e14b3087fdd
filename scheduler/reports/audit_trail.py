"""Which audit events a person may see, filtered by post, channel, person and dates, and paged.

The one home of that question: the audit trail page lists a page of it (newest first, by keyset
on the id), and the exports (scheduler/reports/audit_export.py) stream all of it, both through
`matching`. Admins see every event; a channel's owner sees the events of the channels they own.
What an event says that could give away an embargoed release (its comment, its details) is held
back from anyone off the release's pre-release access list until the embargo passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased, joinedload

from scheduler.access.rules import TextAccess, is_embargoed, may_read
from scheduler.core.errors import ValidationFailed
from scheduler.models import AuditEvent, Channel, ChannelAccess, Post, Release, Role, User
from scheduler.models.base import MAX_ID

PAGE_SIZE = 50
#: How the labels of those who act as no person read (the worker's name its host and process).
ACTOR_LABELS = {"system": "System", "cli": "The command line"}


@dataclass(frozen=True)
class AuditFilter:
    """Which events to show or export; every field left as None means "all"."""

    post_id: int | None = None
    channel_id: int | None = None
    #: The person who acted (the worker and the command line act as no person).
    actor_id: int | None = None
    #: From this instant on (inclusive).
    since: datetime | None = None
    #: Before this instant (exclusive).
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Checked here, before any download starts: an id the database cannot hold would fail
        # the first page's query after the response had begun, leaving a truncated file.
        _check_id(self.post_id, "Post numbers", field="post_id")
        _check_id(self.channel_id, "Channel ids", field="channel")
        _check_id(self.actor_id, "Person ids", field="person")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValidationFailed("The end of the date range must be after its start")


def _check_id(value: int | None, what: str, *, field: str) -> None:
    if value is not None and not 1 <= value <= MAX_ID:
        raise ValidationFailed(f"{what} go from 1 to {MAX_ID}; {value} is none", field=field)


def visible_to(reader: User | None) -> ColumnElement[bool]:
    """Return a WHERE clause over audit events selecting those the person may see.

    None is the operator at the command line, who sees everything, as an active admin does.
    """
    if reader is None or (reader.is_admin and reader.active):
        return true()
    if not reader.active:
        return false()
    # A correlated EXISTS, as for the queue: the page walks the primary key newest first and
    # stops after one page, checking each event's channel, instead of gathering and sorting.
    # (An alias, so that it stays apart from a query that joins the event's channel itself.)
    owned = aliased(Channel)
    return (
        select(owned.id)
        .where(owned.id == AuditEvent.channel_id, owned.owner_id == reader.id)
        .exists()
    )


def matching(criteria: AuditFilter, reader: User | None) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses for the events the person may see that the filter selects."""
    clauses = [visible_to(reader)]
    if criteria.post_id is not None:
        clauses.append(AuditEvent.post_id == criteria.post_id)
    if criteria.channel_id is not None:
        clauses.append(AuditEvent.channel_id == criteria.channel_id)
    if criteria.actor_id is not None:
        clauses.append(AuditEvent.actor_id == criteria.actor_id)
    if criteria.since is not None:
        clauses.append(AuditEvent.occurred_at >= criteria.since)
    if criteria.until is not None:
        clauses.append(AuditEvent.occurred_at < criteria.until)
    return clauses


def channels_to_filter_by(session: Session, reader: User) -> Sequence[Channel]:
    """Return the channels whose events the person may see, by handle."""
    query = select(Channel).order_by(func.lower(Channel.handle))
    if not reader.is_admin:
        query = query.where(Channel.owner_id == reader.id)
    return session.scalars(query).all()


def people_to_filter_by(session: Session, reader: User) -> Sequence[User]:
    """Return the people who may have acted on what the person sees, by name.

    Admins may filter by anyone. A channel's owner by the people on their channels' access
    lists, themselves and the admins (who act on every channel): not the whole staff list.
    """
    query = select(User).order_by(func.lower(User.name), func.lower(User.email))
    if not reader.is_admin:
        on_owned = (
            select(ChannelAccess.id)
            .join(Channel, Channel.id == ChannelAccess.channel_id)
            .where(ChannelAccess.user_id == User.id, Channel.owner_id == reader.id)
            .exists()
        )
        query = query.where(or_(User.id == reader.id, User.role == Role.ADMIN, on_owned))
    return session.scalars(query).all()


@dataclass(frozen=True)
class TrailEntry:
    """One event as one person may see it."""

    event: AuditEvent
    #: Who acted: a person's name, or the worker's or the command line's label.
    actor: str
    channel: str | None
    #: The person the event is about (an account, an access list entry), if any.
    subject: str | None
    #: None where the comment and details are held back until the release's embargo passes.
    comment: str | None
    details: dict[str, Any] | None
    embargo_at: datetime | None = None

    @property
    def withheld(self) -> bool:
        """Return whether the event's words are held back from this person."""
        return self.comment is None


@dataclass(frozen=True)
class TrailPage:
    """One page of the audit trail, newest first, with the cursors of its neighbours."""

    entries: Sequence[TrailEntry]
    #: The id to ask for events before (the "Older" link), or None on the oldest page.
    older_than: int | None
    #: The id to ask for events after (the "Newer" link), or None on the newest page.
    newer_than: int | None


def trail_page(
    session: Session,
    *,
    reader: User,
    criteria: AuditFilter,
    now: datetime,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> TrailPage:
    """Return a page of the events the person may see, newest first, by keyset on the id.

    `before` gives the page older than an id, `after` the page newer than it (read oldest first
    from there, then turned round). One row more than the page says whether the page has a
    neighbour on that side without counting anything, so every page costs the same at any depth.
    """
    limit = max(1, min(limit, 200))
    query = select(AuditEvent).where(*matching(criteria, reader)).limit(limit + 1)
    older_than: int | None
    newer_than: int | None
    if after is not None:
        rows = list(
            session.scalars(query.where(AuditEvent.id > after).order_by(AuditEvent.id)).all()
        )
        more_newer = len(rows) > limit
        events = list(reversed(rows[:limit]))
        # Reached from an older page, so older events exist (the page before `after` at least).
        older_than = events[-1].id if events else after + 1
        newer_than = events[0].id if events and more_newer else None
    else:
        if before is not None:
            query = query.where(AuditEvent.id < before)
        rows = list(session.scalars(query.order_by(AuditEvent.id.desc())).all())
        events = rows[:limit]
        older_than = events[-1].id if len(rows) > limit else None
        newer_than = (events[0].id if events else before) if before is not None else None
    return TrailPage(
        entries=describe_events(session, events, reader=reader, now=now),
        older_than=older_than,
        newer_than=newer_than,
    )


def describe_events(
    session: Session, events: Sequence[AuditEvent], *, reader: User | None, now: datetime
) -> list[TrailEntry]:
    """Return the events with names for their people and channels, embargoed words held back.

    None as the reader is the operator at the command line, from whom nothing is held back.
    """
    people = _names(session, {e.actor_id for e in events} | {e.subject_user_id for e in events})
    channel_ids = {event.channel_id for event in events if event.channel_id is not None}
    handles: dict[int, str] = {
        channel_id: handle
        for channel_id, handle in session.execute(
            select(Channel.id, Channel.handle).where(Channel.id.in_(channel_ids))
        )
    }
    words = WithheldWords(session, reader, now=now, events=events)
    entries = []
    for event in events:
        embargo_at = words.embargo_hiding(event)
        entries.append(
            TrailEntry(
                event=event,
                actor=people.get(event.actor_id or 0)
                or ACTOR_LABELS.get(event.actor_label, event.actor_label or "System"),
                channel=handles.get(event.channel_id) if event.channel_id else None,
                subject=people.get(event.subject_user_id) if event.subject_user_id else None,
                comment=None if embargo_at else event.comment,
                details=None if embargo_at else dict(event.details or {}),
                embargo_at=embargo_at,
            )
        )
    return entries


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {user_id for user_id in ids if user_id is not None}
    if not wanted:
        return {}
    users = session.scalars(select(User).where(User.id.in_(wanted)))
    return {user.id: user.display_name for user in users}


class WithheldWords:
    """Whether one person may read what a page of events about releases says, asked once each."""

    def __init__(
        self,
        session: Session,
        reader: User | None,
        *,
        now: datetime,
        events: Sequence[AuditEvent],
    ) -> None:
        self.session = session
        self.reader = reader
        self.now = now
        self.texts = TextAccess(session, reader, now=now) if reader is not None else None
        self._releases: dict[int, Release | None] = {}
        # The page's posts and their releases in one query, not one each.
        post_ids = {event.post_id for event in events if event.post_id is not None}
        self._posts: dict[int, Post] = {}
        if post_ids:
            found = session.scalars(
                select(Post).where(Post.id.in_(post_ids)).options(joinedload(Post.release))
            )
            self._posts = {post.id: post for post in found}

    def embargo_hiding(self, event: AuditEvent) -> datetime | None:
        """Return the embargo that hides the event's words from the reader, or None.

        The operator at the command line (reader None) is on no access list, so reads no words
        about a release before its embargo either.
        """
        if event.post_id is not None:
            post = self._post(event.post_id)
            if post is not None and post.release is not None:
                # A comment on a post is about its text: the text's own rule decides.
                if self.texts is None:
                    return post.release.embargo_at if is_embargoed(post, now=self.now) else None
                if not self.texts.allows(post):
                    return post.release.embargo_at
                return None
        if event.release_id is None:
            return None
        release = self._release(event.release_id)
        if release is None:
            return None
        if self.reader is None:
            return release.embargo_at if release.embargo_at > self.now else None
        wrote = release.created_by_id == self.reader.id
        if may_read(self.session, release, self.reader, wrote=wrote, now=self.now):
            return None
        return release.embargo_at

    def _post(self, post_id: int) -> Post | None:
        return self._posts.get(post_id)

    def _release(self, release_id: int) -> Release | None:
        if release_id not in self._releases:
            self._releases[release_id] = self.session.get(Release, release_id)
        return self._releases[release_id]
