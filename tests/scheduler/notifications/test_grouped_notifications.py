"""One notification per clearance unit: a thread and its twins make one, e-mailed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import edit_post, request_changes, submit
from scheduler.clearance.threads import create_thread
from scheduler.core.database import Database
from scheduler.models import (
    AccessRole,
    Channel,
    ChannelAccess,
    Notification,
    PostState,
    Thread,
    User,
)
from scheduler.models.notification import NotificationPost
from scheduler.notifications.operations import notify_from_audit
from scheduler.notifications.reading import list_notifications, mark_read, unread_count
from tests.scheduler.notifications.mailbox import send_at
from tests.scheduler.publishing.conftest import Worker
from tests.support.factories import NOW, Factory
from tests.support.publishing_factories import PublishingFactory


def notifications_of(session: Session, user: User) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def covered(session: Session, notification: Notification) -> set[int]:
    return set(
        session.scalars(
            select(NotificationPost.post_id).where(
                NotificationPost.notification_id == notification.id
            )
        )
    )


def labour_market_thread(
    factory: Factory, english: Channel, welsh: Channel, author: User, count: int = 8
) -> Thread:
    return create_thread(
        factory.session,
        channel=english,
        texts=[f"Labour market post {number}" for number in range(1, count + 1)],
        twin_texts=[f"Marchnad lafur {number}" for number in range(1, count + 1)],
        by=author,
        settings=factory.settings,
        title="Labour market, December",
        now=NOW,
    )


def test_a_thread_of_8_with_its_welsh_twins_is_one_notification_and_one_e_mail_each(
    session: Session, settings: Settings, factory: Factory, shared_database: Database
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approvers = [factory.approver(english, welsh), factory.approver(english, welsh)]
    thread = labour_market_thread(factory, english, welsh, author)
    submit(session, thread.posts[0], by=author, settings=settings, now=NOW)

    mails = send_at(shared_database, settings, NOW)

    subject = (
        f"Gatepost: Thread 'Labour market, December' on @{english.handle} (8 posts and their "
        "Welsh twins) is waiting for your clearance"
    )
    assert sorted((mail.to, mail.subject) for mail in mails) == sorted(
        (approver.email, subject) for approver in approvers
    )
    assert all("Labour market post" not in mail.body for mail in mails)
    [note] = notifications_of(session, approvers[0])
    assert note.post_id == thread.posts[0].id
    assert len(covered(session, note)) == 16
    assert unread_count(session, approvers[0]) == 1
    assert notifications_of(session, author) == []  # nobody hears what they did themselves
    assert send_at(shared_database, settings, NOW + timedelta(minutes=1)) == []


def test_a_later_event_of_the_same_kind_updates_the_unread_notification_and_mails_nothing(
    session: Session, settings: Settings, factory: Factory, shared_database: Database
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    editor = factory.grant(factory.approver(channel), [channel], AccessRole.AUTHOR)
    thread = create_thread(
        session, channel=channel, texts=["One", "Two", "Three"], by=author, settings=settings,
        title="Retail sales", now=NOW,
    )  # fmt: skip
    first, second, third = thread.posts
    edit_post(session, first, by=editor, settings=settings, text="One, again", now=NOW)
    [mail] = send_at(shared_database, settings, NOW)
    assert mail.subject == f"Gatepost: Post {first.id} on @ons was edited by {editor.name}"

    later = NOW + timedelta(minutes=5)
    edit_post(session, second, by=editor, settings=settings, text="Two, again", now=later)
    assert send_at(shared_database, settings, later) == []  # e-mailed once, not once a post

    [note] = notifications_of(session, author)
    session.refresh(note)
    assert note.message == f"Thread 'Retail sales' on @ons (2 posts) was edited by {editor.name}"
    assert (note.created_at, note.updated_at) == (NOW, later)
    assert covered(session, note) == {first.id, second.id}

    # Read, it is finished with: the next edit is news of its own.
    mark_read(session, author, notification_id=note.id, now=later)
    edit_post(session, third, by=editor, settings=settings, text="Three, again", now=later)
    notify_from_audit(session, now=later)
    assert [n.message for n in list_notifications(session, author)] == [
        f"Post {third.id} on @ons was edited by {editor.name}",
        f"Thread 'Retail sales' on @ons (2 posts) was edited by {editor.name}",
    ]


def test_reading_one_notification_reads_its_unit_and_the_header_counts_units(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = factory.approver(channel)
    editor = factory.grant(factory.approver(channel), [channel], AccessRole.AUTHOR)
    thread = create_thread(
        session, channel=channel, texts=["One", "Two"], by=author, settings=settings, now=NOW,
    )  # fmt: skip
    submit(session, thread.posts[0], by=author, settings=settings, now=NOW)
    request_changes(
        session, thread.posts[0], comment="Check it", by=approver, settings=settings, now=NOW
    )
    edit_post(session, thread.posts[1], by=editor, settings=settings, text="Two!", now=NOW)
    alone = factory.move(factory.post(channel, author), PostState.APPROVED, approvers=[approver])
    notify_from_audit(session, now=NOW)

    kinds = sorted(note.kind for note in notifications_of(session, author))
    assert kinds == ["approved", "edited", "sent_back"]
    assert unread_count(session, author) == 2  # the thread, and the post on its own
    sent_back = next(n for n in notifications_of(session, author) if n.kind == "sent_back")
    assert sent_back.message == "Thread on @ons (2 posts) was sent back to you"

    assert mark_read(session, author, notification_id=sent_back.id, now=NOW) == 1
    assert unread_count(session, author) == 1
    [still_unread] = list_notifications(session, author, unread_only=True)
    assert still_unread.post_id == alone.id


def test_twins_the_worker_missed_make_one_notification_for_each_person(
    session: Session, worker: Worker
) -> None:
    factory = PublishingFactory(session)
    english = factory.channel("ons")
    welsh = factory.channel("ons_cy", language="cy")
    english.twin_id, welsh.twin_id = welsh.id, english.id
    for channel in (english, welsh):
        for user, role in (
            (factory.author, AccessRole.AUTHOR),
            (factory.approver, AccessRole.APPROVER),
        ):
            session.add(ChannelAccess(user_id=user.id, channel_id=channel.id, role=role))
    session.flush()
    at = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)  # a Thursday, in office hours
    first, second = factory.twins(english, welsh, send_at=at)

    worker.run_at(at + timedelta(minutes=15, seconds=1))  # the worker was down since before
    assert (first.state, second.state) == (PostState.MISSED, PostState.MISSED)
    mails = send_at(worker.runtime.database, worker.settings, at + timedelta(minutes=16))

    subject = f"Gatepost: Post {first.id} on @ons with its Welsh twin missed its send time"
    assert sorted((mail.to, mail.subject) for mail in mails) == sorted(
        (user.email, subject) for user in (factory.author, factory.approver)
    )
    notes = session.scalars(select(Notification).where(Notification.kind == "missed")).all()
    assert len(notes) == 2
    assert {post_id for note in notes for post_id in covered(session, note)} == {
        first.id,
        second.id,
    }


def test_a_thread_title_under_embargo_is_never_in_a_notification(
    session: Session, settings: Settings, factory: Factory, shared_database: Database
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    release = factory.release(access=[author, approver], title="Labour market, December")
    thread = create_thread(
        session, channel=english, texts=["Unemployment 4.1%", "Employment 75%"],
        twin_texts=["Diweithdra 4.1%", "Cyflogaeth 75%"], by=author, settings=settings,
        release=release, title="Unemployment falls to 4.1%", now=NOW,
    )  # fmt: skip
    submit(session, thread.posts[0], by=author, settings=settings, now=NOW)

    [mail] = send_at(shared_database, settings, NOW)

    assert mail.subject == (
        f"Gatepost: Thread for 'Labour market, December' on @{english.handle} (2 posts and "
        "their Welsh twins) is waiting for your clearance"
    )
    assert "4.1" not in mail.body
    # Once the embargo has passed the title may be named, in the next notification about it.
    after = release.embargo_at + timedelta(minutes=1)
    request_changes(
        session, thread.posts[0], comment="Say when", by=approver, settings=settings, now=after
    )
    mails = send_at(shared_database, settings, after)
    [sent_back] = [
        mail for mail in mails if mail.to == author.email and "sent back" in mail.subject
    ]
    assert sent_back.subject == (
        f"Gatepost: Thread 'Unemployment falls to 4.1%' on @{english.handle} (2 posts and their "
        "Welsh twins) was sent back to you"
    )
