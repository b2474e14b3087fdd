"""How ready a release is for its embargo: every post and twin of it in thread order with who
must act next, which approvers can read the text, and what the publishing window says.

Plain Python over a handful of queries (a release has tens of posts, not thousands). The rules
are asked, never restated: which approvals count (clearance/counting.py), who wrote a version
(clearance/authorship.py), who may read embargoed text (access/rules.py), and when a post may go
(publishing/rules/timing.py over the window of publishing/rules/facts.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from config import Settings
from scheduler.access.rules import (
    TextAccess,
    ViewingLog,
    read_texts,
    releases_visible_to,
    under_embargo,
)
from scheduler.clearance.authorship import authors_of
from scheduler.clearance.counting import approval_count, has_approved
from scheduler.clearance.transitions import Action
from scheduler.core.local_time import at_local, describe, describe_clock
from scheduler.models import (
    AccessRole,
    AuditEvent,
    Channel,
    ChannelAccess,
    Post,
    PostState,
    Release,
    ReleaseAccess,
    Thread,
    User,
)
from scheduler.publishing.rules.facts import load_overrides, load_window
from scheduler.publishing.rules.timing import judge_timing
from scheduler.publishing.rules.window import PublishingWindow, WindowNeverOpens

#: Not yet cleared: what the reminders are about. Approved and scheduled posts are cleared.
NOT_CLEARED = frozenset({PostState.DRAFT, PostState.IN_REVIEW})
#: Cleared, and on their way or gone.
CLEARED = frozenset(
    {PostState.APPROVED, PostState.SCHEDULED, PostState.PUBLISHING, PostState.PUBLISHED}
)
#: Finished with: nothing more happens to them.
FINISHED = frozenset({PostState.PUBLISHED, PostState.WITHDRAWN, PostState.REMOVED})
#: Out of the release's count: taken back or taken down.
GONE = frozenset({PostState.WITHDRAWN, PostState.REMOVED})

Actor = Literal["author", "approvers", "worker", "person", "nobody"]


@dataclass(frozen=True)
class NextStep:
    """Who must act next on a post, and what they must do."""

    actor: Actor
    #: e.g. "Clear it: Bob Jones or Carol Smith (1 more approval needed)"
    words: str
    #: The people who may do it, by name (empty for the worker or nobody).
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimingConflict:
    """What the publishing window says against a post's time (or the embargo itself)."""

    handle: str
    at: datetime
    #: "bank_holiday", "quiet_period", "closed_day" or "office_hours"
    kind: str
    #: The worker's own words, ending with when it may go.
    reason: str
    post_id: int | None = None
    #: Where the post sits ("Post 2 of 8"), for a post's conflict.
    place: str = ""


@dataclass(frozen=True)
class BoardPost:
    """One post as the board shows it."""

    post: Post
    #: "Post 3 of 8" in a thread, else "Post"
    place: str
    #: The text, only for a reader who may read it now; None otherwise.
    text: str | None
    next_step: NextStep
    conflict: TimingConflict | None = None


@dataclass(frozen=True)
class BoardRow:
    """A post and its twin, side by side."""

    post: BoardPost
    twin: BoardPost | None = None


@dataclass
class BoardGroup:
    """A thread of the release (with its twin thread), or the release's loose posts."""

    #: The thread's title for readers who may read it; None for loose posts or a hidden title.
    title: str | None
    thread_id: int | None
    handles: tuple[str, ...]
    rows: list[BoardRow] = field(default_factory=list)


@dataclass(frozen=True)
class ApproverReadiness:
    """An approver of one of the release's channels, and whether they can read its text."""

    user: User
    handles: tuple[str, ...]
    on_access_list: bool


