"""What a calendar shows for a run of local days: office hours, holidays, quiet periods,
embargoes and the posts the person may see, each day bounded by local midnights (23 or 25 hours
on the days the clocks change)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from config import Settings
from scheduler.local_time import at_local
from scheduler.models import Channel, Post, PostState, QuietPeriod, Release, User
from scheduler.post_access import visible_to
from scheduler.publishing.window import PublishingWindow

#: States whose posts have a slot: a send time, or the moment they went out.
SLOTTED_STATES = (
    PostState.APPROVED,
    PostState.SCHEDULED,
    PostState.PUBLISHING,
    PostState.PUBLISHED,
    PostState.FAILED,
    PostState.UNKNOWN,
    PostState.MISSED,
)


@dataclass(frozen=True)
class CalendarPost:
    """A post in its slot; `embargoed_until` set while its release is embargoed."""

    post_id: int
    handle: str
    state: PostState
    at: datetime
    embargoed_until: datetime | None
    excerpt_source: str | None  # the text, only when not embargoed


@dataclass(frozen=True)
class CalendarEmbargo:
    """A release's embargo instant."""

    release_id: int
    title: str
    at: datetime


@dataclass(frozen=True)
class CalendarQuietPeriod:
    """A quiet period touching the day."""

    name: str
    starts_at: datetime
    ends_at: datetime
    channel_handle: str | None


@dataclass
class CalendarDay:
    """One local day."""

    day: date
    starts_at: datetime
    ends_at: datetime
    office_hours: str | None
    holiday: str | None
    quiet_periods: list[CalendarQuietPeriod] = field(default_factory=list)
    embargoes: list[CalendarEmbargo] = field(default_factory=list)
    posts: list[CalendarPost] = field(default_factory=list)

    @property
    def hours(self) -> int:
        """Return how many hours the day has (23 or 25 when the clocks change)."""
        return round((self.ends_at - self.starts_at).total_seconds() / 3600)


def _slot(post: Post) -> datetime | None:
    return post.published_at if post.published_at is not None else post.send_at


def calendar_days(
    session: Session,
    *,
    reader: User,
    settings: Settings,
    first: date,
    last: date,
    now: datetime,
) -> list[CalendarDay]:
    """Return each local day from first to last inclusive, in three queries whatever the size."""
    zone = settings.timezone
    window = PublishingWindow(settings)
    hours = settings.office_hours
    days: list[CalendarDay] = []
    current = first
    while current <= last:
        holiday = window.holiday_name(current)
        open_day = current.weekday() in hours.weekdays and holiday is None
        days.append(
            CalendarDay(
                day=current,
                starts_at=at_local(current, time(0), zone),
                ends_at=at_local(current + timedelta(days=1), time(0), zone),
                office_hours=f"{hours.start:%H:%M} to {hours.end:%H:%M}" if open_day else None,
                holiday=holiday,
            )
        )
        current += timedelta(days=1)
    if not days:
        return days
    start, end = days[0].starts_at, days[-1].ends_at

    def day_of(instant: datetime) -> CalendarDay | None:
        local_day = instant.astimezone(zone).date()
        index = (local_day - first).days
        return days[index] if 0 <= index < len(days) else None

    posts = session.scalars(
        select(Post)
        .where(
            visible_to(reader),
            Post.state.in_(SLOTTED_STATES),
            or_(
                and_(Post.published_at >= start, Post.published_at < end),
                and_(Post.published_at.is_(None), Post.send_at >= start, Post.send_at < end),
            ),
        )
        .options(joinedload(Post.channel), joinedload(Post.release))
        .order_by(Post.send_at, Post.id)
    ).all()
    for post in posts:
        slot = _slot(post)
        target = day_of(slot) if slot is not None else None
        if target is None or slot is None:
            continue
        release = post.release
        embargoed = release.embargo_at if release and now < release.embargo_at else None
        target.posts.append(
            CalendarPost(
                post_id=post.id,
                handle=post.channel.handle,
                state=post.state,
                at=slot,
                embargoed_until=embargoed,
                excerpt_source=None if embargoed else post.text,
            )
        )
    for day in days:
        day.posts.sort(key=lambda entry: (entry.at, entry.post_id))

    for release in session.scalars(
        select(Release)
        .where(Release.embargo_at >= start, Release.embargo_at < end)
        .order_by(Release.embargo_at, Release.id)
    ):
        target = day_of(release.embargo_at)
        if target is not None:
            target.embargoes.append(CalendarEmbargo(release.id, release.title, release.embargo_at))

    periods = session.execute(
        select(QuietPeriod, Channel.handle)
        .outerjoin(Channel, Channel.id == QuietPeriod.channel_id)
        .where(
            QuietPeriod.cancelled_at.is_(None),
            QuietPeriod.starts_at < end,
            QuietPeriod.ends_at > start,
        )
        .order_by(QuietPeriod.starts_at, QuietPeriod.id)
    ).all()
    for period, handle in periods:
        for day in days:
            if period.starts_at < day.ends_at and period.ends_at > day.starts_at:
                day.quiet_periods.append(
                    CalendarQuietPeriod(period.name, period.starts_at, period.ends_at, handle)
                )
    return days


def week_start(day: date) -> date:
    """Return the Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def month_grid(day: date) -> tuple[date, date]:
    """Return the Monday before the month's first day and the Sunday after its last."""
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    last = next_month - timedelta(days=1)
    return week_start(first), week_start(last) + timedelta(days=6)
