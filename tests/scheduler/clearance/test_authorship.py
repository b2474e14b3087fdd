"""Separation of duties counts everyone who wrote the current version, not only who created it."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.access.post_actions import available_actions
from scheduler.clearance import (
    add_to_thread,
    add_twin,
    approval_count,
    approve,
    create_thread,
    edit_post,
    publish_now,
    reorder_thread,
    schedule,
    submit,
)
from scheduler.clearance.media import attach_image
from scheduler.clearance.transitions import Action
from scheduler.core.errors import PermissionDenied
from scheduler.models import AccessRole, AuditEvent, Channel, Post, PostState, User
from scheduler.reports.inbox import waiting_for
from tests.support.factories import NOW, Factory

LATER = NOW + timedelta(days=1)
CHANGED_TEXT = (
    "You changed this post's text since it was last approved; someone who did not write it "
    "must clear it"
)


def officer(factory: Factory, *channels: Channel) -> User:
    """Return an approver who may also write on the channels (the person the rule is about)."""
    person = factory.approver(*channels)
    return factory.grant(person, channels, AccessRole.AUTHOR)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_approver_who_rewrote_a_draft_cannot_approve_it(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    post = factory.post(channel, author, send_at=LATER)
    settings = factory.settings

    edit_post(session, post, by=lead, settings=settings, text="My own words now", now=NOW)
    submit(session, post, by=lead, settings=settings, now=NOW)
    with pytest.raises(PermissionDenied) as refused:
        approve(session, post, by=lead, settings=settings, now=NOW)

    assert refused.value.message == CHANGED_TEXT
    assert post.state is PostState.IN_REVIEW
    assert post.approvals == []
    assert Action.APPROVE not in available_actions(
        session, post, by=lead, settings=settings, now=NOW
    )
    # Someone who wrote none of it clears it.
    approve(session, post, by=factory.approver(channel), settings=settings, now=NOW)
    assert post.state is PostState.SCHEDULED


def test_changing_only_the_send_time_also_makes_you_an_author(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    post = factory.post(channel, author, send_at=LATER)

    edit_post(
        session,
        post,
        by=lead,
        settings=factory.settings,
        send_at=LATER + timedelta(hours=1),
        now=NOW,
    )
    submit(session, post, by=author, settings=factory.settings, now=NOW)

    with pytest.raises(PermissionDenied, match="You changed this post's send time since it"):
        approve(session, post, by=lead, settings=factory.settings, now=NOW)


def test_an_editor_can_neither_schedule_nor_publish_now(factory: Factory, session: Session) -> None:
    channel = factory.channel(approvals_required=2)
    author, lead = factory.author(channel), officer(factory, channel)
    first, second = factory.approver(channel), factory.approver(channel)
    post = factory.post(channel, author)
    edit_post(session, post, by=lead, settings=factory.settings, text="Tightened", now=NOW)
    factory.move(post, PostState.APPROVED, approvers=[first, second])

    with pytest.raises(PermissionDenied, match=CHANGED_TEXT):
        schedule(session, post, by=lead, settings=factory.settings, send_at=LATER, now=NOW)
    post.state = PostState.MISSED  # as the worker leaves a post that could not go in time
    session.flush()
    with pytest.raises(PermissionDenied, match=CHANGED_TEXT):
        publish_now(session, post, by=lead, settings=factory.settings, now=NOW)


def test_an_approval_by_someone_who_changed_it_never_counts(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    post = factory.post(channel, author, send_at=LATER)
    edit_post(session, post, by=lead, settings=factory.settings, text="Rewritten", now=NOW)
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    # Data that slipped past the guard (an import, an old bug) still does not clear it.
    post.approvals.append(_approval(post, lead))
    session.flush()

    assert approval_count(post) == 0


def test_the_twins_editor_cannot_clear_the_pair(factory: Factory, session: Session) -> None:
    english, welsh = factory.twin_channels()
    author, lead = factory.author(english, welsh), officer(factory, english, welsh)
    post = factory.post(english, author, twin_text="Testun gwreiddiol", send_at=LATER)
    assert post.twin is not None

    edit_post(session, post.twin, by=lead, settings=factory.settings, text="Testun newydd", now=NOW)
    submit(session, post, by=author, settings=factory.settings, now=NOW)

    with pytest.raises(PermissionDenied) as refused:
        approve(session, post, by=lead, settings=factory.settings, now=NOW)
    assert refused.value.message == (
        f"You changed the text of its twin on @{welsh.handle} since it was last approved; "
        "someone who did not write it must clear it"
    )
    # Recorded on every post of the unit, so the worker's per-post count agrees.
    post.approvals.append(_approval(post, lead))
    session.flush()
    assert approval_count(post) == 0


def test_whoever_added_the_twin_cannot_clear_the_pair(factory: Factory, session: Session) -> None:
    english, welsh = factory.twin_channels()
    author, lead = factory.author(english, welsh), officer(factory, english, welsh)
    post = factory.post(english, author, send_at=LATER)

    add_twin(session, post, text="Cyfieithiad", by=lead, settings=factory.settings, now=NOW)
    submit(session, post, by=author, settings=factory.settings, now=NOW)

    # Whoever adds the twin wrote it, and so wrote part of what clears together.
    with pytest.raises(PermissionDenied) as refused:
        approve(session, post, by=lead, settings=factory.settings, now=NOW)
    assert refused.value.message == (
        f"You wrote its twin on @{welsh.handle}; someone else must clear it (nobody clears their "
        "own post)"
    )


def test_editing_one_post_of_a_thread_makes_you_an_author_of_the_thread(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    thread = create_thread(
        session,
        channel=channel,
        texts=["One", "Two", "Three"],
        by=author,
        settings=factory.settings,
        send_at=LATER,
        now=NOW,
    )
    first, second, _third = thread.posts
    edit_post(session, second, by=lead, settings=factory.settings, text="Two, better", now=NOW)
    submit(session, first, by=author, settings=factory.settings, now=NOW)

    with pytest.raises(PermissionDenied) as refused:
        approve(session, first, by=lead, settings=factory.settings, now=NOW)
    assert refused.value.message == (
        f"You changed the text of post 2 of the thread on @{channel.handle} since it was last "
        "approved; someone who did not write it must clear it"
    )
    assert all(approval_count(member) == 0 for member in thread.posts)
    first.approvals.append(_approval(first, lead))
    session.flush()
    assert approval_count(first) == 0


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("add_to_thread", "You wrote post 3 of the thread on @{handle}; someone else must clear"),
        ("reorder_thread", "You reordered the thread of this post since it was last approved"),
    ],
)
def test_changing_a_thread_makes_you_an_author_of_it(
    factory: Factory, session: Session, change: str, refusal: str
) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    thread = create_thread(
        session,
        channel=channel,
        texts=["One", "Two"],
        by=author,
        settings=factory.settings,
        send_at=LATER,
        now=NOW,
    )
    if change == "add_to_thread":
        add_to_thread(session, thread, text="Three", by=lead, settings=factory.settings, now=NOW)
    else:
        order = [post.id for post in reversed(thread.posts)]
        reorder_thread(session, thread, order=order, by=lead, settings=factory.settings, now=NOW)
    session.expire(thread, ["posts"])
    first = thread.posts[0]
    submit(session, first, by=author, settings=factory.settings, now=NOW)

    with pytest.raises(PermissionDenied) as refused:
        approve(session, first, by=lead, settings=factory.settings, now=NOW)
    assert refused.value.message.startswith(refusal.format(handle=channel.handle))


def test_attaching_an_image_makes_you_an_author(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    post = factory.post(channel, author, send_at=LATER)
    attach_image(
        session,
        post,
        data=png(),
        filename="chart.png",
        alt_text="A chart",
        by=lead,
        settings=factory.settings,
        now=NOW,
    )
    submit(session, post, by=author, settings=factory.settings, now=NOW)

    with pytest.raises(PermissionDenied, match="You attached an image to this post since it was"):
        approve(session, post, by=lead, settings=factory.settings, now=NOW)


def test_a_change_cleared_by_someone_else_no_longer_counts_against_you(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, lead, other = (
        factory.author(channel),
        officer(factory, channel),
        factory.approver(channel),
    )
    post = factory.post(channel, author, send_at=LATER)
    edit_post(session, post, by=lead, settings=factory.settings, text="Fixed a typo", now=NOW)
    factory.move(post, PostState.SCHEDULED, approvers=[other])

    # The author changes it again after it was cleared: the lead's fix was cleared by someone else.
    edit_post(session, post, by=author, settings=factory.settings, text="Final words", now=NOW)
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    approve(session, post, by=lead, settings=factory.settings, now=NOW)

    assert post.state is PostState.SCHEDULED


def test_a_change_not_yet_cleared_still_counts_after_later_edits(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    post = factory.post(channel, author, send_at=LATER)
    edit_post(session, post, by=lead, settings=factory.settings, text="Lead's words", now=NOW)
    edit_post(session, post, by=author, settings=factory.settings, text="Author's words", now=NOW)
    submit(session, post, by=author, settings=factory.settings, now=NOW)

    with pytest.raises(PermissionDenied, match="You changed this post's text since it was"):
        approve(session, post, by=lead, settings=factory.settings, now=NOW)


def test_the_inbox_does_not_offer_a_post_to_someone_who_changed_it(factory: Factory) -> None:
    channel = factory.channel()
    author, lead = factory.author(channel), officer(factory, channel)
    post = factory.post(channel, author)
    edit_post(factory.session, post, by=lead, settings=factory.settings, text="Mine", now=NOW)
    factory.move(post, PostState.IN_REVIEW)

    assert waiting_for(factory.session, lead).units == []
    assert [
        unit[0].id for unit in waiting_for(factory.session, factory.approver(channel)).units
    ] == [post.id]


EditOperation = Callable[[Session, Factory, Post, User], Any]
EDITS: dict[str, EditOperation] = {
    "edit": lambda session, factory, post, by: edit_post(
        session, post, by=by, settings=factory.settings, text="Changed", now=NOW
    ),
    "twin_added": lambda session, factory, post, by: add_twin(
        session, post, text="Testun", by=by, settings=factory.settings, now=NOW
    ),
    "image_attached": lambda session, factory, post, by: attach_image(
        session,
        post,
        data=png(),
        filename="chart.png",
        alt_text="A chart",
        by=by,
        settings=factory.settings,
        now=NOW,
    ),
}


@pytest.mark.parametrize("action", sorted(EDITS))
def test_every_edit_records_the_editor_in_the_audit_trail(
    factory: Factory, session: Session, action: str
) -> None:
    # Other parts of Gatepost (notifications: "someone changed your post") read who edited from
    # the audit trail, so every edit names the person acting.
    english, welsh = factory.twin_channels(requires_twin=False)
    author, lead = factory.author(english, welsh), officer(factory, english, welsh)
    post = factory.post(english, author, send_at=LATER)
    EDITS[action](session, factory, post, lead)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.post_id == post.id, AuditEvent.action == action)
    ).all()
    assert [event.actor_id for event in events] == [lead.id]
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    with pytest.raises(PermissionDenied):
        approve(session, post, by=lead, settings=factory.settings, now=NOW)


def _approval(post: Post, by: User) -> Any:
    from scheduler.models import Approval

    return Approval(approver_id=by.id, content_version=post.content_version, approved_at=NOW)