@dataclass(frozen=True)
class Board:
    """Everything the readiness board shows about one release, as of `now`."""

    release: Release
    now: datetime
    groups: list[BoardGroup]
    approvers: list[ApproverReadiness]
    channels: list[Channel]
    conflicts: list[TimingConflict]
    #: Posts in review whose text no approver who may clear them can read (before the embargo).
    unreadable: list[Post]
    total: int
    cleared: int
    not_cleared: int
    needs_attention: int
    countdown: str
    is_today: bool
    embargoed: bool


def release_posts(session: Session, release: Release) -> list[Post]:
    """Return every post of the release and of its threads (twins included), oldest first."""
    threads = select(Thread.id).where(Thread.release_id == release.id)
    posts = session.scalars(
        select(Post)
        .where(or_(Post.release_id == release.id, Post.thread_id.in_(threads)))
        .options(
            joinedload(Post.channel),
            joinedload(Post.author),
            joinedload(Post.release),
            joinedload(Post.thread),
            selectinload(Post.approvals),
            selectinload(Post.co_authors),
        )
        .order_by(Post.id)
    ).all()
    found = {post.id: post for post in posts}
    # A twin saved without the release (an older post) still belongs beside its partner.
    missing = {post.twin_id for post in posts if post.twin_id and post.twin_id not in found}
    if missing:
        for twin in session.scalars(
            select(Post)
            .where(Post.id.in_(missing))
            .options(
                joinedload(Post.channel),
                joinedload(Post.author),
                selectinload(Post.approvals),
                selectinload(Post.co_authors),
            )
        ):
            found[twin.id] = twin
    return sorted(found.values(), key=lambda post: post.id)


def _approvers_by_channel(session: Session, channel_ids: Iterable[int]) -> dict[int, list[User]]:
    ids = sorted(set(channel_ids))
    found: dict[int, list[User]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(ChannelAccess.channel_id, User)
        .join(User, User.id == ChannelAccess.user_id)
        .where(
            ChannelAccess.channel_id.in_(ids),
            ChannelAccess.role == AccessRole.APPROVER,
            User.active.is_(True),
        )
        .order_by(func.lower(User.name), User.email)
    )
    for channel_id, user in rows:
        found[channel_id].append(user)
    return found


def _access_list(session: Session, release: Release) -> set[int]:
    return set(
        session.scalars(
            select(ReleaseAccess.user_id)
            .join(User, User.id == ReleaseAccess.user_id)
            .where(ReleaseAccess.release_id == release.id, User.active.is_(True))
        )
    )


def release_channels(posts: Sequence[Post]) -> list[Channel]:
    """Return the channels the posts are on, each once, by handle."""
    channels = {post.channel_id: post.channel for post in posts}
    return sorted(channels.values(), key=lambda channel: channel.handle.lower())


def approvers_of_release(session: Session, release: Release) -> list[ApproverReadiness]:
    """Return the approvers of the release's channels and whether each is on its access list."""
    posts = [post for post in release_posts(session, release) if post.state not in GONE]
    return _approver_readiness(session, release, posts)


def _approver_readiness(
    session: Session, release: Release, posts: Sequence[Post]
) -> list[ApproverReadiness]:
    channels = release_channels(posts)
    by_channel = _approvers_by_channel(session, (channel.id for channel in channels))
    listed = _access_list(session, release)
    people: dict[int, User] = {}
    handles: dict[int, list[str]] = defaultdict(list)
    for channel in channels:
        for user in by_channel.get(channel.id, []):
            people.setdefault(user.id, user)
            handles[user.id].append(channel.handle)
    return sorted(
        (
            ApproverReadiness(user, tuple(handles[user.id]), user.id in listed)
            for user in people.values()
        ),
        key=lambda item: (not item.on_access_list, item.user.display_name.lower()),
    )


def approvers_who_can_read(session: Session, release: Release) -> list[User]:
    """Return the approvers of the release's channels who are on its pre-release access list.

    Before the embargo only they can clear its posts (the guard `text_readable`); the inbox asks
    this before offering to approve a whole embargoed thread.
    """
    return [item.user for item in approvers_of_release(session, release) if item.on_access_list]


