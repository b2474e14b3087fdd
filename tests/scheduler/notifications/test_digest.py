"""The daily digest and each person's e-mail choice: at their local time, once a day."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core.database import Database
from scheduler.core.errors import ValidationFailed
from scheduler.models import Channel, Notification, PostState, User
from scheduler.models.notification import EmailChoice, EmailState
from scheduler.notifications.choices import choose_email, email_preference
from scheduler.notifications.delivery import deliver_notifications
from scheduler.notifications.digest import digest_due_at
from scheduler.notifications.reading import mark_read, unread_count
from tests.scheduler.notifications.mailbox import Mail, mailbox_of, send_at
from tests.support.factories import Factory
from tests.support.publishing_factories import make_settings

LONDON = ZoneInfo("Europe/London")
#: Friday before the clocks go forward (Sunday 29 March 2026, 01:00 GMT becomes 02:00 BST).
FRIDAY = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)
SATURDAY_8AM = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 08:00 GMT
SUNDAY_8AM = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 BST


def test_the_digest_instant_follows_the_clocks() -> None:
    assert digest_due_at(date(2026, 3, 28), time(8, 0), LONDON) == SATURDAY_8AM
    assert digest_due_at(date(2026, 3, 29), time(8, 0), LONDON) == SUNDAY_8AM
    # 01:30 does not happen on the night the clocks go forward: it comes as they do, at 02:00 BST.
    assert digest_due_at(date(2026, 3, 29), time(1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    # 01:30 happens twice on the night they go back: the first time.
    assert digest_due_at(date(2026, 10, 25), time(1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def team(factory: Factory) -> tuple[User, list[User]]:
    """Return an author and three approvers of one channel: as it happens, digest, no e-mail."""
    channel = factory.channel("ons")
    author = factory.author(channel)
    approvers = [factory.approver(channel) for _ in range(3)]
    for approver, choice, at in (
        (approvers[1], "daily_digest", time(8, 0)),
        (approvers[2], EmailChoice.NONE, None),
    ):
        choose_email(factory.session, approver, choice=choice, digest_time=at, zone=LONDON,
                     now=factory.now)  # fmt: skip
    return author, approvers


def submit_posts(factory: Factory, author: User, count: int) -> list[int]:
    channel = factory.session.scalars(select(Channel).where(Channel.handle == "ons")).one()
    return [
        factory.move(factory.post(channel, author), PostState.IN_REVIEW).id for _ in range(count)
    ]


def test_each_person_is_e_mailed_as_they_chose_and_sees_everything_in_the_app(
    session: Session, settings: Settings, shared_database: Database
) -> None:
    factory = Factory(session, settings, now=FRIDAY)
    author, (instant, digest, quiet) = team(factory)
    submit_posts(factory, author, 2)

    mails = send_at(shared_database, settings, FRIDAY)

    assert {mail.to for mail in mails} == {instant.email}
    assert len(mails) == 2
    assert [unread_count(session, person) for person in (instant, digest, quiet)] == [2, 2, 2]
    states = dict(
        session.execute(
            select(Notification.user_id, Notification.email_state).where(
                Notification.user_id.in_([digest.id, quiet.id])
            )
        ).all()
    )
    assert states == {digest.id: EmailState.WAITING, quiet.id: EmailState.NOT_SENT}


def digest_mails(mails: list[Mail]) -> list[Mail]:
    return [mail for mail in mails if "your digest" in mail.subject]


def test_the_digest_comes_at_the_chosen_local_time_on_both_sides_of_the_clock_change(
    session: Session, settings: Settings, shared_database: Database
) -> None:
    factory = Factory(session, settings, now=FRIDAY)
    author, (_instant, digest, _quiet) = team(factory)
    first = submit_posts(factory, author, 2)
    send_at(shared_database, settings, FRIDAY)

    assert (
        digest_mails(send_at(shared_database, settings, SATURDAY_8AM - timedelta(minutes=1))) == []
    )
    [saturday] = digest_mails(send_at(shared_database, settings, SATURDAY_8AM))
    assert saturday.to == digest.email
    assert saturday.subject == "Gatepost: your digest for Sat 28 Mar 2026, 2 unread notifications"
    for post_id in first:
        assert f"Post {post_id} on @ons is waiting for your clearance" in saturday.body
    assert "Fri 27 Mar 2026 10:00 GMT" in saturday.body
    assert "Post number" not in saturday.body  # never a post's text
    assert send_at(shared_database, settings, SATURDAY_8AM + timedelta(hours=3)) == []

    # Saturday's news: one read in the app before the digest, one not.
    later = Factory(session, settings, now=SATURDAY_8AM + timedelta(hours=4))
    read, unread = submit_posts(later, author, 2)
    send_at(shared_database, settings, later.now)
    note = session.scalars(
        select(Notification).where(Notification.user_id == digest.id, Notification.post_id == read)
    ).one()
    mark_read(session, digest, notification_id=note.id, now=later.now)

    # 08:00 on Sunday is 07:00 UTC: the clocks went forward overnight.
    assert digest_mails(send_at(shared_database, settings, SUNDAY_8AM - timedelta(minutes=1))) == []
    [sunday] = digest_mails(send_at(shared_database, settings, SUNDAY_8AM))
    assert sunday.subject == "Gatepost: your digest for Sun 29 Mar 2026, 1 unread notification"
    assert f"Post {unread} on @ons" in sunday.body
    assert f"Post {read} on @ons" not in sunday.body
    assert f"Post {first[0]} on @ons" not in sunday.body  # listed yesterday
    assert send_at(shared_database, settings, SUNDAY_8AM + timedelta(hours=12)) == []


def test_nothing_unread_means_no_digest(
    session: Session, settings: Settings, shared_database: Database
) -> None:
    factory = Factory(session, settings, now=FRIDAY)
    author, (_instant, digest, _quiet) = team(factory)
    submit_posts(factory, author, 1)
    send_at(shared_database, settings, FRIDAY)
    mark_read(session, digest, now=FRIDAY)

    assert digest_mails(send_at(shared_database, settings, SATURDAY_8AM)) == []


def test_two_workers_and_a_restart_send_one_digest_a_day(
    committed_database: Database, tmp_path: Path
) -> None:
    settings = make_settings(committed_database, tmp_path)
    with committed_database.session_factory() as session:
        factory = Factory(session, settings, now=FRIDAY)
        author, (_instant, digest, _quiet) = team(factory)
        submit_posts(factory, author, 3)
        session.commit()
        digest_email = digest.email
    deliver_notifications(committed_database, settings, now=FRIDAY)
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait(timeout=10)
            deliver_notifications(committed_database, settings, now=SATURDAY_8AM)
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert failures == []
    # A worker started again later that day finds the day's digest taken.
    deliver_notifications(committed_database, settings, now=SATURDAY_8AM + timedelta(hours=2))
    digests = digest_mails(mailbox_of(settings))
    assert [(mail.to, mail.subject) for mail in digests] == [
        (digest_email, "Gatepost: your digest for Sat 28 Mar 2026, 3 unread notifications")
    ]


def test_choosing_is_checked_and_settles_what_waits(
    session: Session, settings: Settings, shared_database: Database
) -> None:
    factory = Factory(session, settings, now=FRIDAY)
    author, (instant, digest, _quiet) = team(factory)

    with pytest.raises(ValidationFailed) as refused:
        choose_email(session, instant, choice="daily_digest", zone=LONDON)
    assert refused.value.field == "digest_time"
    with pytest.raises(ValidationFailed):
        choose_email(session, instant, choice="hourly", zone=LONDON)
    assert email_preference(session, instant).choice is EmailChoice.AS_IT_HAPPENS

    submit_posts(factory, author, 1)
    send_at(shared_database, settings, FRIDAY)
    # Leaving the digest for e-mails as they happen sends no burst of the day's notifications.
    choose_email(session, digest, choice="as_it_happens", zone=LONDON, now=FRIDAY)
    assert email_preference(session, digest).digest_time == time(8, 0)  # kept, to offer again
    later = Factory(session, settings, now=FRIDAY + timedelta(hours=1))
    [post_id] = submit_posts(later, author, 1)
    mails = send_at(shared_database, settings, later.now)
    assert sorted(mail.to for mail in mails) == sorted([instant.email, digest.email])
    assert all(f"Post {post_id} on @ons" in mail.subject for mail in mails)


def test_a_digest_chosen_after_its_time_today_first_comes_tomorrow(
    session: Session, settings: Settings, shared_database: Database
) -> None:
    factory = Factory(session, settings, now=FRIDAY)  # 10:00 GMT
    channel = factory.channel("ons")
    author, late, early = (
        factory.author(channel),
        factory.approver(channel),
        factory.approver(channel),
    )
    for person, at in ((late, time(9, 0)), (early, time(11, 0))):
        choose_email(session, person, choice="daily_digest", digest_time=at, zone=LONDON,
                     now=FRIDAY)  # fmt: skip
    submit_posts(factory, author, 1)

    sent = digest_mails(send_at(shared_database, settings, FRIDAY + timedelta(hours=1)))
    assert [mail.to for mail in sent] == [early.email]  # 11:00 today
    sent = digest_mails(send_at(shared_database, settings, FRIDAY + timedelta(hours=23)))
    assert [mail.to for mail in sent] == [late.email]  # 09:00 tomorrow
