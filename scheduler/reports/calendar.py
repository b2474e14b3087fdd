"""What a calendar shows for a run of local days: office hours, holidays, quiet periods,
embargoes and the posts the person may see (drafts and posts in review among them), each day
bounded by local midnights (23 or 25 hours on the days the clocks change) and, for the week and
day views, cut into hour slots; and what moving a post to another slot would do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    DateTime,
    Executable,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import holds_role, may_read, under_embargo, visible_to
from scheduler.clearance.counting import live_approvals
from scheduler.clearance.transitions import Action, person_actions_from
from scheduler.clearance.units import active_unit
from scheduler.core.local_time import Fold, at_local, is_ambiguous
from scheduler.models import AccessRole, Channel, Post, PostState, QuietPeriod, Release, User
from scheduler.publishing.rules.facts import load_overrides, load_window
from scheduler.publishing.rules.timing import judge_timing
from scheduler.publishing.rules.window import (
    PublishingWindow,
    WindowNeverOpens,
    configured_quiet_periods,
)

#: States whose posts have a slot: a send time, or the moment they went out. Drafts and posts
#: in review sit at the send time they ask for, so the team sees what is coming.
SLOTTED_STATES = (
    PostState.DRAFT,
    PostState.IN_REVIEW,
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
    #: when a post still to go may go, where that is later than its slot (the worker's rule)
    goes_at: datetime | None = None
    channel_id: int = 0
    #: the row version the person saw, which a move sends back to detect someone else's change
    version: int = 0
    #: whether the person is offered to move it: an edit of its send time is open to them
    movable: bool = False


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
class HourSlot:
    """One hour of a local day: its posts, whether office hours are open, its quiet periods."""

    starts_at: datetime
    ends_at: datetime
    in_office_hours: bool
    quiet_periods: list[CalendarQuietPeriod] = field(default_factory=list)
    posts: list[CalendarPost] = field(default_factory=list)


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
    #: every post with its slot on this day, listed or not
    post_count: int = 0
    #: the day's hours, when the calendar was asked for them (week and day views)
    slots: list[HourSlot] = field(default_factory=list)

    @property
    def unlisted(self) -> int:
        """Return how many of the day's posts are counted but not listed."""
        return self.post_count - len(self.posts)

    @property
    def hours(self) -> int:
        """Return how many hours the day has (23 or 25 when the clocks change)."""
        return round((self.ends_at - self.starts_at).total_seconds() / 3600)


#: Written as NOT IN, which no index serves: an IN list of states would lead the planners to
#: the (state, send_at) index and every post of those states, instead of the day's slots.
UNSLOTTED_STATES = tuple(state for state in PostState if state not in SLOTTED_STATES)
#: When a post has its slot: when it went out, or else when it is to go.
SLOT = func.coalesce(Post.published_at, Post.send_at)

CalendarRow = tuple[
    int, PostState, str, str, datetime | None, datetime | None, int, int, int, int | None
]
#: States whose posts are still to go: the calendar says when the rules will let them.
TO_GO_STATES = (PostState.APPROVED, PostState.SCHEDULED)


def _slotted_between(reader: User, start: Any, end: Any) -> ColumnElement[bool]:
    """Return the posts the person may see whose slot is in [start, end).

    Both halves read the index on (published_at, send_at, ...) alone: published posts by
    published_at, the rest (published_at NULL) by send_at.
    """
    return and_(
        visible_to(reader),
        Post.state.not_in(UNSLOTTED_STATES),
        or_(
            and_(Post.published_at >= start, Post.published_at < end),
            and_(Post.published_at.is_(None), Post.send_at >= start, Post.send_at < end),
        ),
    )


def _day_bounds(number: int) -> tuple[BindParameter[datetime], BindParameter[datetime]]:
    instant = Post.published_at.type
    return (
        bindparam(f"starts_{number}", type_=instant),
        bindparam(f"ends_{number}", type_=instant),
    )


#: Statements by (form, days, posts a day, admin, reader id): a month in the UNION ALL form is
#: 84 predicates, which cost SQLAlchemy more to build and key than the database takes to run
#: them. The key must hold everything `visible_to(reader)` reads of the reader (is_admin, id).
_STATEMENTS: dict[tuple[bool, int, int | None, bool, int], tuple[Executable, Executable]] = {}
_STATEMENTS_KEPT = 256