def _unit_channel_ids(post: Post) -> set[int]:
    ids = {post.channel_id}
    if post.twin is not None:
        ids.add(post.twin.channel_id)
    thread = post.thread
    if thread is not None and thread.twin_thread is not None:
        ids.add(thread.twin_thread.channel_id)
    return ids


def eligible_approvers(
    post: Post, by_channel: dict[int, list[User]], *, exclude_approved: bool = True
) -> list[User]:
    """Return who may clear the post: approvers of every channel it clears on, none its author."""
    channel_ids = _unit_channel_ids(post)
    candidates: dict[int, User] | None = None
    for channel_id in channel_ids:
        here = {user.id: user for user in by_channel.get(channel_id, [])}
        candidates = (
            here if candidates is None else {k: v for k, v in candidates.items() if k in here}
        )
    writers = authors_of(post)
    return [
        user
        for user in (candidates or {}).values()
        if user.id not in writers and not (exclude_approved and has_approved(post, user))
    ]


def _names(people: Sequence[User]) -> str:
    names = [person.display_name for person in people]
    if len(names) <= 2:
        return " or ".join(names)
    return ", ".join(names[:-1]) + f" or {names[-1]}"


def _sent_back(session: Session, posts: Sequence[Post]) -> set[int]:
    """Return which of the draft posts are drafts because an approver sent them back."""
    drafts = [post.id for post in posts if post.state is PostState.DRAFT]
    if not drafts:
        return set()
    latest = (
        select(AuditEvent.post_id, func.max(AuditEvent.id).label("last"))
        .where(AuditEvent.post_id.in_(drafts), AuditEvent.to_state.is_not(None))
        .group_by(AuditEvent.post_id)
        .subquery()
    )
    rows = session.execute(
        select(AuditEvent.post_id)
        .join(latest, latest.c.last == AuditEvent.id)
        .where(AuditEvent.action == Action.REQUEST_CHANGES.value)
    )
    return {post_id for (post_id,) in rows if post_id is not None}


def next_step(
    post: Post,
    *,
    by_channel: dict[int, list[User]],
    access_list: set[int],
    embargoed: bool,
    sent_back: bool,
    settings: Settings,
    goes_at: datetime | None = None,
) -> NextStep:
    """Return who must act next on the post, and what they must do."""
    zone = settings.timezone
    state = post.state
    author = post.author.display_name
    if state is PostState.DRAFT:
        if sent_back:
            return NextStep("author", "Make the changes asked for and submit it again", (author,))
        return NextStep("author", "Submit it for clearance", (author,))
    if state is PostState.IN_REVIEW:
        still = max(post.channel.approvals_required - approval_count(post), 1)
        more = f"{still} more approval{'s' if still != 1 else ''} needed"
        eligible = eligible_approvers(post, by_channel)
        if not eligible:
            handles = ", ".join(f"@{handle}" for handle in sorted(_unit_handles(post)))
            return NextStep(
                "person",
                f"Nobody can clear it: an admin must give another person approver access "
                f"to {handles} ({more})",
            )
        readers = [user for user in eligible if not embargoed or user.id in access_list]
        if not readers:
            return NextStep(
                "person",
                "No approver who may clear it can read it before the embargo: the release's "
                f"creator or an admin must add one of {_names(eligible)} to the access list "
                f"({more})",
                tuple(user.display_name for user in eligible),
            )
        return NextStep(
            "approvers",
            f"Clear it: {_names(readers)} ({more})",
            tuple(user.display_name for user in readers),
        )
    approvers = [user.display_name for user in by_channel.get(post.channel_id, [])]
    if state is PostState.APPROVED:
        return NextStep(
            "approvers",
            "Set a send time and schedule it" if post.send_at is None else "Schedule it",
            tuple(approvers),
        )
    if state is PostState.SCHEDULED:
        if post.hold_reason:
            return NextStep("worker", f"Holding it: {post.hold_reason}")
        when = goes_at or post.due_at or post.send_at
        words = f"Publishes it at {describe(when, zone)}" if when else "Publishes it when due"
        return NextStep("worker", words)
    if state is PostState.PUBLISHING:
        return NextStep("worker", "Publishing it now")
    if state is PostState.PUBLISHED:
        went = f" at {describe(post.published_at, zone)}" if post.published_at else ""
        return NextStep("nobody", f"Published{went}")
    people = (author, *[name for name in approvers if name != author])
    if state is PostState.FAILED:
        why = f" ({post.last_error})" if post.last_error else ""
        return NextStep("person", f"Find out why it failed{why}, then retry it", people)
    if state is PostState.UNKNOWN:
        return NextStep(
            "person", "Check on the platform whether it went out, then record what you find", people
        )
    if state is PostState.MISSED:
        return NextStep("person", "Publish it now or choose a new send time", people)
    if state is PostState.REMOVED:
        return NextStep("nobody", "Taken down from the platform")
    return NextStep("nobody", "Withdrawn")


