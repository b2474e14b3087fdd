"""Release-day threads: ordered posts on one channel (with twins), cleared and sent together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.acting import begin_action
from scheduler.clearance.changes import (
    ChangeSet,
    conflict_on_stale_write,
    resolve_now,
    void_approvals,
)
from scheduler.clearance.drafting import (
    check_new_send_time,
    new_post,
    require_author_access,
    send_back_to_draft,
    twin_channel_of,
)
from scheduler.clearance.results import ClearanceResult
from scheduler.clearance.send_times import set_due
from scheduler.clearance.text_rules import clean_text, require_valid_text
from scheduler.clearance.transitions import Action
from scheduler.clearance.units import FINISHED, link_twins
from scheduler.core.errors import InvalidTransition, ValidationFailed
from scheduler.models import Channel, Post, PostState, Release, Thread, User

MAX_THREAD_POSTS = 25


@conflict_on_stale_write
def create_thread(
    session: Session,
    *,
    channel: Channel,
    texts: Sequence[str],
    by: User,
    settings: Settings,
    send_at: datetime | None = None,
    release: Release | None = None,
    twin_texts: Sequence[str] | None = None,
    title: str = "",
    now: datetime | None = None,
    actor_label: str = "",
) -> Thread:
    """Create a thread of draft posts, and its twin thread when twin texts are given."""
    now = resolve_now(now)
    cleaned = [clean_text(text) for text in texts]
    if not cleaned:
        raise ValidationFailed("A thread needs at least one post", field="texts")
    if len(cleaned) > MAX_THREAD_POSTS:
        raise ValidationFailed(
            f"A thread can have at most {MAX_THREAD_POSTS} posts; split it in two", field="texts"
        )
    channels = [channel]
    twin_channel = None
    twins: list[str] = []
    if twin_texts is not None:
        twins = [clean_text(text) for text in twin_texts]
        twin_channel = twin_channel_of(channel)
        channels.append(twin_channel)
        if len(twins) != len(cleaned):
            raise ValidationFailed(
                f"The thread has {len(cleaned)} posts but {len(twins)} twin texts; twins go "
                "post for post, so give one twin text for each post",
                field="twin_texts",
            )
    require_author_access(session, by, channels)
    for number, text in enumerate(cleaned, 1):
        _check_numbered(channel, text, number, settings, "texts")
    if twin_channel is not None:
        for number, text in enumerate(twins, 1):
            _check_numbered(twin_channel, text, number, settings, "twin_texts")
    check_new_send_time(send_at, release, now=now, settings=settings)

    changes = ChangeSet(session, action=Action.CREATE, by=by, now=now, actor_label=actor_label)
    thread = _new_thread(session, channel=channel, release=release, title=title, by=by, now=now)
    posts = [
        new_post(
            session,
            channel=channel,
            text=text,
            by=by,
            now=now,
            send_at=send_at,
            release=release,
            thread=thread,
            position=number,
        )
        for number, text in enumerate(cleaned, 1)
    ]
    for post in posts:
        changes.change(post, created=True, to=PostState.DRAFT, thread=thread.id)
    if twin_channel is not None:
        twin_thread = _new_thread(
            session, channel=twin_channel, release=release, title=title, by=by, now=now
        )
        _link_threads(session, thread, twin_thread)
        for number, (post, text) in enumerate(zip(posts, twins, strict=True), 1):
            twin = new_post(
                session,
                channel=twin_channel,
                text=text,
                by=by,
                now=now,
                send_at=send_at,
                release=release,
                thread=twin_thread,
                position=number,
            )
            link_twins(session, post, twin)
            changes.change(
                twin, created=True, to=PostState.DRAFT, thread=twin_thread.id, twin_of=post.id
            )
    changes.finish()
    return thread


@conflict_on_stale_write
def add_to_thread(
    session: Session,
    thread: Thread,
    *,
    text: str,
    by: User,
    settings: Settings,
    twin_text: str | None = None,
    position: int | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Add a post to a thread (at the end, or at a position); the thread goes back to draft."""
    members = list(thread.posts)
    anchor, unit, now, changes = _begin_thread_change(
        session,
        thread,
        Action.THREAD_REORDERED,
        by=by,
        settings=settings,
        now=now,
        actor_label=actor_label,
    )
    twin_thread = thread.twin_thread
    if twin_thread is not None and twin_text is None:
        raise ValidationFailed(
            f"This thread has a twin on @{twin_thread.channel.handle}; give the twin text too",
            field="twin_text",
        )
    if twin_thread is None and twin_text is not None:
        raise ValidationFailed(
            "This thread has no twin thread; add twins to its posts first", field="twin_text"
        )
    size = len(members)
    if size >= MAX_THREAD_POSTS:
        raise ValidationFailed(f"A thread can have at most {MAX_THREAD_POSTS} posts")
    position = size + 1 if position is None else position
    if not 1 <= position <= size + 1:
        raise ValidationFailed(f"Choose a position from 1 to {size + 1}", field="position")
    text = clean_text(text)
    require_valid_text(thread.channel, text, settings)
    if twin_thread is not None and twin_text is not None:
        twin_text = clean_text(twin_text)
        require_valid_text(twin_thread.channel, twin_text, settings, field="twin_text")

    new_order: list[Post | None] = [*members]
    new_order.insert(position - 1, None)
    _renumber(session, changes, new_order)
    post = new_post(
        session,
        channel=thread.channel,
        text=text,
        by=by,
        now=now,
        send_at=anchor.send_at,
        release=thread.release,
        thread=thread,
        position=position,
    )
    changes.change(post, created=True, action=Action.CREATE, to=PostState.DRAFT, thread=thread.id)
    if twin_thread is not None and twin_text is not None:
        twin_order: list[Post | None] = [member.twin for member in members]
        twin_order.insert(position - 1, None)
        _renumber(session, changes, twin_order)
        twin = new_post(
            session,
            channel=twin_thread.channel,
            text=twin_text,
            by=by,
            now=now,
            send_at=anchor.send_at,
            release=thread.release,
            thread=twin_thread,
            position=position,
        )
        link_twins(session, post, twin)
        changes.change(
            twin, created=True, action=Action.CREATE, to=PostState.DRAFT, thread=twin_thread.id
        )
    changed = _finish_thread_change(session, thread, changes, unit, anchor)
    return ClearanceResult(
        post=post,
        changed=changed,
        message=f"Added as post {position} of {size + 1}. Submit the thread for clearance again."
        if len(changed) > 2
        else f"Added as post {position} of {size + 1}.",
    )


