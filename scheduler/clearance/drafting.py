"""Writing posts: create one (with its twin), edit one, add a twin later."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Literal

from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import has_channel_access
from scheduler.clearance.acting import begin_action
from scheduler.clearance.changes import (
    ChangeSet,
    check_expected_version,
    conflict_on_stale_write,
    resolve_now,
    void_approvals,
    write_revision,
)
from scheduler.clearance.results import ClearanceResult
from scheduler.clearance.send_times import require_after_embargo, require_future, set_due
from scheduler.clearance.text_rules import clean_text, require_valid_text
from scheduler.clearance.transitions import Action
from scheduler.clearance.units import FINISHED, link_twins
from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.models import AccessRole, Channel, Post, PostState, Release, Thread, User


class Keep(Enum):
    """Marker for "leave this field as it is" in edit_post."""

    KEEP = "keep"


KEEP = Keep.KEEP


def require_author_access(session: Session, user: User, channels: list[Channel]) -> None:
    """Refuse unless the person may write on every one of the channels."""
    for channel in channels:
        if not has_channel_access(session, user, channel, AccessRole.AUTHOR):
            raise PermissionDenied(
                f"You need author access to @{channel.handle}; ask an admin or the channel owner"
            )


def new_post(
    session: Session,
    *,
    channel: Channel,
    text: str,
    by: User,
    now: datetime,
    send_at: datetime | None,
    release: Release | None,
    thread: Thread | None = None,
    position: int | None = None,
) -> Post:
    """Add a draft post and its first revision (checks are the caller's)."""
    post = Post(
        channel=channel,
        author=by,
        text=text,
        send_at=send_at,
        release=release,
        thread=thread,
        thread_position=position,
        state=PostState.DRAFT,
        created_at=now,
        updated_at=now,
    )
    session.add(post)
    session.flush()
    write_revision(session, post, by=by, now=now)
    return post


def check_new_send_time(
    send_at: datetime | None, release: Release | None, *, now: datetime, settings: Settings
) -> None:
    """Refuse a send time for a new post that has passed or falls before the embargo."""
    if send_at is not None:
        require_future(send_at, now=now, settings=settings)
        require_after_embargo(send_at, [release], settings=settings)


def twin_channel_of(channel: Channel) -> Channel:
    """Return the channel's twin channel, or refuse when it has none."""
    if channel.twin is None:
        raise ValidationFailed(
            f"@{channel.handle} has no twin channel, so a post on it cannot have a twin",
            field="twin_text",
        )
    return channel.twin


@conflict_on_stale_write
def create_post(
    session: Session,
    *,
    channel: Channel,
    text: str,
    by: User,
    settings: Settings,
    send_at: datetime | None = None,
    release: Release | None = None,
    twin_text: str | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> Post:
    """Create a draft post (and its twin on the twin channel when twin text is given)."""
    now = resolve_now(now)
    text = clean_text(text)
    channels = [channel]
    twin_channel = None
    if twin_text is not None:
        twin_text = clean_text(twin_text)
        twin_channel = twin_channel_of(channel)
        channels.append(twin_channel)
    require_author_access(session, by, channels)
    require_valid_text(channel, text, settings)
    if twin_channel is not None and twin_text is not None:
        require_valid_text(twin_channel, twin_text, settings, field="twin_text")
    check_new_send_time(send_at, release, now=now, settings=settings)

    changes = ChangeSet(session, action=Action.CREATE, by=by, now=now, actor_label=actor_label)
    post = new_post(
        session, channel=channel, text=text, by=by, now=now, send_at=send_at, release=release
    )
    changes.change(post, created=True, to=PostState.DRAFT, content_version=1)
    if twin_channel is not None and twin_text is not None:
        twin = new_post(
            session,
            channel=twin_channel,
            text=twin_text,
            by=by,
            now=now,
            send_at=send_at,
            release=release,
        )
        link_twins(session, post, twin)
        changes.change(twin, created=True, to=PostState.DRAFT, content_version=1, twin_of=post.id)
    changes.finish()
    return post


@conflict_on_stale_write
def edit_post(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    text: str | Literal[Keep.KEEP] = KEEP,
    send_at: datetime | Literal[Keep.KEEP] | None = KEEP,
    channel: Channel | Literal[Keep.KEEP] = KEEP,
    release: Release | Literal[Keep.KEEP] | None = KEEP,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Change a post's text, send time, channel or release; it and its unit go back to draft."""
    # The send time and release belong to the whole unit (twins go out together, a thread has one
    # send time), so changing them changes every post in it.
    unit, now, changes = begin_action(
        session,
        post,
        Action.EDIT,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
    )

    new_text = clean_text(text) if text is not KEEP else post.text
    new_channel = channel if channel is not KEEP else post.channel
    new_send_at = send_at if send_at is not KEEP else post.send_at
    new_release = release if release is not KEEP else post.release
    text_changed = new_text != post.text
    channel_changed = new_channel.id != post.channel_id
    time_changed = new_send_at != post.send_at
    release_changed = (new_release.id if new_release else None) != post.release_id
    if not (text_changed or channel_changed or time_changed or release_changed):
        return ClearanceResult(post=post, changed=(), message="Nothing changed")

    if channel_changed:
        if post.twin_id is not None or post.thread_id is not None:
            raise ValidationFailed(
                "A post with a twin or in a thread cannot move to another channel; withdraw it "
                "and write it again on the other channel",
                field="channel",
            )
        require_author_access(session, by, [new_channel])
    if text_changed or channel_changed:
        require_valid_text(new_channel, new_text, settings)
    if time_changed and new_send_at is not None:
        require_future(new_send_at, now=now, settings=settings)
    if time_changed or release_changed:
        require_after_embargo(new_send_at, [new_release], settings=settings)

    changed_fields = [
        name
        for name, changed in (
            ("text", text_changed),
            ("channel", channel_changed),
            ("send_at", time_changed),
            ("release", release_changed),
        )
        if changed
    ]
    # Text and channel are this post's own; time and release are shared by its whole unit.
    edited = [post]
    if time_changed or release_changed:
        edited = [member for member in unit if member.state not in FINISHED]
    for member in edited:
        if member is post:
            member.text = new_text
            member.channel = new_channel
        if time_changed:
            member.send_at = new_send_at
        if release_changed:
            member.release = new_release
            if member.thread is not None:
                member.thread.release = new_release
        member.content_version += 1
        void_approvals(member, now=now, reason=f"edited: {', '.join(changed_fields)}")
        set_due(member, None)
        member.hold_reason = None
        changes.change(
            member,
            to=PostState.DRAFT,
            changed=changed_fields
            if member is post
            else [f for f in changed_fields if f in ("send_at", "release")],
            content_version=member.content_version,
            send_at=member.send_at,
        )
    send_back_to_draft(changes, unit, reason="A post cleared with it was edited")
    session.flush()
    for member in edited:
        write_revision(session, member, by=by, now=now)
    changed = tuple(changes.finish())
    return ClearanceResult(post=post, changed=changed, message=_edit_message(changed))


def send_back_to_draft(changes: ChangeSet, unit: list[Post], *, reason: str) -> None:
    """Return every unfinished post of the unit that is past draft to draft, voiding approvals."""
    for member in unit:
        if changes.touched(member) or member.state in FINISHED or member.state is PostState.DRAFT:
            continue
        void_approvals(member, now=changes.now, reason=reason)
        set_due(member, None)
        member.hold_reason = None
        changes.change(member, to=PostState.DRAFT, action=Action.RETURNED_TO_DRAFT, comment=reason)


def _edit_message(changed: tuple[Post, ...]) -> str:
    others = len(changed) - 1
    if others <= 0:
        return "Saved. The post is a draft again and must be submitted for clearance."
    return (
        f"Saved. The post and {others} post{'s' if others > 1 else ''} cleared with it are "
        "drafts again and must be submitted for clearance."
    )


@conflict_on_stale_write
def add_twin(
    session: Session,
    post: Post,
    *,
    text: str,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Write the twin of a post on the twin channel; the pair goes back to draft together."""
    check_expected_version(post, expected_version)
    if post.twin_id is not None:
        raise ValidationFailed("This post already has a twin; edit that instead", field="twin_text")
    twin_channel = twin_channel_of(post.channel)
    unit, now, changes = begin_action(
        session,
        post,
        Action.EDIT,
        by=by,
        settings=settings,
        now=now,
        actor_label=actor_label,
        audit_action=Action.TWIN_ADDED,
    )
    require_author_access(session, by, [twin_channel])
    text = clean_text(text)
    require_valid_text(twin_channel, text, settings, field="twin_text")

    twin_thread = None
    if post.thread is not None:
        twin_thread = post.thread.twin_thread
        if twin_thread is None:
            twin_thread = Thread(
                channel=twin_channel,
                release=post.thread.release,
                title=post.thread.title,
                created_by_id=by.id,
                created_at=now,
            )
            session.add(twin_thread)
            session.flush()
            post.thread.twin_thread_id = twin_thread.id
            twin_thread.twin_thread_id = post.thread.id
            session.flush()
            session.expire(post.thread, ["twin_thread"])
            session.expire(twin_thread, ["twin_thread"])
    twin = new_post(
        session,
        channel=twin_channel,
        text=text,
        by=by,
        now=now,
        send_at=post.send_at,
        release=post.release,
        thread=twin_thread,
        position=post.thread_position if twin_thread is not None else None,
    )
    changes.change(twin, created=True, action=Action.CREATE, to=PostState.DRAFT, twin_of=post.id)
    void_approvals(post, now=now, reason="twin added")
    set_due(post, None)
    post.hold_reason = None
    changes.change(post, to=PostState.DRAFT, twin=twin.id)
    send_back_to_draft(changes, unit, reason="A twin was added to the post")
    link_twins(session, post, twin)
    changed = tuple(changes.finish())
    return ClearanceResult(
        post=post,
        changed=changed,
        message=f"Twin added on @{twin_channel.handle}. Submit them for clearance together.",
    )
