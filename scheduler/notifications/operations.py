"""Turn the audit trail into notifications, one per clearance unit, kind and person.

Notifications are made from audit events past a watermark, not from inside each operation: every
state change already writes exactly one audit event, from the clearance operations (ORM) and from
the worker (bulk Core inserts) alike, so reading the trail catches both paths without coupling the
domain or the worker's hot path to notifications, and a crash between the change and the
notification cannot lose one (the watermark only moves in the same transaction as the rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from scheduler.clearance.transitions import Action, audit_names, table_action
from scheduler.clearance.units import clearance_unit
from scheduler.core.audit import record_post
from scheduler.models import (
    AccessRole,
    AuditEvent,
    Channel,
    ChannelAccess,
    Notification,
    NotificationCursor,
    Post,
    PostState,
    Release,
    Role,
    Thread,
    User,
    utcnow,
)
from scheduler.models.notification import EmailState, NotificationPost
from scheduler.notifications.choices import wanting_no_email
from scheduler.notifications.grouping import describe_posts, unit_anchor

#: Events older than this when first read are passed over (a new install's history, a long
#: outage): a flood of stale news helps nobody.
STALE_AFTER = timedelta(days=2)
BATCH = 500


@dataclass(frozen=True)
class Trigger:
    """Who hears about an audit action, as what kind, and in what words."""

    kind: str
    wording: str  # completes "Post 12 on @ons ..."
    author: bool
    approvers: bool
    #: The wording ends with who acted ("... was edited by Ann Smith").
    names_actor: bool = False
    #: Other wordings, chosen by the event's comment when it is one of these reasons.
    by_reason: Mapping[str, str] = field(default_factory=dict)
    #: The people the event's details name as mentioned hear about it (a comment's @mentions).
    mentioned: bool = False

    def wording_for(self, comment: str | None) -> str:
        """Return the words for an event: its reason's own, else the trigger's."""
        return self.by_reason.get(comment or "", self.wording)


#: Why a release's post that was never scheduled is not going at its embargo: the comment of its
#: held-at-embargo alert, for the audit trail, and the key of the notification's words.
NOT_CLEARED = "Not cleared when its release's embargo passed"
NO_SEND_TIME = "Approved, with no send time, when its release's embargo passed"
NOT_SCHEDULED = "Approved but not scheduled when its release's embargo passed"


A = Action
#: The transition table's actions (with the state they lead to, when it matters) that notify
#: someone. The worker writes the same names (scheduler/publishing/rules/vocabulary.py).
TRIGGERS: dict[tuple[str, str | None], Trigger] = {
    (A.SUBMIT, None): Trigger("submitted", "is waiting for your clearance", False, True),
    (A.REQUEST_CHANGES, None): Trigger("sent_back", "was sent back to you", True, False),
    (A.APPROVE, "approved"): Trigger("approved", "was approved", True, False),
    (A.APPROVE, "scheduled"): Trigger("scheduled", "was approved and scheduled", True, False),
    (A.SCHEDULE, None): Trigger("scheduled", "was scheduled", True, False),
    # Only someone else's edit reaches the author: nobody is told what they did themselves. Every
    # kind of edit (transitions.EDIT_KINDS) makes its editor an author of the post, so each tells.
    (A.EDIT, None): Trigger("edited", "was edited by", True, False, names_actor=True),
    (A.TWIN_ADDED, None): Trigger("edited", "had a twin added by", True, False, names_actor=True),
    (A.IMAGE_ATTACHED, None): Trigger(
        "edited", "had an image attached by", True, False, names_actor=True
    ),
    (A.IMAGE_REMOVED, None): Trigger(
        "edited", "had an image removed by", True, False, names_actor=True
    ),
    (A.THREAD_REORDERED, None): Trigger(
        "edited", "had its thread reordered by", True, False, names_actor=True
    ),
    (A.MARK_FAILED, None): Trigger("failed", "failed to publish", True, True),
    # Never the comment's words: they may quote an embargoed text.
    (A.COMMENT, None): Trigger(
        "mentioned", "has a comment mentioning you by", False, False, True, mentioned=True
    ),
    (A.MARK_UNKNOWN, None): Trigger(
        "unknown", "may or may not have been published; check it", True, True
    ),
    (A.MARK_MISSED, None): Trigger("missed", "missed its send time", True, True),
    (A.ALERT_TWIN_LEFT_BEHIND, None): Trigger(
        "left_behind", "was left behind: its twin went out without it", True, True
    ),
    (A.ALERT_HELD_AT_EMBARGO, None): Trigger(
        "held_at_embargo",
        "is still held after its release's embargo passed",
        True,
        True,
        by_reason={
            NOT_CLEARED: "is not cleared at its release's embargo",
            NO_SEND_TIME: "is approved but has no send time",
            NOT_SCHEDULED: "is approved but not scheduled",
        },
    ),
}


#: The channel events (no post) that notify the channel's owner and the admins.
CHANNEL_TRIGGERS: dict[str, Trigger] = {
    "connection_failed": Trigger(
        "connection_failed",
        "cannot publish: its platform no longer accepts its credentials; connect it again",
        False,
        False,
    ),
}
#: The longest platform reason copied into a notification (it goes into an e-mail's subject).
REASON_LIMIT = 200


def trigger_for(action: str, to_state: str | None) -> Trigger | None:
    """Return what an audit action notifies (by the table's name or a former one), or None."""
    action = table_action(action, to_state)
    return TRIGGERS.get((action, to_state)) or TRIGGERS.get((action, None))


def _cursor(session: Session) -> NotificationCursor:
    # Locked (PostgreSQL) so two workers never read the same stretch of the trail at once.
    locked = select(NotificationCursor).where(NotificationCursor.id == 1).with_for_update()
    cursor = session.scalar(locked)
    if cursor is None:
        # Workers starting together may both find no row: the second insert waits for the
        # first and then does nothing, rather than failing (and logging) on the primary key.
        dialect = session.get_bind().dialect.name
        create = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}.get(dialect, insert)
        statement = create(NotificationCursor).values(id=1, last_audit_event_id=0)
        if hasattr(statement, "on_conflict_do_nothing"):
            statement = statement.on_conflict_do_nothing(index_elements=["id"])
        session.execute(statement)
        cursor = session.scalars(locked.execution_options(populate_existing=True)).one()
    return cursor


