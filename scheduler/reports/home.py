"""What waits for one person on their home page: a few of each kind, each query bounded.

Every section reads at most a fixed number of rows through an index that matches its query, so
the page costs the same with 100,000 posts as with 100; each says whether there is more, for the
page to link to the full list (the inbox, the queue).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from scheduler.access.rules import may_clear_posts, visible_to
from scheduler.clearance.units import clearance_unit
from scheduler.core.local_time import at_local
from scheduler.models import AuditEvent, Post, PostState, Release, Thread, User
from scheduler.models.post import state_literal
from scheduler.reports.inbox import waiting_for

#: Units shown in each section before "see all".
SECTION_LIMIT = 5
#: Rows read to find that many units (a thread of 8 with its twins is 16 posts); a section
#: that reads this many says there may be more.
SCAN_LIMIT = 30
#: The person's newest drafts read for both draft sections: each costs an index probe of the
#: audit trail (was it sent back?), so a person with thousands of drafts does not slow the page.
DRAFT_CANDIDATES = 100
#: Releases shown for today and tomorrow together.
RELEASE_LIMIT = 10

#: Where a post is cleared: it may go (or has gone) once its time comes.
CLEARED_STATES = frozenset(
    {PostState.APPROVED, PostState.SCHEDULED, PostState.PUBLISHING, PostState.PUBLISHED}
)
#: Posts no longer part of a release's plan.
LEFT_OUT_STATES = (PostState.WITHDRAWN, PostState.REMOVED)
#: The audit action of a send-back (the transition table's name).
SEND_BACK = "request_changes"

T = TypeVar("T")


class Trouble(StrEnum):
    """Why a post needs a person: it failed, its outcome is unknown, it missed or it is held."""

    FAILED = "failed"
    UNKNOWN = "unknown"
    MISSED = "missed"
    HELD = "held"


@dataclass(frozen=True)
class Section(Generic[T]):
    """Up to a section's limit of items, and whether there are more than shown."""

    items: list[T] = field(default_factory=list)
    more: bool = False


@dataclass(frozen=True)
class SentBack:
    """A unit sent back to its author: the send-back's comment, who sent it back and when."""

    unit: list[Post]
    comment: str
    by: User | None
    at: datetime

    @property
    def lead(self) -> Post:
        """Return the post the unit is listed by."""
        return self.unit[0]


@dataclass(frozen=True)
class TroubledUnit:
    """A unit with a post that failed, is of unknown outcome, missed its time or is held."""

    unit: list[Post]
    trouble: Trouble

    @property
    def lead(self) -> Post:
        """Return the post in trouble the unit is listed by."""
        return self.unit[0]

    @property
    def reason(self) -> str:
        """Return what went wrong, in the worker's words where it gave some."""
        post = self.lead
        if self.trouble is Trouble.HELD:
            return post.hold_reason or ""
        if self.trouble is Trouble.FAILED:
            return post.last_error or ""
        return post.hold_reason or post.last_error or ""


@dataclass(frozen=True)
class ReleaseDay:
    """A release whose embargo falls today or tomorrow, and how far its posts are cleared."""

    release: Release
    day: date
    is_today: bool
    posts: int
    cleared: int


@dataclass(frozen=True)
class Home:
    """Everything the home page shows one person. `to_clear` is None for those who clear nothing."""

    to_clear: Section[list[Post]] | None
    sent_back: Section[SentBack]
    troubles: Section[TroubledUnit]
    drafts: Section[list[Post]]
    releases: list[ReleaseDay]


def _with_units(query: Select[Post]) -> Select[Post]:
    """Load what grouping into units and showing a post need, a batch at a time."""
    return query.options(
        joinedload(Post.channel),
        joinedload(Post.author),
        joinedload(Post.release),
        selectinload(Post.twin).joinedload(Post.channel),
        selectinload(Post.thread).options(
            selectinload(Thread.posts).joinedload(Post.channel),
            selectinload(Thread.twin_thread).selectinload(Thread.posts).joinedload(Post.channel),
        ),
    )


def _candidates(*columns: Any) -> Select[Any]:
    """Return a query for the columns that place a post in its unit, plus any others asked.

    The sections first read these few columns through their index, choose the units to show,
    and only then load those units' posts in full (the ORM's loading, not the database, was
    most of the cost: 40 ms for 120 full rows at 100,000 posts).
    """
    return select(Post.id, Post.thread_id, Post.twin_id, Thread.twin_thread_id, *columns).outerjoin(
        Thread, Thread.id == Post.thread_id
    )


def _unit_key(row: Row[Any]) -> tuple[str, int]:
    """Return what all posts of one clearance unit share: their thread pair, or their twin pair."""
    if row.thread_id is not None:
        return ("thread", min(row.thread_id, row.twin_thread_id or row.thread_id))
    return ("post", min(row.id, row.twin_id or row.id))


