"""Notifications made from the audit trail (the worker's, end to end: test_failure_notices)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from config import Settings
from scheduler.audit import record
from scheduler.clearance import edit_post, request_changes
from scheduler.database import Database
from scheduler.models import AccessRole, Notification, NotificationCursor, Post, PostState, User
from scheduler.notification_delivery import deliver_notifications
from scheduler.notifications import (
    list_notifications,
    mark_read,
    notify_from_audit,
    unread_count,
)
from tests.support.factories import NOW, Factory
from tests.support.publishing_factories import make_settings


def notified(session: Session) -> list[tuple[str, int, str]]:
    return [
        (row.kind, row.user_id, row.message)
        for row in session.scalars(select(Notification).order_by(Notification.id))
    ]


def test_submitting_tells_the_channels_approvers_only(session: Session, factory: Factory) -> None:
    channel, other = factory.channel("ons"), factory.channel("dhsc")
    author = factory.author(channel)
    approver, elsewhere = factory.approver(channel), factory.approver(other)
    post = factory.post(channel, author)
    notify_from_audit(session, now=NOW)  # the draft's creation notifies nobody

    factory.move(post, PostState.IN_REVIEW)
    report = notify_from_audit(session, now=NOW)

    assert report.created == 1
    assert notified(session) == [
        ("submitted", approver.id, f"Post {post.id} on @ons is waiting for your clearance")
    ]
    assert elsewhere.id not in [user_id for _, user_id, _ in notified(session)]


def test_sending_back_and_approving_tell_the_author(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    sent_back = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    request_changes(
        session, sent_back, comment="Check the figure", by=approver, settings=settings, now=NOW
    )
    scheduled = factory.post(channel, author, send_at=NOW + timedelta(days=1))
    factory.move(scheduled, PostState.SCHEDULED, approvers=[approver])
    approved = factory.move(factory.post(channel, author), PostState.APPROVED, approvers=[approver])

    notify_from_audit(session, now=NOW)

    kinds = {(kind, user_id) for kind, user_id, _ in notified(session)}
    assert ("sent_back", author.id) in kinds
    assert ("scheduled", author.id) in kinds
    assert ("approved", author.id) in kinds
    messages = [m for _, user_id, m in notified(session) if user_id == author.id]
    assert f"Post {sent_back.id} on @ons was sent back to you" in messages
    assert f"Post {approved.id} on @ons was approved" in messages
    assert "Check the figure" not in " ".join(messages)


def test_the_author_hears_when_someone_else_edits_their_post(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    editor = factory.grant(factory.approver(channel), [channel], AccessRole.AUTHOR)
    post = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    notify_from_audit(session, now=NOW)
    before = len(notified(session))

    edit_post(session, post, by=author, settings=settings, text="Retail sales rose", now=NOW)
    notify_from_audit(session, now=NOW)
    assert notified(session)[before:] == []  # nobody is told what they did themselves

    edit_post(session, post, by=editor, settings=settings, text="Retail sales fell", now=NOW)
    notify_from_audit(session, now=NOW)
    assert notified(session)[before:] == [
        ("edited", author.id, f"Post {post.id} on @ons was edited by {editor.name}")
    ]


def test_old_worker_action_names_in_the_trail_still_notify(
    session: Session, factory: Factory
) -> None:
    # Audit is append-only: a database from before one vocabulary keeps the worker's old names.
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    notify_from_audit(session, now=NOW)
    before = len(notified(session))
    for action, state in (
        ("failed", "failed"),
        ("recovered", "unknown"),
        ("recovered", "published"),
    ):
        record(session, action, actor_label="worker:old", post=post, from_state="publishing",
               to_state=state, at=NOW)  # fmt: skip

    notify_from_audit(session, now=NOW)

    made = sorted((kind, user_id) for kind, user_id, _ in notified(session)[before:])
    assert made == sorted(
        (kind, user.id) for kind in ("failed", "unknown") for user in (author, approver)
    )


def test_workers_creating_the_cursor_at_once_both_succeed_without_an_error(
    committed_database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(committed_database, tmp_path)
    failures: list[BaseException] = []

    def second_worker() -> None:
        try:
            deliver_notifications(committed_database, settings, now=NOW)
        except BaseException as error:
            failures.append(error)

    caplog.set_level(logging.WARNING)
    with committed_database.unit_of_work() as first:
        notify_from_audit(first, now=NOW)  # creates the cursor row, not yet committed
        other = threading.Thread(target=second_worker)
        other.start()
        wait_until_blocked(committed_database, other)

    other.join(timeout=30)
    assert not other.is_alive()
    assert failures == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    with committed_database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NotificationCursor)) == 1


def wait_until_blocked(database: Database, thread: threading.Thread) -> None:
    """Wait until the thread's connection waits on a lock (PostgreSQL) or a moment (SQLite)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and thread.is_alive():
        if database.engine.dialect.name != "postgresql":
            time.sleep(0.5)
            return
        with database.engine.connect() as connection:
            waiting = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
            )
        if waiting:
            return
        time.sleep(0.05)


def test_each_event_notifies_once_and_stale_history_is_passed_over(
    session: Session, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author, _approver = factory.author(channel), factory.approver(channel)
    old = factory.move(factory.post(channel, author), PostState.IN_REVIEW)

    assert notify_from_audit(session, now=NOW + timedelta(days=3)).created == 0

    factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    assert notify_from_audit(session, now=NOW).created == 1
    assert notify_from_audit(session, now=NOW).created == 0
    assert old.id not in [n.post_id for n in session.scalars(select(Notification))]


def test_embargoed_posts_are_described_never_quoted(session: Session, factory: Factory) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    release = factory.release(access=[author, approver])
    post = factory.post(channel, author, text="Unemployment 4.4%", release=release)
    factory.move(post, PostState.IN_REVIEW)

    notify_from_audit(session, now=NOW)

    [(_, _, message)] = notified(session)
    assert message == f"Post {post.id} on @ons is waiting for your clearance"


def test_reading_marks_one_or_all(session: Session, factory: Factory) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver: User = factory.approver(channel)
    posts: list[Post] = [
        factory.move(factory.post(channel, author), PostState.IN_REVIEW) for _ in range(3)
    ]
    notify_from_audit(session, now=NOW)
    newest = list_notifications(session, approver)

    assert [n.post_id for n in newest] == [p.id for p in reversed(posts)]
    assert unread_count(session, approver) == 3
    assert mark_read(session, approver, notification_id=newest[0].id, now=NOW) == 1
    assert unread_count(session, approver) == 2
    assert mark_read(session, author, notification_id=newest[1].id, now=NOW) == 0
    assert mark_read(session, approver, now=NOW) == 2
    assert unread_count(session, approver) == 0