#: Who the held-at-embargo alerts are recorded as.
NOTIFIER_LABEL = "notifications"
#: Where a hold by the claim's rules starts from (the table's scheduled -> scheduled hold).
HELD_BY_RULE = PostState.SCHEDULED
#: A release's posts in these states were never put on the queue: at the embargo they stay.
NEVER_SCHEDULED = (PostState.DRAFT, PostState.IN_REVIEW, PostState.APPROVED)


def alert_held_at_embargo(session: Session, *, now: datetime) -> int:
    """Record an alert for each post not going out after its release's embargo; return how many.

    Runs with the notifications, not in the worker's pass, so it costs the hot path nothing.
    Once per post and release, whatever holds it: the alert itself, in the trail, is the record
    that people were told. Each post alerts for itself (a twin or thread post held for another
    that is not cleared alerts as held; that other one alerts as not cleared).
    """
    alerts = sorted(
        [*_held_by_rule(session, now=now), *_never_scheduled(session, now=now)],
        key=lambda alert: alert[0].id,
    )
    for post, reason in alerts:
        record_post(
            session,
            A.ALERT_HELD_AT_EMBARGO,
            post,
            actor_label=NOTIFIER_LABEL,
            comment=reason,
            at=now,
        )
    session.flush()
    return len(alerts)


def _not_yet_alerted(now: datetime) -> Select[Post]:
    """Select the posts of releases whose embargo passed lately that have not alerted for it."""
    already = exists().where(
        AuditEvent.post_id == Post.id,
        AuditEvent.action == A.ALERT_HELD_AT_EMBARGO.value,
        AuditEvent.release_id == Post.release_id,
    )
    return (
        select(Post)
        .join(Release, Release.id == Post.release_id)
        .where(
            Release.embargo_at <= now,
            Release.embargo_at > now - STALE_AFTER,
            ~already,
        )
        .order_by(Post.id)
    )


