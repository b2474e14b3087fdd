"""Comments on a post: who may write them, @mentions, their audit event and notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import request_changes, submit
from scheduler.comments import add_comment, conversation, standing_send_back
from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.models import AccessRole, AuditEvent, Comment, Notification, PostState, Role
from scheduler.notifications.instant_mail import take_pending_emails
from scheduler.notifications.operations import notify_from_audit
from tests.support.factories import Factory


def test_author_and_approver_talk_and_the_conversation_is_oldest_first(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = factory.approver(channel)
    post = factory.post(channel, author, text="Prices rose 3% in the year to May")

    add_comment(session, post, "Is 3% rounded?", by=approver, settings=settings, now=factory.now)
    later = factory.now + timedelta(minutes=2)
    add_comment(session, post, "Yes, from 3.2%", by=author, settings=settings, now=later)

    remarks = conversation(session, post)
    assert [(remark.author_name, remark.text) for remark in remarks] == [
        (approver.display_name, "Is 3% rounded?"),
        (author.display_name, "Yes, from 3.2%"),
    ]
    [event, _] = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "comment").order_by(AuditEvent.id)
    ).all()
    # The event points at the comment; its words stay in the comment alone.
    first = session.scalars(select(Comment).order_by(Comment.id)).first()
    assert first is not None
    assert event.details == {"comment_id": first.id, "mentioned": []}
    assert event.comment == ""
    assert event.actor_id == approver.id


def test_people_without_author_or_approver_access_cannot_comment(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel, elsewhere = factory.channel("ons"), factory.channel("other")
    post = factory.post(channel, factory.author(channel))
    outsider = factory.approver(elsewhere)

    with pytest.raises(PermissionDenied, match="author or approver access to @ons"):
        add_comment(session, post, "Looks fine", by=outsider, settings=settings)
    admin = factory.user(Role.ADMIN)
    add_comment(session, post, "Admins may", by=admin, settings=settings, now=factory.now)
    assert session.scalar(select(Comment.text)) == "Admins may"


def test_an_embargoed_post_takes_comments_only_from_its_access_list(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    listed, unlisted = factory.approver(channel), factory.approver(channel)
    release = factory.release(access=[listed], title="Labour market")
    post = factory.post(channel, author, text="Unemployment 4.4%", release=release)

    with pytest.raises(PermissionDenied, match="pre-release access list of 'Labour market'"):
        add_comment(session, post, "Hm", by=unlisted, settings=settings, now=factory.now)
    with pytest.raises(PermissionDenied, match="pre-release access list"):
        add_comment(
            session, post, "Hm", by=factory.user(Role.ADMIN), settings=settings, now=factory.now
        )
    add_comment(session, post, "Fine by me", by=listed, settings=settings, now=factory.now)
    # After the embargo everyone on the channel may join in.
    after = release.embargo_at + timedelta(minutes=1)
    add_comment(session, post, "Out now", by=unlisted, settings=settings, now=after)


def test_empty_and_overlong_comments_are_refused(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    post = factory.post(channel, factory.author(channel))
    approver = factory.approver(channel)

    with pytest.raises(ValidationFailed, match="Write a comment"):
        add_comment(session, post, "   ", by=approver, settings=settings)
    with pytest.raises(ValidationFailed, match="2000 characters at most; this one has 2001"):
        add_comment(session, post, "x" * 2001, by=approver, settings=settings)
    with pytest.raises(ValidationFailed, match="cannot be stored"):
        add_comment(session, post, "a\x00b", by=approver, settings=settings)


def test_a_mention_notifies_the_person_in_the_app_and_by_email_without_the_words(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.user(Role.AUTHOR, email="sam.jones@ons.gov.uk", name="Sam Jones")
    factory.grant(author, [channel], AccessRole.AUTHOR)
    approver = factory.approver(channel)
    post = factory.post(channel, author, text="Prices rose 3%")

    add_comment(
        session,
        post,
        "@Sam.Jones please check the 3% figure",
        by=approver,
        settings=settings,
        now=factory.now,
    )
    notify_from_audit(session, now=factory.now)

    [note] = session.scalars(select(Notification).where(Notification.kind == "mentioned")).all()
    assert note.user_id == author.id
    assert note.message == (
        f"Post {post.id} on @ons has a comment mentioning you by {approver.display_name}"
    )
    [mail] = [mail for mail in take_pending_emails(session) if mail.to == author.email]
    assert "3%" not in mail.subject + mail.body


def test_mentioning_someone_without_access_is_refused_saying_who_and_why(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel, elsewhere = factory.channel("ons"), factory.channel("other")
    post = factory.post(channel, factory.author(channel))
    approver = factory.approver(channel)
    stranger = factory.user(Role.APPROVER, email="kim@ons.gov.uk", name="Kim Lee")
    factory.grant(stranger, [elsewhere], AccessRole.APPROVER)

    with pytest.raises(ValidationFailed) as refused:
        add_comment(session, post, "@kim can you look?", by=approver, settings=settings)
    assert (
        refused.value.message == "Kim Lee (@kim) cannot be mentioned: they have no access to @ons"
    )
    assert session.scalar(select(Comment.id)) is None
    # An address in the text, and a name that is nobody's, are not mentions.
    add_comment(
        session,
        post,
        "Ask press@ons.gov.uk or @ons_wales",
        by=approver,
        settings=settings,
        now=factory.now,
    )


def test_mentioning_someone_off_the_access_list_of_an_embargoed_post_is_refused(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    other = factory.user(Role.APPROVER, email="lee@ons.gov.uk", name="Lee")
    factory.grant(other, [channel], AccessRole.APPROVER)
    release = factory.release(access=[author], title="GDP")
    post = factory.post(channel, author, release=release)

    with pytest.raises(ValidationFailed, match="not on the pre-release access list of 'GDP'"):
        add_comment(
            session, post, "@lee please clear", by=author, settings=settings, now=factory.now
        )


def test_the_send_back_comment_stands_until_the_post_is_submitted_again(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = factory.approver(channel)
    post = factory.post(channel, author)
    factory.move(post, PostState.IN_REVIEW)
    assert standing_send_back(session, post) is None

    request_changes(
        session, post, comment="Name the month", by=approver, settings=settings, now=factory.now
    )
    standing = standing_send_back(session, post)
    assert standing is not None
    assert standing.text == "Name the month"
    assert standing.author_name == approver.display_name
    assert [remark.sent_back for remark in conversation(session, post)] == [True]

    submit(session, post, by=author, settings=settings, now=factory.now + timedelta(minutes=1))
    assert standing_send_back(session, post) is None
    # It stays in the conversation.
    assert [remark.text for remark in conversation(session, post)] == ["Name the month"]