def _day_statements(
    reader: User, day_count: int, per_day: int | None, *, arrays: bool
) -> tuple[Executable, Executable]:
    """Return the count-a-day and posts-to-list statements, in the array form or a branch a day."""
    # The array form serves any number of days.
    key = (arrays, 0 if arrays else day_count, per_day, reader.is_admin, reader.id)
    found = _STATEMENTS.get(key)
    if found is not None:
        return found
    if arrays and per_day is not None:
        made = _array_day_statements(reader, per_day)
    else:
        made = _union_day_statements(reader, day_count, per_day)
    if len(_STATEMENTS) >= _STATEMENTS_KEPT:
        _STATEMENTS.clear()
    _STATEMENTS[key] = made
    return made


def _listed(chosen: ColumnElement[bool]) -> Executable:
    return (
        select(
            Post.id,
            Post.state,
            Post.text,
            Channel.handle,
            Release.embargo_at,
            SLOT,
            Post.channel_id,
            Post.version,
            Post.author_id,
            Post.release_id,
        )
        .join(Channel, Channel.id == Post.channel_id)
        .outerjoin(Release, Release.id == Post.release_id)
        .where(chosen)
        .order_by(SLOT, Post.id)
    )


def _union_day_statements(
    reader: User, day_count: int, per_day: int | None
) -> tuple[Executable, Executable]:
    """Return statements with a UNION ALL branch a day, bound by `starts_N`/`ends_N`."""
    bounds = [_day_bounds(number) for number in range(day_count)]
    counted = union_all(
        *(
            select(literal(number).label("day"), func.count().label("posts")).where(
                _slotted_between(reader, starts, ends)
            )
            for number, (starts, ends) in enumerate(bounds)
        )
    ).subquery()
    counts = select(counted.c.day, counted.c.posts)
    if per_day is None:
        return counts, _listed(_slotted_between(reader, bounds[0][0], bounds[-1][1]))
    # Each day's first posts, in one statement: a UNION ALL of one small sorted read a day.
    firsts = union_all(
        *(
            select(
                select(Post.id)
                .where(_slotted_between(reader, starts, ends))
                .order_by(SLOT, Post.id)
                .limit(per_day)
                .subquery()
            )
            for starts, ends in bounds
        )
    )
    return counts, _listed(Post.id.in_(firsts))


def _array_day_statements(reader: User, per_day: int) -> tuple[Executable, Executable]:
    """Return statements that read each day through its own small index scans, bound by arrays.

    PostgreSQL planned the UNION ALL form anew for every request (84 predicates for a month)
    and read each day's posts from the table, because `published_at in the day OR (NULL and
    send_at in the day)` becomes a bitmap scan. Here the days are rows of `unnest(starts,
    ends)`, and each day reads its two halves (published by published_at, the rest by send_at)
    from the calendar index alone: one small plan, whatever the number of days.
    """
    instants = ARRAY(DateTime(timezone=True))
    days = (
        func.unnest(bindparam("starts", type_=instants), bindparam("ends", type_=instants))
        .table_valued("starts_at", "ends_at", with_ordinality="day")
        .render_derived(name="days")
    )
    visible = and_(visible_to(reader), Post.state.not_in(UNSLOTTED_STATES))
    went_out = and_(
        visible, Post.published_at >= days.c.starts_at, Post.published_at < days.c.ends_at
    )
    to_go = and_(
        visible,
        Post.published_at.is_(None),
        Post.send_at >= days.c.starts_at,
        Post.send_at < days.c.ends_at,
    )

    def count(where: ColumnElement[bool]) -> Any:
        return select(func.count()).where(where).correlate(days).scalar_subquery()

    # ORDINALITY counts from 1; the days are numbered from 0 like the other form's.
    counts = select((days.c.day - 1).label("day"), (count(went_out) + count(to_go)).label("posts"))

    def firsts(slot: Any, where: ColumnElement[bool]) -> Any:
        half = (
            select(Post.id, slot.label("slot"))
            .where(where)
            .order_by(slot, Post.id)
            .limit(per_day)
            .correlate(days)
            .subquery()
        )
        return select(half.c.id, half.c.slot)

    halves = union_all(firsts(Post.published_at, went_out), firsts(Post.send_at, to_go)).subquery()
    chosen = (
        select(halves.c.id)
        .order_by(halves.c.slot, halves.c.id)
        .limit(per_day)
        .correlate(days)
        .lateral()
    )
    ids = select(chosen.c.id).select_from(days).join(chosen, true())
    return counts, _listed(Post.id.in_(ids))


