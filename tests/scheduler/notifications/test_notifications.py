"""Notifications made from the audit trail (the worker's, end to end: test_failure_notices)."""

from __future__ import annotations

import io
import logging
import mailbox
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import (
    add_twin,
    create_post,
    edit_post,
    reorder_thread,
    request_changes,
    unschedule,
)
from scheduler.clearance.media import attach_image, remove_image
from scheduler.clearance.threads import create_thread
from scheduler.clearance.transitions import EDIT_KINDS
from scheduler.core.audit import record
from scheduler.core.database import Database
from scheduler.models import (
    AccessRole,
    Channel,
    Notification,
    NotificationCursor,
    Post,
    PostState,
    Release,
    User,
)
from scheduler.notifications.delivery import deliver_notifications
from scheduler.notifications.operations import notify_from_audit, trigger_for
from scheduler.notifications.reading import list_notifications, mark_read, unread_count
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


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _add_twin(session: Session, post: Post, by: User, settings: Settings) -> list[Post]:
    add_twin(session, post, text="Cyfieithiad", by=by, settings=settings, now=NOW)
    return [post]


def _attach_image(session: Session, post: Post, by: User, settings: Settings) -> list[Post]:
    attach_image(
        session, post, data=png(), filename="chart.png", alt_text="A chart", by=by,
        settings=settings, now=NOW,
    )  # fmt: skip
    return [post]


def _remove_image(session: Session, post: Post, by: User, settings: Settings) -> list[Post]:
    author = session.get(User, post.author_id)
    assert author is not None
    attached = attach_image(
        session, post, data=png(), filename="chart.png", alt_text="A chart", by=author,
        settings=settings, now=NOW,
    )  # fmt: skip
    notify_from_audit(session, now=NOW)  # the author's own change tells nobody
    remove_image(session, attached, by=by, settings=settings, now=NOW)
    return [post]