@conflict_on_stale_write
def reorder_thread(
    session: Session,
    thread: Thread,
    *,
    order: Sequence[int],
    by: User,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Put a thread's posts in a new order (post ids, first to last); its twin follows suit."""
    members = list(thread.posts)
    by_id = {member.id: member for member in members}
    if sorted(order) != sorted(by_id):
        raise ValidationFailed(
            "Give every post of the thread exactly once, in the new order", field="order"
        )
    anchor, unit, now, changes = _begin_thread_change(
        session,
        thread,
        Action.THREAD_REORDERED,
        by=by,
        settings=settings,
        now=now,
        actor_label=actor_label,
    )
    new_order: list[Post | None] = [by_id[post_id] for post_id in order]
    if [post.id for post in members] == list(order):
        return ClearanceResult(post=anchor, changed=(), message="The order is unchanged")
    _renumber(session, changes, new_order)
    if thread.twin_thread is not None:
        twin_order: list[Post | None] = [
            post.twin if post is not None else None for post in new_order
        ]
        _renumber(session, changes, twin_order)
    changed = _finish_thread_change(session, thread, changes, unit, anchor)
    return ClearanceResult(post=anchor, changed=changed, message="Thread reordered.")


def _new_thread(
    session: Session,
    *,
    channel: Channel,
    release: Release | None,
    title: str,
    by: User,
    now: datetime,
) -> Thread:
    thread = Thread(
        channel=channel,
        release=release,
        title=title.strip()[:300],
        created_by_id=by.id,
        created_at=now,
    )
    session.add(thread)
    session.flush()
    return thread


def _link_threads(session: Session, first: Thread, second: Thread) -> None:
    first.twin_thread_id = second.id
    second.twin_thread_id = first.id
    session.flush()
    session.expire(first, ["twin_thread"])
    session.expire(second, ["twin_thread"])


def _forget_order(session: Session, thread: Thread) -> None:
    """Reload the threads' post lists on next use, in their new order."""
    twin_thread = thread.twin_thread
    session.expire(thread, ["posts"])
    if twin_thread is not None:
        session.expire(twin_thread, ["posts"])


def _begin_thread_change(
    session: Session,
    thread: Thread,
    audit_action: Action,
    *,
    by: User,
    settings: Settings,
    now: datetime | None,
    actor_label: str,
) -> tuple[Post, list[Post], datetime, ChangeSet]:
    """Open an edit of a whole thread at its anchor; refuse it once part has been published."""
    anchor = _anchor(thread)
    unit, now, changes = begin_action(
        session,
        anchor,
        Action.EDIT,
        by=by,
        settings=settings,
        now=now,
        actor_label=actor_label,
        audit_action=audit_action,
    )
    _refuse_if_partly_published(thread)
    return anchor, unit, now, changes


def _finish_thread_change(
    session: Session, thread: Thread, changes: ChangeSet, unit: list[Post], anchor: Post
) -> tuple[Post, ...]:
    """Send the thread back to draft, audit every change, and return the posts changed."""
    _void_and_return(changes, unit, anchor)
    changed = tuple(changes.finish())
    _forget_order(session, thread)
    return changed


def _anchor(thread: Thread) -> Post:
    """Return the thread's first unfinished post, the one thread-wide checks act on."""
    members = list(thread.posts)
    if not members:
        raise ValidationFailed("This thread has no posts")
    for member in members:
        if member.state not in FINISHED:
            return member
    return members[0]


def _refuse_if_partly_published(thread: Thread) -> None:
    for member in thread.posts:
        if member.state in (PostState.PUBLISHED, PostState.REMOVED, PostState.PUBLISHING):
            raise InvalidTransition(
                "Part of this thread has been published, so its posts can no longer be added "
                "to or reordered"
            )


def _renumber(session: Session, changes: ChangeSet, new_order: list[Post | None]) -> None:
    """Give the posts their new positions (None marks a slot for a post about to be added)."""
    moves = [
        (post, number)
        for number, post in enumerate(new_order, 1)
        if post is not None and post.thread_position != number
    ]
    if not moves:
        return
    # Positions are unique per thread, so park the moving posts out of the way first.
    for post, number in moves:
        post.thread_position = -number
    session.flush()
    for post, number in moves:
        post.thread_position = number
        changes.change(post, action=Action.THREAD_REORDERED, position=number)
    session.flush()


def _void_and_return(changes: ChangeSet, unit: list[Post], anchor: Post) -> None:
    """Send the thread back to draft: moved posts and the rest of the unit lose their approvals."""
    for member in changes.posts:
        if member.state not in FINISHED and member.state is not PostState.DRAFT:
            void_approvals(member, now=changes.now, reason="thread changed")
            set_due(member, None)
            member.hold_reason = None
            changes.change(member, to=PostState.DRAFT)
    send_back_to_draft(changes, unit, reason="The thread was changed")


def _check_numbered(
    channel: Channel, text: str, number: int, settings: Settings, field: str
) -> None:
    try:
        require_valid_text(channel, text, settings, field=field)
    except ValidationFailed as error:
        raise ValidationFailed(f"Post {number}: {error.message}", field=field) from None