def _bounds(days: list[CalendarDay], *, arrays: bool) -> dict[str, Any]:
    """Return the day bounds as the statements take them: two arrays, or two values a day."""
    if arrays:
        return {
            "starts": [day.starts_at for day in days],
            "ends": [day.ends_at for day in days],
        }
    bounds: dict[str, datetime] = {}
    for number, day in enumerate(days):
        bounds[f"starts_{number}"] = day.starts_at
        bounds[f"ends_{number}"] = day.ends_at
    return bounds


def _posts_by_day(
    session: Session, reader: User, days: list[CalendarDay], per_day: int | None
) -> tuple[list[CalendarRow], list[int]]:
    """Return the posts to list (at most `per_day` a day) and how many each day has."""
    # SQLite has neither arrays nor LATERAL; it plans the UNION ALL form quickly and well.
    arrays = session.get_bind().dialect.name == "postgresql" and per_day is not None
    counts_statement, listed_statement = _day_statements(reader, len(days), per_day, arrays=arrays)
    bounds = _bounds(days, arrays=arrays)
    by_day: dict[int, int] = {
        day: count for day, count in session.execute(counts_statement, bounds)
    }
    counts = [int(by_day.get(number, 0)) for number in range(len(days))]
    rows: list[CalendarRow] = [
        (post_id, state, text, handle, embargo_at, slot, channel_id, version, author, release)
        for (
            post_id,
            state,
            text,
            handle,
            embargo_at,
            slot,
            channel_id,
            version,
            author,
            release,
        ) in session.execute(listed_statement, bounds)
    ]
    return rows, counts