def _pick(rows: Iterable[Row[Any]], limit: int) -> tuple[list[Row[Any]], bool]:
    """Return the first row met of each unit, up to the limit, and whether there were more."""
    seen: set[tuple[str, int]] = set()
    picked: list[Row[Any]] = []
    for row in rows:
        key = _unit_key(row)
        if key in seen:
            continue
        seen.add(key)
        if len(picked) == limit:
            return picked, True
        picked.append(row)
    return picked, False


def _units(session: Session, lead_ids: Sequence[int]) -> dict[int, list[Post]]:
    """Return each lead's clearance unit, the lead first, loaded in a few batches."""
    if not lead_ids:
        return {}
    posts = session.scalars(_with_units(select(Post).where(Post.id.in_(lead_ids)))).unique().all()
    return {
        post.id: [post] + [member for member in clearance_unit(post) if member.id != post.id]
        for post in posts
    }


def _became_draft() -> ColumnElement[int | None]:
    """Return, for each post, the id of the audit event that last made it a draft.

    A draft's own edits (draft to draft) do not count: a post sent back and then edited is
    still waiting to be submitted again. Read through `ix_audit_events_post_id_id`.
    """
    return (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.post_id == Post.id,
            AuditEvent.to_state == PostState.DRAFT.value,
            or_(AuditEvent.from_state.is_(None), AuditEvent.from_state != PostState.DRAFT.value),
        )
        .correlate(Post)
        .scalar_subquery()
    )


def _own_drafts(user: User) -> ColumnElement[bool]:
    # A literal state, as the partial indexes and `ix_posts_state_id` want it.
    return and_(Post.author_id == user.id, Post.state == state_literal(PostState.DRAFT))