def _unit_handles(post: Post) -> set[str]:
    handles = {post.channel.handle}
    if post.twin is not None:
        handles.add(post.twin.channel.handle)
    return handles


def _conflict_at(
    window: PublishingWindow,
    *,
    handle: str,
    channel_id: int,
    at: datetime,
    release: Release,
    override_from: datetime | None = None,
    post_id: int | None = None,
) -> TimingConflict | None:
    """Return what the window says against going at `at` (after the embargo), or None."""
    try:
        timing = judge_timing(
            window,
            at=at,
            send_at=at,
            channel_id=channel_id,
            embargo=release.embargo_at,
            release_title=release.title,
            override_from=override_from,
        )
    except WindowNeverOpens as never:
        return TimingConflict(handle, at, "quiet_period", str(never), post_id)
    if timing.reason is None:
        return None
    block = window.block_at(max(at, release.embargo_at), channel_id)
    return TimingConflict(
        handle, at, block.kind if block else "office_hours", timing.reason, post_id
    )


def countdown_words(embargo_at: datetime, now: datetime, settings: Settings) -> str:
    """Return the time left, e.g. "2 hours 14 minutes to the embargo (09:30 GMT)"."""
    zone = settings.timezone
    same_day = embargo_at.astimezone(zone).date() == now.astimezone(zone).date()
    when = describe_clock(embargo_at, zone) if same_day else describe(embargo_at, zone)
    left = embargo_at - now
    if left <= timedelta(0):
        return f"The embargo passed at {when}"
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes and not days:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if not parts:
        parts.append("Less than a minute")
    return f"{' '.join(parts)} to the embargo ({when})"


def _unreadable(
    posts: Sequence[Post], by_channel: dict[int, list[User]], access_list: set[int]
) -> list[Post]:
    return [
        post
        for post in posts
        if post.state is PostState.IN_REVIEW
        and not any(user.id in access_list for user in eligible_approvers(post, by_channel))
    ]


def unreadable_in_review(session: Session, release: Release, *, now: datetime) -> list[Post]:
    """Return the release's posts in review that no approver who may clear them can read.

    Before the embargo only people on the access list read the text, and nobody clears what
    they cannot read: such a post waits until someone adds an approver to the list.
    """
    if not under_embargo(release.embargo_at, now=now):
        return []
    posts = [post for post in release_posts(session, release) if post.state not in GONE]
    by_channel = _approvers_by_channel(session, (channel.id for channel in release_channels(posts)))
    return _unreadable(posts, by_channel, _access_list(session, release))


def _place(post: Post) -> str:
    if post.thread_id is None or post.thread is None:
        return "Post"
    return f"Post {post.thread_position} of {len(post.thread.posts)}"