def calendar_days(
    session: Session,
    *,
    reader: User,
    settings: Settings,
    first: date,
    last: date,
    now: datetime,
    per_day: int | None = None,
    hourly: bool = False,
) -> list[CalendarDay]:
    """Return each local day from first to last inclusive, in a few queries whatever the size.

    With `per_day`, each day lists only its first posts (by slot) and counts the rest; with
    `hourly`, each day is also cut into its hour slots, which hold the listed posts.
    """
    zone = settings.timezone
    window = load_window(session, settings, now=now)
    days: list[CalendarDay] = []
    current = first
    while current <= last:
        hours = window.hours_on(current)
        days.append(
            CalendarDay(
                day=current,
                starts_at=at_local(current, time(0), zone),
                ends_at=at_local(current + timedelta(days=1), time(0), zone),
                office_hours=f"{hours[0]:%H:%M} to {hours[1]:%H:%M}" if hours else None,
                holiday=window.holiday_name(current),
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

    listed, counts = _posts_by_day(session, reader, days, per_day)
    to_go = [row[0] for row in listed if row[1] in TO_GO_STATES]
    overrides = load_overrides(session, to_go) if to_go else {}
    may_move = _MoveOffers(
        session, reader, now=now, wanted=any(row[1] in MOVABLE_STATES for row in listed)
    )
    for (
        post_id,
        state,
        text,
        handle,
        embargo_at,
        slot,
        channel_id,
        version,
        author,
        release,
    ) in listed:
        target = day_of(slot) if slot is not None else None
        if target is None or slot is None:
            continue
        # No embargoed text in the calendar for anyone: those on the list open the post.
        embargoed = embargo_at if under_embargo(embargo_at, now=now) else None
        goes_at = None
        if state in TO_GO_STATES:
            goes_at = _goes_at(window, slot, channel_id, embargo_at, overrides.get(post_id))
        target.posts.append(
            CalendarPost(
                post_id=post_id,
                handle=handle,
                state=state,
                at=slot,
                embargoed_until=embargoed,
                excerpt_source=None if embargoed else text,
                goes_at=goes_at,
                channel_id=channel_id,
                version=version,
                movable=may_move.offered(state, channel_id, release, wrote=author == reader.id),
            )
        )
    for day, count in zip(days, counts, strict=True):
        day.posts.sort(key=lambda entry: (entry.at, entry.post_id))
        day.post_count = count

    for release_row in session.scalars(
        select(Release)
        .where(Release.embargo_at >= start, Release.embargo_at < end)
        .order_by(Release.embargo_at, Release.id)
    ):
        target = day_of(release_row.embargo_at)
        if target is not None:
            target.embargoes.append(
                CalendarEmbargo(release_row.id, release_row.title, release_row.embargo_at)
            )

    for span in configured_quiet_periods(settings):
        if span.starts_at < end and span.ends_at > start:
            for day in days:
                if span.starts_at < day.ends_at and span.ends_at > day.starts_at:
                    day.quiet_periods.append(
                        CalendarQuietPeriod(span.name, span.starts_at, span.ends_at, None)
                    )
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
    if hourly:
        for day in days:
            day.slots = _hour_slots(day, window, zone)
    return days


#: States a person may move a post out of: those with an edit row in the transition table.
MOVABLE_STATES = frozenset(
    state for state in PostState if Action.EDIT in person_actions_from(state)
)


class _MoveOffers:
    """Whether a listed post is offered to the reader to move, asked once per channel set."""

    def __init__(self, session: Session, reader: User, *, now: datetime, wanted: bool) -> None:
        self.session = session
        self.reader = reader
        self.now = now
        # The edit's own guards: author access to the channel, and the text readable (before an
        # embargo, only by the people on the release's list). The move itself checks them all.
        self.channels: set[int] = set()
        if wanted:
            self.channels = set(
                session.scalars(select(Channel.id).where(holds_role(reader, AccessRole.AUTHOR)))
            )
        self._readable: dict[tuple[int, bool], bool] = {}

    def offered(
        self, state: PostState, channel_id: int, release_id: int | None, *, wrote: bool
    ) -> bool:
        """Return whether the reader is offered to move a post in the state on the channel."""
        if state not in MOVABLE_STATES or channel_id not in self.channels:
            return False
        if release_id is None:
            return True
        key = (release_id, wrote)
        if key not in self._readable:
            release = self.session.get(Release, release_id)
            self._readable[key] = may_read(
                self.session, release, self.reader, wrote=wrote, now=self.now
            )
        return self._readable[key]


def _hour_slots(day: CalendarDay, window: PublishingWindow, zone: ZoneInfo) -> list[HourSlot]:
    """Cut the day into its hours (23 or 25 on the days the clocks change), posts in each."""
    hours = window.hours_on(day.day)
    slots: list[HourSlot] = []
    starts_at = day.starts_at
    while starts_at < day.ends_at:
        ends_at = min(starts_at + timedelta(hours=1), day.ends_at)
        local_start = starts_at.astimezone(zone).time()
        local_end = (ends_at - timedelta(microseconds=1)).astimezone(zone).time()
        slots.append(
            HourSlot(
                starts_at=starts_at,
                ends_at=ends_at,
                in_office_hours=hours is not None
                and local_start < hours[1]
                and local_end >= hours[0],
                quiet_periods=[
                    period
                    for period in day.quiet_periods
                    if period.starts_at < ends_at and period.ends_at > starts_at
                ],
                posts=[post for post in day.posts if starts_at <= post.at < ends_at],
            )
        )
        starts_at = ends_at
    return slots


def slot_fields(instant: datetime, zone: ZoneInfo) -> dict[str, str]:
    """Return the local date and time of an instant as compose and the move form read them.

    A time the clocks go back over also says which of its two occurrences it is.
    """
    local = instant.astimezone(zone)
    wall = local.replace(tzinfo=None)
    fields = {"date": wall.date().isoformat(), "time": wall.time().isoformat("minutes")}
    if is_ambiguous(wall, zone):
        fields["fold"] = (Fold.LATER if local.fold else Fold.EARLIER).value
    return fields


@dataclass(frozen=True)
class MoveEffect:
    """What changing a post's send time does: to draft, approvals voided, which posts move."""

    back_to_draft: bool
    #: approvals that count now, on the post and everything cleared with it, and stop counting
    approvals_voided: int
    #: the other unfinished posts cleared with it (twin, thread), which move with it
    moving_with_it: tuple[Post, ...]


def move_effect(post: Post) -> MoveEffect:
    """Return what moving the post would do, as edit_post does it (for the confirmation)."""
    unit = active_unit(post)
    return MoveEffect(
        back_to_draft=any(member.state is not PostState.DRAFT for member in unit),
        approvals_voided=sum(len(live_approvals(member)) for member in unit),
        moving_with_it=tuple(member for member in unit if member.id != post.id),
    )


def _goes_at(
    window: PublishingWindow,
    slot: datetime,
    channel_id: int,
    embargo_at: datetime | None,
    override_from: datetime | None,
) -> datetime | None:
    """Return when a post due at its slot may go, if later than the slot (None: at its slot)."""
    try:
        timing = judge_timing(
            window,
            at=slot,
            send_at=slot,
            channel_id=channel_id,
            embargo=embargo_at,
            override_from=override_from,
        )
    except WindowNeverOpens:
        return None
    return None if timing.goes_now else timing.may_go_at


def week_start(day: date) -> date:
    """Return the Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def month_grid(day: date) -> tuple[date, date]:
    """Return the Monday before the month's first day and the Sunday after its last."""
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    last = next_month - timedelta(days=1)
    return week_start(first), week_start(last) + timedelta(days=6)
