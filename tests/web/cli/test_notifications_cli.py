"""`gatepost notifications send` from the command line."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import load_settings
from scheduler.clearance import submit
from scheduler.clearance.threads import create_thread
from scheduler.core.database import Database
from scheduler.models import AccessRole, ChannelAccess, Role
from tests.conftest import TEST_PASSWORD
from tests.support.factories import Factory
from tests.support.publishing_factories import PublishingFactory
from tests.web.cli.conftest import Gatepost


def test_send_makes_notifications_and_writes_them_to_the_mailbox(
    gatepost: Gatepost, tmp_path: Path
) -> None:
    for email, role in (
        ("author@example.gov.uk", "author"),
        ("officer@example.gov.uk", "approver"),
    ):
        gatepost("users", "create", "--email", email, "--password", TEST_PASSWORD, "--role", role)
    gatepost("channels", "create", "--platform", "mock", "--handle", "Main", "--language", "en")
    gatepost("access", "grant", "--user", "author@example.gov.uk", "--channel", "Main",
             "--role", "author")  # fmt: skip
    gatepost("access", "grant", "--user", "officer@example.gov.uk", "--channel", "Main",
             "--role", "approver")  # fmt: skip
    gatepost("posts", "create", "--as", "author@example.gov.uk", "--channel", "Main",
             "--text", "Retail sales rose")  # fmt: skip
    gatepost("posts", "submit", "1", "--as", "author@example.gov.uk")

    result = gatepost("notifications", "send")

    mailbox_path = tmp_path / "instance" / "mailbox.mbox"
    assert result.stdout == f"1 notifications made, 1 e-mailed ({mailbox_path})\n"
    box = mailbox.mbox(str(mailbox_path))
    try:
        [message] = list(box)
    finally:
        box.close()
    assert message["To"] == "officer@example.gov.uk"
    assert gatepost("notifications", "send").stdout.startswith("0 notifications made, 0 e-mailed")


def test_notifications_about_an_embargoed_post_carry_no_text(
    gatepost: Gatepost, tmp_path: Path
) -> None:
    # Everyone here is on the release's access list: even they get no text by e-mail, which
    # leaves Gatepost for mailboxes beyond the list's reach.
    people = (("author@example.gov.uk", "author"), ("officer@example.gov.uk", "approver"))
    gatepost("channels", "create", "--platform", "mock", "--handle", "Main", "--language", "en")
    for email, role in people:
        gatepost("users", "create", "--email", email, "--password", TEST_PASSWORD, "--role", role)
        gatepost("access", "grant", "--user", email, "--channel", "Main", "--role", role)
    embargo = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d 09:30")
    gatepost("releases", "create", "--title", "Retail sales", "--embargo", embargo,
             "--access", "author@example.gov.uk,officer@example.gov.uk")  # fmt: skip
    gatepost("posts", "create", "--as", "author@example.gov.uk", "--channel", "Main",
             "--text", "Retail sales rose EMBARGOED71c", "--release", "1")  # fmt: skip
    gatepost("posts", "submit", "1", "--as", "author@example.gov.uk")
    gatepost("posts", "request-changes", "1", "--as", "officer@example.gov.uk",
             "--comment", "Say by how much")  # fmt: skip

    result = gatepost("notifications", "send")

    assert result.stdout.startswith("2 notifications made, 2 e-mailed")
    box = mailbox.mbox(str(tmp_path / "instance" / "mailbox.mbox"))
    try:
        messages = [message.as_string() for message in box]
    finally:
        box.close()
    assert len(messages) == 2
    assert [message for message in messages if "EMBARGOED71c" in message] == []


def test_send_after_a_failed_worker_pass_e_mails_the_author_and_the_channels_approvers(
    gatepost: Gatepost, tmp_path: Path
) -> None:
    database = Database(gatepost.env["GATEPOST_DATABASE_URL"])
    # Now, not a fixed day: `notifications send` passes over events older than two days. The
    # override lets the post go whatever the time of day.
    now = datetime.now(UTC).replace(microsecond=0)
    with database.session_factory() as session:
        factory = PublishingFactory(session)
        channel = factory.channel(
            "Main", platform_options={"fail_every_nth": 1, "fail_kind": "permanent"}
        )
        officer = factory.user(Role.APPROVER)
        for user, role in (
            (factory.author, AccessRole.AUTHOR),
            (factory.approver, AccessRole.APPROVER),
            (officer, AccessRole.APPROVER),
        ):
            session.add(ChannelAccess(user_id=user.id, channel_id=channel.id, role=role))
        post = factory.post(channel, send_at=now - timedelta(minutes=1), text="Retail sales rose")
        factory.override(post)
        session.commit()
        expected = {factory.author.email, factory.approver.email, officer.email}
    database.dispose()

    worked = gatepost("worker", "--once", "--now", now.isoformat())
    assert "failed 1" in worked.stdout
    result = gatepost("notifications", "send")

    mailbox_path = tmp_path / "instance" / "mailbox.mbox"
    assert result.stdout == f"3 notifications made, 3 e-mailed ({mailbox_path})\n"
    box = mailbox.mbox(str(mailbox_path))
    try:
        messages = list(box)
    finally:
        box.close()
    assert {message["To"] for message in messages} == expected
    assert {message["Subject"] for message in messages} == {
        f"Gatepost: Post {post.id} on @Main failed to publish"
    }
    assert all(b"Retail" not in message.as_bytes() for message in messages)


def test_send_e_mails_a_thread_and_its_twins_once_to_each_approver(
    gatepost: Gatepost, tmp_path: Path
) -> None:
    database = Database(gatepost.env["GATEPOST_DATABASE_URL"])
    settings = load_settings({}, overrides={"database_url": database.url})
    with database.session_factory() as session:
        factory = Factory(session, settings, now=datetime.now(UTC))
        english, welsh = factory.twin_channels()
        author = factory.author(english, welsh)
        approvers = {factory.approver(english, welsh).email for _ in range(2)}
        thread = create_thread(
            session, channel=english, texts=[f"Labour market {n}" for n in range(1, 9)],
            twin_texts=[f"Marchnad lafur {n}" for n in range(1, 9)], by=author,
            settings=settings, title="Labour market, December", now=factory.now,
        )  # fmt: skip
        submit(session, thread.posts[0], by=author, settings=settings, now=factory.now)
        session.commit()
        handle = english.handle
    database.dispose()

    result = gatepost("notifications", "send")

    mailbox_path = tmp_path / "instance" / "mailbox.mbox"
    assert result.stdout == f"2 notifications made, 2 e-mailed ({mailbox_path})\n"
    box = mailbox.mbox(str(mailbox_path))
    try:
        messages = list(box)
    finally:
        box.close()
    assert {message["To"] for message in messages} == approvers
    assert {message["Subject"] for message in messages} == {
        f"Gatepost: Thread 'Labour market, December' on @{handle} (8 posts and their Welsh "
        "twins) is waiting for your clearance"
    }
    assert gatepost("notifications", "send").stdout.startswith("0 notifications made, 0 e-mailed")