def build_board(
    session: Session,
    release: Release,
    *,
    reader: User,
    settings: Settings,
    now: datetime,
    log: ViewingLog | None = None,
) -> Board:
    """Return the release's readiness board as the reader may see it now.

    Texts are read through `read_texts`: only for readers the one rule allows, and each read of
    an embargoed text is noted in `log` (recorded in the session at once without one).
    """
    posts = release_posts(session, release)
    texts = dict(
        zip(
            (post.id for post in posts),
            read_texts(session, posts, reader=reader, now=now, via="board", log=log),
            strict=True,
        )
    )
    live = [post for post in posts if post.state not in GONE]
    channels = release_channels(live or posts)
    by_channel = _approvers_by_channel(session, (channel.id for channel in channels))
    access_list = _access_list(session, release)
    embargoed = under_embargo(release.embargo_at, now=now)
    sent_back = _sent_back(session, posts)
    window = load_window(session, settings, now=now)
    overrides = load_overrides(session, [post.id for post in posts]) if posts else {}
    text_access = TextAccess(session, reader, now=now)

    conflicts: list[TimingConflict] = []
    for channel in channels:
        found = _conflict_at(
            window, handle=channel.handle, channel_id=channel.id, at=release.embargo_at,
            release=release,
        )  # fmt: skip
        if found is not None:
            conflicts.append(found)

    def board_post(post: Post) -> BoardPost:
        conflict = None
        goes_at = None
        if post.state not in FINISHED and post.state is not PostState.PUBLISHING:
            at = max(post.send_at or release.embargo_at, release.embargo_at)
            conflict = _conflict_at(
                window,
                handle=post.channel.handle,
                channel_id=post.channel_id,
                at=at,
                release=release,
                override_from=overrides.get(post.id),
                post_id=post.id,
            )
            at_embargo = {(c.handle, c.at) for c in conflicts if c.post_id is None}
            if conflict is not None and (conflict.handle, conflict.at) not in at_embargo:
                # A post at the embargo is held as its channel is: said once, above.
                conflicts.append(replace(conflict, place=_place(post)))
        if post.state is PostState.SCHEDULED and post.due_at is not None:
            goes_at = post.due_at
        step = next_step(
            post,
            by_channel=by_channel,
            access_list=access_list,
            embargoed=embargoed,
            sent_back=post.id in sent_back,
            settings=settings,
            goes_at=goes_at,
        )
        return BoardPost(post, _place(post), texts[post.id], step, conflict)

    groups = _groups(posts, board_post, text_access)
    unreadable = _unreadable(live, by_channel, access_list) if embargoed else []
    local_today = now.astimezone(settings.timezone).date()
    return Board(
        release=release,
        now=now,
        groups=groups,
        approvers=_approver_readiness(session, release, live or posts),
        channels=channels,
        conflicts=conflicts,
        unreadable=unreadable,
        total=len(live),
        cleared=sum(1 for post in live if post.state in CLEARED),
        not_cleared=sum(1 for post in live if post.state in NOT_CLEARED),
        needs_attention=sum(
            1
            for post in live
            if post.state in (PostState.FAILED, PostState.UNKNOWN, PostState.MISSED)
            or (post.state is PostState.SCHEDULED and post.hold_reason)
        ),
        countdown=countdown_words(release.embargo_at, now, settings),
        is_today=release.embargo_at.astimezone(settings.timezone).date() == local_today,
        embargoed=embargoed,
    )


