"""The clearance workflow as people use it: drafts, twins, threads, approvals, send times."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.clearance import (
    KEEP,
    add_to_thread,
    add_twin,
    approval_count,
    approve,
    create_post,
    create_thread,
    edit_post,
    post_history,
    reorder_thread,
    request_changes,
    schedule,
    submit,
    unschedule,
    withdraw,
)
from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.models import AccessRole, Approval, AuditEvent, PostRevision, PostState
from tests.support.factories import NOW, Factory

LATER = NOW + timedelta(days=1)


def test_a_post_goes_from_draft_to_scheduled_with_one_audit_event_per_step(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.post(channel, author, send_at=LATER)
    assert post.state is PostState.DRAFT

    submitted = submit(session, post, by=author, settings=factory.settings, now=NOW)
    assert post.state is PostState.IN_REVIEW
    assert submitted.message == "Submitted for clearance."

    approved = approve(session, post, by=approver, settings=factory.settings, now=NOW)
    assert post.state is PostState.SCHEDULED
    assert post.due_at == LATER
    assert approved.message == "Approved and scheduled for Thu 11 Mar 2027 10:00 GMT."

    events = post_history(session, post)
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("create", None, "draft"),
        ("submit", "draft", "in_review"),
        ("approve", "in_review", "scheduled"),
    ]
    assert events[2].actor_id == approver.id
    assert events[2].details["approvals"] == 1


def test_nobody_approves_their_own_post(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    officer = factory.approver(channel)
    factory.grant(officer, [channel], AccessRole.AUTHOR)
    post = factory.post(channel, officer, send_at=LATER)
    submit(session, post, by=officer, settings=factory.settings, now=NOW)
    with pytest.raises(PermissionDenied, match="You wrote this post; someone else must clear it"):
        approve(session, post, by=officer, settings=factory.settings, now=NOW)
    assert post.state is PostState.IN_REVIEW
    assert session.scalars(select(Approval)).all() == []


def test_a_channel_needing_two_approvals_waits_for_two_different_people(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel(approvals_required=2)
    author = factory.author(channel)
    first, second = factory.approver(channel), factory.approver(channel)
    post = factory.post(channel, author, send_at=LATER)
    submit(session, post, by=author, settings=factory.settings, now=NOW)

    result = approve(session, post, by=first, settings=factory.settings, now=NOW)
    assert post.state is PostState.IN_REVIEW
    assert "needs more approvers" in result.message
    with pytest.raises(PermissionDenied, match="already approved this version"):
        approve(session, post, by=first, settings=factory.settings, now=NOW)

    approve(session, post, by=second, settings=factory.settings, now=NOW)
    assert post.state is PostState.SCHEDULED
    assert approval_count(post) == 2


def test_an_edit_voids_approvals_and_sends_the_post_back_to_draft(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.move(
        factory.post(channel, author, send_at=LATER), PostState.SCHEDULED, approvers=[approver]
    )
    result = edit_post(
        session, post, by=author, settings=factory.settings, text="Corrected figures", now=NOW
    )
    assert post.state is PostState.DRAFT
    assert post.content_version == 2
    assert post.due_at is None
    assert approval_count(post) == 0
    assert "draft again" in result.message
    history = session.scalars(select(Approval).where(Approval.post_id == post.id)).all()
    assert [(a.content_version, a.void_reason) for a in history] == [(1, "edited: text")]
    revisions = session.scalars(
        select(PostRevision.text)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.content_version)
    ).all()
    assert revisions == [revisions[0], "Corrected figures"]


def test_nothing_changed_writes_nothing(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author, text="Same")
    before = len(post_history(session, post))
    result = edit_post(session, post, by=author, settings=factory.settings, text="Same", now=NOW)
    assert result.changed == ()
    assert len(post_history(session, post)) == before
    assert post.content_version == 1
    assert (
        edit_post(session, post, by=author, settings=factory.settings, send_at=KEEP).changed == ()
    )


def test_approving_after_the_send_time_passed_leaves_it_approved_and_asks_for_a_time(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.post(channel, author, send_at=NOW + timedelta(hours=1))
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    result = approve(
        session, post, by=approver, settings=factory.settings, now=NOW + timedelta(hours=2)
    )
    assert post.state is PostState.APPROVED
    assert post.due_at is None
    assert result.message == (
        "Approved, but its send time, Wed 10 Mar 2027 11:00 GMT, has passed: choose a new time "
        "to schedule it. Nothing has been sent."
    )
    later = NOW + timedelta(hours=5)
    schedule(session, post, by=approver, settings=factory.settings, send_at=later, now=NOW)
    assert post.state is PostState.SCHEDULED
    assert (post.send_at, post.due_at) == (later, later)
    assert approval_count(post) == 1


def test_the_author_cannot_pick_the_time_of_an_approved_post(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.move(factory.post(channel, author), PostState.APPROVED, approvers=[approver])
    with pytest.raises(PermissionDenied, match="approver access"):
        schedule(session, post, by=author, settings=factory.settings, send_at=LATER, now=NOW)


def test_unscheduling_keeps_the_approval(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.move(
        factory.post(channel, author, send_at=LATER), PostState.SCHEDULED, approvers=[approver]
    )
    unschedule(session, post, by=author, settings=factory.settings, now=NOW)
    assert post.state is PostState.APPROVED
    assert post.due_at is None
    assert approval_count(post) == 1


def test_request_changes_needs_a_comment_and_voids_approvals(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel(approvals_required=2)
    author = factory.author(channel)
    first, second = factory.approver(channel), factory.approver(channel)
    post = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    approve(session, post, by=first, settings=factory.settings, now=NOW)
    with pytest.raises(ValidationFailed, match="Say what needs to change"):
        request_changes(session, post, comment="  ", by=second, settings=factory.settings)
    request_changes(
        session, post, comment="Say which month", by=second, settings=factory.settings, now=NOW
    )
    assert post.state is PostState.DRAFT
    assert approval_count(post) == 0
    assert post_history(session, post)[-1].comment == "Say which month"
    # Resubmitted unchanged, the first approver may clear it again, and it still needs two.
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    approve(session, post, by=first, settings=factory.settings, now=NOW)
    assert post.state is PostState.IN_REVIEW


def test_twins_are_created_submitted_approved_and_withdrawn_together(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    post = factory.post(
        english, author, text="Figures out", twin_text="Ffigurau allan", send_at=LATER
    )
    twin = post.twin
    assert twin is not None
    assert twin.twin is post
    assert (twin.channel, twin.send_at, twin.text) == (welsh, LATER, "Ffigurau allan")

    result = submit(session, post, by=author, settings=factory.settings, now=NOW)
    assert {p.id for p in result.changed} == {post.id, twin.id}
    assert twin.state is PostState.IN_REVIEW
    approve(session, twin, by=approver, settings=factory.settings, now=NOW)
    assert (post.state, twin.state) == (PostState.SCHEDULED, PostState.SCHEDULED)
    assert post.due_at == twin.due_at == LATER

    withdraw(session, post, by=author, settings=factory.settings, now=NOW)
    assert (post.state, twin.state) == (PostState.WITHDRAWN, PostState.WITHDRAWN)
    assert [e.action for e in post_history(session, twin)][-1] == "withdraw"


def test_a_channel_requiring_a_twin_refuses_to_submit_without_one(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    post = factory.post(english, author)
    with pytest.raises(ValidationFailed, match=f"@{english.handle} requires a twin"):
        submit(session, post, by=author, settings=factory.settings, now=NOW)
    add_twin(session, post, text="Y testun", by=author, settings=factory.settings, now=NOW)
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    assert post.twin is not None
    assert post.twin.state is PostState.IN_REVIEW


def test_an_approver_without_access_to_the_twin_channel_cannot_clear_the_pair(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    english_only = factory.approver(english)
    post = factory.post(english, author, twin_text="Testun")
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    with pytest.raises(PermissionDenied, match=f"approver access to @{welsh.handle}"):
        approve(session, post, by=english_only, settings=factory.settings, now=NOW)
    assert post.approvals == []


def test_twins_each_need_their_own_channels_approvals(factory: Factory, session: Session) -> None:
    english, welsh = factory.twin_channels(approvals_required=2)
    author = factory.author(english, welsh)
    first, second = factory.approver(english, welsh), factory.approver(english, welsh)
    post = factory.post(english, author, twin_text="Testun", send_at=LATER)
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    approve(session, post, by=first, settings=factory.settings, now=NOW)
    # Welsh needs one, English two: neither moves until both are cleared.
    assert post.twin is not None
    assert (post.state, post.twin.state) == (PostState.IN_REVIEW, PostState.IN_REVIEW)
    approve(session, post, by=second, settings=factory.settings, now=NOW)
    assert (post.state, post.twin.state) == (PostState.SCHEDULED, PostState.SCHEDULED)


def test_editing_one_twin_sends_both_back_and_voids_both(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    post = factory.post(english, author, twin_text="Testun", send_at=LATER)
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    twin = post.twin
    assert twin is not None
    edit_post(session, twin, by=author, settings=factory.settings, text="Testun newydd", now=NOW)
    assert (post.state, twin.state) == (PostState.DRAFT, PostState.DRAFT)
    assert approval_count(post) == approval_count(twin) == 0
    assert post.content_version == 1  # its own text did not change
    assert post_history(session, post)[-1].action == "returned_to_draft"

    # A new time belongs to both twins.
    edit_post(
        session,
        post,
        by=author,
        settings=factory.settings,
        send_at=LATER + timedelta(hours=1),
        now=NOW,
    )
    assert twin.send_at == post.send_at == LATER + timedelta(hours=1)


def test_a_thread_with_welsh_twins_moves_as_one(factory: Factory, session: Session) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    thread = create_thread(
        session,
        channel=english,
        texts=["One", "Two", "Three"],
        twin_texts=["Un", "Dau", "Tri"],
        by=author,
        settings=factory.settings,
        send_at=LATER,
        now=NOW,
    )
    posts = list(thread.posts)
    assert [p.text for p in posts] == ["One", "Two", "Three"]
    assert thread.twin_thread is not None
    assert [p.twin.text for p in posts if p.twin] == ["Un", "Dau", "Tri"]

    submit(session, posts[1], by=author, settings=factory.settings, now=NOW)
    everything = posts + list(thread.twin_thread.posts)
    assert {p.state for p in everything} == {PostState.IN_REVIEW}
    approve(session, posts[2], by=approver, settings=factory.settings, now=NOW)
    assert {p.state for p in everything} == {PostState.SCHEDULED}
    assert {p.due_at for p in everything} == {LATER}

    audit_count = session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).all()
    assert len(audit_count) == 6


def test_adding_to_and_reordering_a_thread_keeps_twins_in_step(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    thread = create_thread(
        session,
        channel=english,
        texts=["One", "Three"],
        twin_texts=["Un", "Tri"],
        by=author,
        settings=factory.settings,
        now=NOW,
    )
    factory.move(thread.posts[0], PostState.APPROVED, approvers=[approver])
    result = add_to_thread(
        session,
        thread,
        text="Two",
        twin_text="Dau",
        position=2,
        by=author,
        settings=factory.settings,
        now=NOW,
    )
    assert result.post.thread_position == 2
    assert [p.text for p in thread.posts] == ["One", "Two", "Three"]
    assert thread.twin_thread is not None
    assert [p.text for p in thread.twin_thread.posts] == ["Un", "Dau", "Tri"]
    assert {p.state for p in thread.posts} == {PostState.DRAFT}
    assert all(approval_count(p) == 0 for p in thread.posts)

    one, two, three = thread.posts
    reorder_thread(
        session,
        thread,
        order=[three.id, one.id, two.id],
        by=author,
        settings=factory.settings,
        now=NOW,
    )
    assert [p.text for p in thread.posts] == ["Three", "One", "Two"]
    assert [p.text for p in thread.twin_thread.posts] == ["Tri", "Un", "Dau"]


def test_a_send_time_before_the_embargo_is_refused_in_local_time(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    release = factory.release(access=[author])
    with pytest.raises(ValidationFailed) as refused:
        create_post(
            session,
            channel=channel,
            text="Inflation fell",
            by=author,
            settings=factory.settings,
            release=release,
            send_at=release.embargo_at - timedelta(minutes=1),
            now=NOW,
        )
    assert refused.value.message == (
        f"The send time, Fri 12 Mar 2027 09:29 GMT, is before the embargo of {release.title!r} "
        "at Fri 12 Mar 2027 09:30 GMT; choose Fri 12 Mar 2027 09:30 GMT or later"
    )


def test_a_past_send_time_is_refused(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    with pytest.raises(ValidationFailed, match="has passed; choose a later time"):
        factory.post(channel, author, send_at=NOW - timedelta(minutes=1))


def test_text_over_the_limit_is_refused_with_the_count(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    with pytest.raises(ValidationFailed) as refused:
        factory.post(channel, author, text="x" * 281)
    assert refused.value.message == (
        f"Text for @{channel.handle}: The post is 281 characters as X counts them, 1 over the "
        "limit of 280"
    )
    assert refused.value.field == "text"


def test_an_adapter_that_cannot_be_loaded_is_one_clear_refusal(
    factory: Factory, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.platforms import registry

    channel = factory.channel("Broken")
    author = factory.author(channel)

    def missing(name: str) -> type:
        raise ModuleNotFoundError("No module named 'scheduler.platforms.mock'")

    monkeypatch.setattr(registry, "platform_class", missing)
    with pytest.raises(ValidationFailed) as refused:
        factory.post(channel, author, text="Hello")
    assert refused.value.message == (
        "The mock platform adapter of @Broken is registered but cannot be loaded (No module "
        "named 'scheduler.platforms.mock'); reinstall Gatepost or the adapter"
    )