def _reorder_thread(session: Session, post: Post, by: User, settings: Settings) -> list[Post]:
    author = session.get(User, post.author_id)
    assert author is not None
    thread = create_thread(
        session, channel=post.channel, texts=["One", "Two"], by=author, settings=settings,
        now=NOW,
    )  # fmt: skip
    notify_from_audit(session, now=NOW)
    order = [member.id for member in reversed(thread.posts)]
    reorder_thread(session, thread, order=order, by=by, settings=settings, now=NOW)
    return list(thread.posts)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_add_twin, "had a twin added by"),
        (_attach_image, "had an image attached by"),
        (_remove_image, "had an image removed by"),
        (_reorder_thread, "had its thread reordered by"),
    ],
    ids=["twin added", "image attached", "image removed", "thread reordered"],
)
def test_the_author_hears_of_every_kind_of_change_someone_else_makes(
    session: Session,
    settings: Settings,
    factory: Factory,
    change: Callable[[Session, Post, User, Settings], list[Post]],
    words: str,
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    editor = factory.grant(factory.approver(english, welsh), [english, welsh], AccessRole.AUTHOR)
    post = factory.post(english, author)
    notify_from_audit(session, now=NOW)
    before = len(notified(session))

    changed = change(session, post, editor, settings)
    notify_from_audit(session, now=NOW)

    # Each is an edit that makes the editor an author of the post, so its author hears of it:
    # once for the clearance unit (a reordered thread is one notification, not one a post).
    [member, *others] = changed
    subject = (
        f"Thread on @{english.handle} ({len(changed)} posts)"
        if others
        else f"Post {member.id} on @{english.handle}"
    )
    assert notified(session)[before:] == [("edited", author.id, f"{subject} {words} {editor.name}")]


def test_every_kind_of_edit_notifies_the_author() -> None:
    assert {
        kind: trigger_for(kind.value, None) is not None for kind in EDIT_KINDS
    } == dict.fromkeys(EDIT_KINDS, True)


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


@dataclass
class ReleaseDay:
    """A release with posts on @ons: its author, the channel's approvers, one approver elsewhere."""

    factory: Factory
    channel: Channel
    release: Release
    author: User
    approvers: list[User]
    elsewhere: User

    @property
    def told(self) -> set[str]:
        """Return who should hear about a post of the release: its author and the approvers."""
        return {self.author.email, *(approver.email for approver in self.approvers)}

    def post(self, state: PostState, *, send_at: datetime | None = None) -> Post:
        """Add a post of the release through the clearance operations and take it to the state."""
        post = self.factory.post(self.channel, self.author, send_at=send_at, release=self.release)
        return self.factory.move(post, state, approvers=self.approvers[:1])


@pytest.fixture
def release_day(factory: Factory) -> ReleaseDay:
    channel, other = factory.channel("ons"), factory.channel("dhsc")
    author = factory.author(channel)
    approvers = [factory.approver(channel), factory.approver(channel)]
    elsewhere = factory.approver(other)
    release = factory.release(access=[author, *approvers, elsewhere])
    return ReleaseDay(factory, channel, release, author, approvers, elsewhere)


def mailbox_of(settings: Settings) -> list[mailbox.mboxMessage]:
    """Return every e-mail in the mailbox file, oldest first."""
    if not settings.mailbox_path.exists():
        return []
    box = mailbox.mbox(str(settings.mailbox_path))
    try:
        return list(box)
    finally:
        box.close()


def send_notifications(database: Database, settings: Settings, at: datetime) -> dict[str, set[str]]:
    """Run what `gatepost notifications send` runs, at the instant; return who got which subject."""
    before = len(mailbox_of(settings))
    deliver_notifications(database, settings, now=at)
    found: dict[str, set[str]] = defaultdict(set)
    for message in mailbox_of(settings)[before:]:
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        assert b"Post number" not in body  # never the post's text
        found[message["Subject"]].add(message["To"])
    return dict(found)


def test_a_post_still_in_review_at_its_embargo_e_mails_its_author_and_approvers_once(
    settings: Settings, shared_database: Database, release_day: ReleaseDay
) -> None:
    post = release_day.post(PostState.IN_REVIEW)
    embargo = release_day.release.embargo_at
    send_notifications(shared_database, settings, NOW)  # "waiting for your clearance"

    mails = send_notifications(shared_database, settings, embargo + timedelta(minutes=1))

    assert mails == {
        f"Gatepost: Post {post.id} on @ons is not cleared at its release's embargo": (
            release_day.told
        )
    }
    assert send_notifications(shared_database, settings, embargo + timedelta(minutes=3)) == {}


def test_an_approved_post_without_a_send_time_at_its_embargo_e_mails_once(
    session: Session, settings: Settings, shared_database: Database, release_day: ReleaseDay
) -> None:
    embargo = release_day.release.embargo_at
    post = release_day.post(PostState.APPROVED)
    draft = release_day.post(PostState.DRAFT)
    taken_off = release_day.post(PostState.SCHEDULED, send_at=embargo)
    unschedule(session, taken_off, by=release_day.approvers[0], settings=settings, now=NOW)
    send_notifications(shared_database, settings, NOW)

    mails = send_notifications(shared_database, settings, embargo + timedelta(minutes=1))

    assert mails == {
        f"Gatepost: Post {post.id} on @ons is approved but has no send time": release_day.told,
        f"Gatepost: Post {taken_off.id} on @ons is approved but not scheduled": release_day.told,
        f"Gatepost: Post {draft.id} on @ons is not cleared at its release's embargo": (
            release_day.told
        ),
    }
    kinds = session.scalars(
        select(Notification.kind).where(
            Notification.post_id == post.id, Notification.created_at > NOW
        )
    )
    assert set(kinds) == {"held_at_embargo"}
    assert send_notifications(shared_database, settings, embargo + timedelta(minutes=3)) == {}


def test_withdrawn_published_and_removed_posts_of_a_release_alert_nobody(
    session: Session, settings: Settings, shared_database: Database, release_day: ReleaseDay
) -> None:
    embargo = release_day.release.embargo_at
    release_day.post(PostState.WITHDRAWN)
    release_day.post(PostState.PUBLISHED, send_at=embargo)
    release_day.post(PostState.REMOVED, send_at=embargo)
    waiting = release_day.post(PostState.IN_REVIEW)
    # Nor is a draft written after the embargo news to anyone: its author knows it is late.
    create_post(
        session, channel=release_day.channel, text="Post number late", by=release_day.author,
        settings=settings, release=release_day.release, now=embargo + timedelta(seconds=30),
    )  # fmt: skip
    send_notifications(shared_database, settings, NOW)

    mails = send_notifications(shared_database, settings, embargo + timedelta(minutes=1))

    assert set(mails) == {
        f"Gatepost: Post {waiting.id} on @ons is not cleared at its release's embargo"
    }


def test_a_post_alerts_only_once_its_release_embargo_has_passed_and_not_long_after(
    factory: Factory, settings: Settings, shared_database: Database, release_day: ReleaseDay
) -> None:
    people = [release_day.author, *release_day.approvers]
    soon = factory.release(embargo_at=NOW + timedelta(hours=1), access=people)
    later = factory.release(embargo_at=NOW + timedelta(days=4), access=people)
    early, late = (
        factory.move(
            factory.post(release_day.channel, release_day.author, release=release),
            PostState.IN_REVIEW,
        )
        for release in (soon, later)
    )
    send_notifications(shared_database, settings, NOW)

    assert (
        send_notifications(shared_database, settings, soon.embargo_at - timedelta(seconds=1)) == {}
    )
    # The first run after both embargoes: the earlier one passed too long ago to be news.
    assert set(send_notifications(shared_database, settings, later.embargo_at)) == {
        f"Gatepost: Post {late.id} on @ons is not cleared at its release's embargo"
    }
    assert early.state is PostState.IN_REVIEW


def test_a_twinned_thread_not_cleared_at_its_embargo_alerts_once_as_one_unit(
    factory: Factory, settings: Settings, shared_database: Database
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    release = factory.release(access=[author, approver], title="Labour market, December")
    thread = create_thread(
        factory.session, channel=english, texts=["Post number one", "Post number two"],
        twin_texts=["Post number un", "Post number dau"], by=author, settings=settings,
        release=release, title="Unemployment falls to 4.1%", now=NOW,
    )  # fmt: skip
    posts = [*thread.posts, *(thread.twin_thread.posts if thread.twin_thread else [])]
    factory.move(thread.posts[0], PostState.IN_REVIEW)
    send_notifications(shared_database, settings, NOW)

    mails = send_notifications(shared_database, settings, release.embargo_at + timedelta(minutes=1))

    # Each post alerted for itself in the trail; people hear once, about the unit. The embargo
    # has passed, so the thread's title (which names the figure) may now be named.
    assert len(posts) == 4
    assert mails == {
        f"Gatepost: Thread 'Unemployment falls to 4.1%' on @{english.handle} (2 posts and their "
        "Welsh twins) is not cleared at its release's embargo": {author.email, approver.email}
    }