def _held_by_rule(session: Session, *, now: datetime) -> list[tuple[Post, str]]:
    """Return the scheduled posts the worker has held by a rule since the embargo, and why.

    A post counts once the worker has held it by a rule since the embargo (its row changed after
    it, and its latest event is that hold), so a hold from before the embargo that the next
    pass clears is not news, and neither is a retry or pacing.
    """
    # Held by a rule at the claim: not waiting out a retry or the channel's rate limit (those
    # are `mark_retry`, and go by themselves), nor held in a lane for a twin or thread post that
    # did not go (its own event says why, and notifies when it matters).
    event = aliased(AuditEvent)
    latest = (
        select(event.id)
        .where(event.post_id == Post.id)
        .order_by(event.id.desc())
        .limit(1)
        .correlate(Post)
        .scalar_subquery()
    )
    held_by_rule = exists().where(
        event.id == latest,
        event.action.in_(audit_names(A.MARK_HELD)),
        event.from_state == HELD_BY_RULE.value,
    )
    held = session.scalars(
        _not_yet_alerted(now).where(
            Post.state == PostState.SCHEDULED,
            Post.hold_reason.is_not(None),
            Post.updated_at >= Release.embargo_at,
            held_by_rule,
        )
    ).all()
    return [(post, post.hold_reason or "") for post in held]


def _never_scheduled(session: Session, *, now: datetime) -> list[tuple[Post, str]]:
    """Return the posts there at the embargo that were never scheduled, and why they wait.

    Withdrawn, published, removed and in-flight posts are not among them, nor failed, unknown
    or missed ones (their own alerts went); nor a post written after the embargo, whose author
    knows it is late.
    """
    waiting = session.scalars(
        _not_yet_alerted(now).where(
            Post.state.in_(NEVER_SCHEDULED),
            Post.created_at < Release.embargo_at,
        )
    ).all()
    return [(post, _why_not_scheduled(post)) for post in waiting]


def _why_not_scheduled(post: Post) -> str:
    if post.state is not PostState.APPROVED:
        return NOT_CLEARED
    return NO_SEND_TIME if post.send_at is None else NOT_SCHEDULED


def _approvers(session: Session, channel_ids: Iterable[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    ids = sorted(set(channel_ids))
    if not ids:
        return found
    rows = session.execute(
        select(ChannelAccess.channel_id, ChannelAccess.user_id)
        .join(User, User.id == ChannelAccess.user_id)
        .where(
            ChannelAccess.channel_id.in_(ids),
            ChannelAccess.role == AccessRole.APPROVER,
            User.active.is_(True),
        )
        .order_by(ChannelAccess.user_id)
    )
    for channel_id, user_id in rows:
        found[channel_id].append(user_id)
    return found


def _names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name, User.email).where(User.id.in_(ids)))
    # One line whatever the name holds: it goes into an e-mail's subject.
    return {row.id: " ".join((row.name or row.email).split()) for row in rows}


@dataclass(frozen=True)
class NotifyReport:
    """How many audit events were read and how many notifications made or updated from them."""

    read: int
    created: int
    updated: int = 0


def _first_email_state(user_id: int, unmailed: set[int]) -> EmailState:
    """Return a new notification's e-mail state: never sent to someone who wants no e-mail."""
    return EmailState.NOT_SENT if user_id in unmailed else EmailState.WAITING


@dataclass
class _Group:
    """Events of one kind, in the same words, for posts of one unit, for one person."""

    user_id: int
    unit: dict[int, Post]
    post_ids: dict[int, None] = field(default_factory=dict)
    latest_event_id: int = 0


@dataclass
class _Units:
    """The posts events were about, and every row their units walk to, held in the session.

    The session's identity map holds rows weakly: `held` keeps them there while the units are
    walked, so no step of the walk loads a row again.
    """

    posts: dict[int, Post]
    held: list[Post | Thread]