def _drafts_and_send_backs(
    session: Session, user: User, *, limit: int
) -> tuple[Section[SentBack], Section[list[Post]]]:
    """Return the person's drafts sent back to them, and their other drafts, newest first.

    Both come from their newest drafts (`DRAFT_CANDIDATES`), each with the audit event that
    last made it a draft, so the page stays fast for someone with thousands (the queue lists
    them all). Two plain statements, not one join, so that no planner walks the whole audit
    trail looking for send-backs.
    """
    candidates = session.execute(
        _candidates(_became_draft().label("became_id"))
        .where(_own_drafts(user))
        .order_by(Post.id.desc())
        .limit(DRAFT_CANDIDATES)
    ).all()
    event_ids = {row.became_id for row in candidates} - {None}
    send_backs = (
        {
            event.id: event
            for event in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.id.in_(event_ids), AuditEvent.action == SEND_BACK
                )
            )
        }
        if event_ids
        else {}
    )
    full = len(candidates) == DRAFT_CANDIDATES
    sent_back_rows = sorted(
        (row for row in candidates if row.became_id in send_backs),
        key=lambda row: row.became_id,
        reverse=True,
    )
    plain_rows = [row for row in candidates if row.became_id not in send_backs]
    sent_back_picked, more_sent_back = _pick(sent_back_rows, limit)
    drafts_picked, more_drafts = _pick(plain_rows, limit)
    units = _units(session, [row.id for row in sent_back_picked + drafts_picked])
    actor_ids = {send_backs[row.became_id].actor_id for row in sent_back_picked} - {None}
    actors = (
        {user.id: user for user in session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    sent_back = []
    for row in sent_back_picked:
        event = send_backs[row.became_id]
        sent_back.append(
            SentBack(
                unit=units[row.id],
                comment=event.comment,
                by=actors.get(event.actor_id) if event.actor_id is not None else None,
                at=event.occurred_at,
            )
        )
    return (
        Section(sent_back, more_sent_back or full),
        Section([units[row.id] for row in drafts_picked], more_drafts or full),
    )


def sent_back_to(session: Session, user: User, *, limit: int = SECTION_LIMIT) -> Section[SentBack]:
    """Return the person's drafts last sent back to them, newest send-back first."""
    return _drafts_and_send_backs(session, user, limit=limit)[0]


def drafts_of(session: Session, user: User, *, limit: int = SECTION_LIMIT) -> Section[list[Post]]:
    """Return the person's own drafts not sent back to them, newest first, by unit."""
    return _drafts_and_send_backs(session, user, limit=limit)[1]


def troubles_for(
    session: Session, user: User, *, limit: int = SECTION_LIMIT
) -> Section[TroubledUnit]:
    """Return posts on the person's channels that failed, are unknown, missed or are held.

    One query per kind, each walking its own index (`ix_posts_state_id`, or the partial
    `ix_posts_held`) and stopping after a bounded number of rows.
    """
    found: list[tuple[Trouble, Row[Any]]] = []
    full = False
    for trouble in (Trouble.FAILED, Trouble.UNKNOWN, Trouble.MISSED):
        query = (
            _candidates(Post.updated_at)
            .where(Post.state == state_literal(PostState(trouble.value)), visible_to(user))
            .order_by(Post.id.desc())
            .limit(SCAN_LIMIT)
        )
        rows = session.execute(query).all()
        full = full or len(rows) == SCAN_LIMIT
        found.extend((trouble, row) for row in rows)
    held = (
        _candidates(Post.updated_at)
        .where(
            Post.state == state_literal(PostState.SCHEDULED),
            Post.hold_reason.is_not(None),
            visible_to(user),
        )
        .order_by(Post.due_at)
        .limit(SCAN_LIMIT)
    )
    rows = session.execute(held).all()
    full = full or len(rows) == SCAN_LIMIT
    found.extend((Trouble.HELD, row) for row in rows)
    # The most recent trouble first, whatever its kind.
    found.sort(key=lambda entry: (entry[1].updated_at, entry[1].id), reverse=True)
    kinds = {row.id: trouble for trouble, row in found}
    picked, more = _pick((row for _trouble, row in found), limit)
    units = _units(session, [row.id for row in picked])
    items = [TroubledUnit(units[row.id], kinds[row.id]) for row in picked]
    return Section(items, more or full)


def to_clear_for(
    session: Session, user: User, *, limit: int = SECTION_LIMIT
) -> Section[list[Post]] | None:
    """Return the units waiting for the person's clearance (the inbox's); None: clears none."""
    if not may_clear_posts(session, user):
        return None
    page = waiting_for(session, user, limit=limit + 1)
    return Section(page.units[:limit], len(page.units) > limit)


def releases_soon(
    session: Session, user: User, *, zone: ZoneInfo, now: datetime, limit: int = RELEASE_LIMIT
) -> list[ReleaseDay]:
    """Return the releases whose embargo falls today or tomorrow (local days), with counts.

    Counted are the release's posts the person may see listed, withdrawn and removed ones left
    out; cleared means approved, scheduled, publishing or published.
    """
    today = now.astimezone(zone).date()
    starts = at_local(today, time(0), zone)
    ends = at_local(today + timedelta(days=2), time(0), zone)
    releases = session.scalars(
        select(Release)
        .where(Release.embargo_at >= starts, Release.embargo_at < ends)
        .order_by(Release.embargo_at, Release.id)
        .limit(limit)
    ).all()
    if not releases:
        return []
    counts: dict[int, dict[PostState, int]] = {release.id: {} for release in releases}
    rows = session.execute(
        select(Post.release_id, Post.state, func.count())
        .where(
            Post.release_id.in_(list(counts)),
            Post.state.not_in(LEFT_OUT_STATES),
            visible_to(user),
        )
        .group_by(Post.release_id, Post.state)
    ).all()
    for release_id, state, count in rows:
        assert release_id is not None
        counts[release_id][state] = count
    days = []
    for release in releases:
        by_state = counts[release.id]
        day = release.embargo_at.astimezone(zone).date()
        days.append(
            ReleaseDay(
                release=release,
                day=day,
                is_today=day == today,
                posts=sum(by_state.values()),
                cleared=sum(count for state, count in by_state.items() if state in CLEARED_STATES),
            )
        )
    return days


def home_for(
    session: Session, user: User, *, zone: ZoneInfo, now: datetime, limit: int = SECTION_LIMIT
) -> Home:
    """Return what waits for the person: to clear, sent back, in trouble, drafts, releases."""
    sent_back, drafts = _drafts_and_send_backs(session, user, limit=limit)
    return Home(
        to_clear=to_clear_for(session, user, limit=limit),
        sent_back=sent_back,
        troubles=troubles_for(session, user, limit=limit),
        drafts=drafts,
        releases=releases_soon(session, user, zone=zone, now=now),
    )


def lead_posts(home: Home) -> Sequence[Post]:
    """Return the post each listed unit is shown by (whose text the page shows)."""
    leads: list[Post] = []
    if home.to_clear is not None:
        leads.extend(unit[0] for unit in home.to_clear.items)
    leads.extend(item.lead for item in home.sent_back.items)
    leads.extend(item.lead for item in home.troubles.items)
    leads.extend(unit[0] for unit in home.drafts.items)
    return leads


__all__ = [
    "CLEARED_STATES",
    "Home",
    "ReleaseDay",
    "Section",
    "SentBack",
    "Trouble",
    "TroubledUnit",
    "drafts_of",
    "home_for",
    "lead_posts",
    "releases_soon",
    "sent_back_to",
    "to_clear_for",
    "troubles_for",
]