def _groups(
    posts: Sequence[Post], make: Callable[[Post], BoardPost], text_access: TextAccess
) -> list[BoardGroup]:
    """Arrange the posts: each thread beside its twin thread, in order, then the loose posts."""
    by_id = {post.id: post for post in posts}
    shown: set[int] = set()
    groups: list[BoardGroup] = []
    threads: dict[int, Thread] = {}
    for post in posts:
        if post.thread is not None:
            threads.setdefault(post.thread.id, post.thread)
    for thread in sorted(threads.values(), key=lambda item: item.id):
        if thread.id in {t.twin_thread_id for t in threads.values() if t.id < thread.id}:
            continue  # shown beside the thread it twins
        members = sorted(
            (post for post in posts if post.thread_id == thread.id),
            key=lambda post: post.thread_position or 0,
        )
        handles = [thread.channel.handle]
        if thread.twin_thread is not None:
            handles.append(thread.twin_thread.channel.handle)
        group = BoardGroup(
            title=(thread.title or None) if text_access.allows_title(thread) else None,
            thread_id=thread.id,
            handles=tuple(handles),
        )
        for post in members:
            twin = by_id.get(post.twin_id or 0)
            group.rows.append(BoardRow(make(post), make(twin) if twin is not None else None))
            shown.update({post.id, twin.id if twin is not None else post.id})
        if thread.twin_thread is not None:
            # Posts of the twin thread with no partner here still appear.
            for post in sorted(
                (p for p in posts if p.thread_id == thread.twin_thread.id and p.id not in shown),
                key=lambda post: post.thread_position or 0,
            ):
                group.rows.append(BoardRow(make(post)))
                shown.add(post.id)
        groups.append(group)
    loose = [post for post in posts if post.id not in shown]
    if loose:
        group = BoardGroup(
            title=None,
            thread_id=None,
            handles=tuple(sorted({post.channel.handle for post in loose})),
        )
        loose.sort(
            key=lambda post: (post.send_at is None, post.send_at or post.created_at, post.id)
        )
        for post in loose:
            if post.id in shown:
                continue
            twin = by_id.get(post.twin_id or 0)
            if twin is not None and twin.id in shown:
                twin = None
            group.rows.append(BoardRow(make(post), make(twin) if twin is not None else None))
            shown.update({post.id, twin.id if twin is not None else post.id})
        groups.append(group)
    return groups


@dataclass(frozen=True)
class ReleaseSummary:
    """One release in the list: its counts and whether its embargo is today."""

    release: Release
    total: int
    cleared: int
    not_cleared: int
    is_today: bool


def list_release_summaries(
    session: Session,
    *,
    reader: User,
    settings: Settings,
    now: datetime,
    upcoming: bool,
    limit: int = 100,
) -> list[ReleaseSummary]:
    """Return the releases the reader may see: upcoming (from today on) soonest first, or past
    ones newest first, each with its posts counted by clearance."""
    zone = settings.timezone
    today = now.astimezone(zone).date()
    start_of_today = at_local(today, datetime.min.time(), zone)
    query = select(Release).where(releases_visible_to(reader)).limit(limit)
    if upcoming:
        query = query.where(Release.embargo_at >= start_of_today).order_by(
            Release.embargo_at, Release.id
        )
    else:
        query = query.where(Release.embargo_at < start_of_today).order_by(
            Release.embargo_at.desc(), Release.id.desc()
        )
    releases = session.scalars(query).all()
    if not releases:
        return []
    counts: dict[int, dict[PostState, int]] = defaultdict(dict)
    for release_id, state, count in session.execute(
        select(Post.release_id, Post.state, func.count())
        .where(Post.release_id.in_([release.id for release in releases]))
        .group_by(Post.release_id, Post.state)
    ):
        if release_id is not None:
            counts[release_id][PostState(state)] = count
    summaries = []
    for release in releases:
        by_state = counts.get(release.id, {})
        summaries.append(
            ReleaseSummary(
                release=release,
                total=sum(n for state, n in by_state.items() if state not in GONE),
                cleared=sum(n for state, n in by_state.items() if state in CLEARED),
                not_cleared=sum(n for state, n in by_state.items() if state in NOT_CLEARED),
                is_today=release.embargo_at.astimezone(zone).date() == today,
            )
        )
    return summaries