def _load_units(session: Session, post_ids: Iterable[int]) -> _Units:
    """Load the posts and everything `clearance_unit` walks from them, in a few queries.

    Threads, twin threads and twins are many-to-one: once their rows are in the session,
    walking to them costs no query, so each kind is fetched once, in bulk.
    """
    held: list[Post | Thread] = list(
        session.scalars(
            select(Post).where(Post.id.in_(set(post_ids))).options(joinedload(Post.channel))
        )
    )
    posts = {post.id: post for post in held if isinstance(post, Post)}
    known: set[int] = set()
    wanted = {post.thread_id for post in posts.values() if post.thread_id is not None}
    threads: list[Thread] = []
    while wanted - known:
        found = session.scalars(
            select(Thread)
            .where(Thread.id.in_(wanted - known))
            .options(
                joinedload(Thread.release),
                selectinload(Thread.posts).joinedload(Post.channel),
            )
        ).all()
        known |= wanted
        threads.extend(found)
        wanted |= {thread.twin_thread_id for thread in found if thread.twin_thread_id}
    members = [*posts.values(), *(post for thread in threads for post in thread.posts)]
    loaded = {post.id for post in members}
    twins = {post.twin_id for post in members if post.twin_id is not None} - loaded
    if twins:
        held.extend(
            session.scalars(
                select(Post).where(Post.id.in_(twins)).options(joinedload(Post.channel))
            )
        )
    held.extend(threads)
    held.extend(members)
    return _Units(posts, held)


def notify_from_audit(
    session: Session, *, now: datetime | None = None, limit: int = BATCH
) -> NotifyReport:
    """Make or update notifications for up to `limit` audit events past the watermark.

    Events of one kind for posts of one clearance unit make one notification per person; a
    later such event updates that notification while it is unread. Call it in its own unit of
    work and commit: the rows and the watermark move together.
    """
    now = now or utcnow()
    cursor = _cursor(session)
    # Under the cursor's lock, so two workers never record the same alert.
    alert_held_at_embargo(session, now=now)
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.id > cursor.last_audit_event_id)
        .order_by(AuditEvent.id)
        .limit(limit)
    ).all()
    if not events:
        return NotifyReport(read=0, created=0)
    cursor.last_audit_event_id = events[-1].id
    cursor.updated_at = now
    unmailed = wanting_no_email(session)
    channel_made = _notify_channel_events(session, events, now, unmailed)
    wanted = [
        (event, trigger)
        for event in events
        if event.post_id is not None
        and event.occurred_at >= now - STALE_AFTER
        and (trigger := trigger_for(event.action, event.to_state)) is not None
    ]
    if not wanted:
        session.flush()
        return NotifyReport(read=len(events), created=channel_made)
    loaded = _load_units(session, (event.post_id for event, _ in wanted if event.post_id))
    posts = loaded.posts
    approvers = _approvers(session, (post.channel_id for post in posts.values()))
    actors = _names(session, (e.actor_id for e, t in wanted if t.names_actor and e.actor_id))
    groups: dict[tuple[int, int, str, str], _Group] = {}
    units: dict[int, dict[int, Post]] = {}
    for event, trigger in wanted:
        post = posts.get(event.post_id or 0)
        if post is None:
            continue
        recipients: list[int] = []
        if trigger.author:
            recipients.append(post.author_id)
        if trigger.approvers:
            recipients.extend(approvers.get(post.channel_id, []))
        if trigger.mentioned:
            recipients.extend(int(user_id) for user_id in event.details.get("mentioned", []))
        wording = trigger.wording_for(event.comment)
        if trigger.names_actor:
            wording += f" {actors.get(event.actor_id or 0) or event.actor_label or 'someone'}"
        if post.id not in units:
            unit = {member.id: member for member in clearance_unit(post)}
            for member_id in unit:
                units.setdefault(member_id, unit)
        unit = units[post.id]
        anchor = unit_anchor(list(unit.values())).id
        for user_id in dict.fromkeys(recipients):
            if user_id == event.actor_id:
                continue  # nobody needs telling what they just did themselves
            key = (user_id, anchor, trigger.kind, wording)
            group = groups.setdefault(key, _Group(user_id=user_id, unit=unit))
            group.post_ids[post.id] = None
            group.latest_event_id = event.id
    made, updated = _write_groups(session, groups, now, unmailed)
    session.flush()
    return NotifyReport(read=len(events), created=made + channel_made, updated=updated)


def _write_groups(
    session: Session,
    groups: Mapping[tuple[int, int, str, str], _Group],
    now: datetime,
    unmailed: set[int],
) -> tuple[int, int]:
    """Update each group's unread notification, or make one; return how many made and updated."""
    if not groups:
        return 0, 0
    unread: dict[tuple[int, int, str, str], Notification] = {}
    for notification in session.scalars(
        select(Notification)
        .where(
            Notification.unit_post_id.in_({anchor for _, anchor, _, _ in groups}),
            Notification.user_id.in_({user_id for user_id, _, _, _ in groups}),
            Notification.read_at.is_(None),
        )
        .order_by(Notification.id)
    ):
        key = (
            notification.user_id,
            notification.unit_post_id or 0,
            notification.kind,
            notification.wording,
        )
        unread[key] = notification  # the newest, should there be more than one
    covered: dict[int, set[int]] = defaultdict(set)
    if unread:
        ids = [notification.id for notification in unread.values()]
        for notification_id, post_id in session.execute(
            select(NotificationPost.notification_id, NotificationPost.post_id).where(
                NotificationPost.notification_id.in_(ids)
            )
        ):
            covered[notification_id].add(post_id)
    made: list[tuple[Notification, list[int]]] = []
    covers: list[dict[str, int]] = []
    updated = 0
    for key, group in groups.items():
        _user_id, anchor, kind, wording = key
        existing = unread.get(key)
        before = covered[existing.id] if existing is not None else set()
        post_ids = [*before, *(post_id for post_id in group.post_ids if post_id not in before)]
        about = [group.unit[post_id] for post_id in post_ids if post_id in group.unit]
        first = min(about, key=lambda post: (post.thread_position or 0, post.id))
        message = f"{describe_posts(about, now=now)} {wording}"
        if existing is None:
            notification = Notification(
                user_id=group.user_id,
                kind=kind,
                post_id=first.id,
                unit_post_id=anchor,
                wording=wording,
                audit_event_id=group.latest_event_id,
                message=message,
                created_at=now,
                updated_at=now,
                email_state=_first_email_state(group.user_id, unmailed),
            )
            session.add(notification)
            made.append((notification, list(group.post_ids)))
            continue
        existing.post_id = first.id
        existing.message = message
        existing.audit_event_id = group.latest_event_id
        existing.updated_at = now
        covers.extend(
            {"notification_id": existing.id, "post_id": post_id}
            for post_id in group.post_ids
            if post_id not in before
        )
        updated += 1
    session.flush()
    covers.extend(
        {"notification_id": notification.id, "post_id": post_id}
        for notification, post_ids in made
        for post_id in post_ids
    )
    if covers:
        # One statement for the batch (the ORM would insert the rows one by one).
        session.execute(insert(NotificationPost), covers)
    return len(made), updated


def _notify_channel_events(
    session: Session, events: Sequence[AuditEvent], now: datetime, unmailed: set[int]
) -> int:
    """Make the notifications of channel events (a lost connection) for its owner and admins."""
    wanted = [
        (event, trigger)
        for event in events
        if event.post_id is None
        and event.channel_id is not None
        and event.occurred_at >= now - STALE_AFTER
        and (trigger := CHANNEL_TRIGGERS.get(event.action)) is not None
    ]
    if not wanted:
        return 0
    channels = {
        channel.id: channel
        for channel in session.scalars(
            select(Channel).where(Channel.id.in_({event.channel_id for event, _ in wanted}))
        )
    }
    admins = session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    ).all()
    made = 0
    for event, trigger in wanted:
        channel = channels.get(event.channel_id or 0)
        if channel is None:
            continue
        message = f"@{channel.handle} {trigger.wording_for(event.comment)}"
        reason = " ".join(event.comment.split())
        if reason:
            cut = reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"
            message += f" ({cut})"
        recipients = [channel.owner_id] if channel.owner_id else []
        for user_id in dict.fromkeys([*recipients, *admins]):
            if user_id == event.actor_id:
                continue
            session.add(
                Notification(
                    user_id=user_id,
                    kind=trigger.kind,
                    wording=trigger.wording_for(event.comment),
                    audit_event_id=event.id,
                    message=message,
                    created_at=now,
                    updated_at=now,
                    email_state=_first_email_state(user_id, unmailed),
                )
            )
            made += 1
    return made
