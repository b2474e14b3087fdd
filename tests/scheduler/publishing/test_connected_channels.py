"""The worker and connected channels: held until connected, decrypted once, refreshes kept,
and the daily and before-embargo checks that alert the channel's owner and the admins."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.channels.connections import connect_channel
from scheduler.channels.credentials import CredentialCipher, cipher_for
from scheduler.models import Channel, Notification, PostState, Role
from scheduler.notifications.delivery import deliver_notifications
from scheduler.publishing.worker.connection_checks import check_due_connections
from tests.scheduler.publishing.conftest import Worker
from tests.support.connected_platform import NAME, PlatformState
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)  # a Thursday, in office hours


def connected_channel(
    factory: PublishingFactory,
    worker: Worker,
    handle: str = "stats",
    *,
    token: str = "good-1",  # noqa: S107 - the test platform's made-up token
) -> Channel:
    channel = factory.channel(handle, platform=NAME)
    channel.instance_url = "https://social.example"
    factory.session.flush()
    if token:
        connect_channel(
            factory.session, channel, token, by=factory.admin, settings=worker.settings, now=AT
        )
    return channel


def stored_credentials(session: Session, worker: Worker, channel: Channel) -> dict[str, str]:
    sealed = session.scalar(select(Channel.credentials_encrypted).where(Channel.id == channel.id))
    assert sealed is not None
    return cipher_for(worker.settings).open(sealed)


def test_a_channel_not_connected_holds_its_posts_until_an_admin_connects_it(
    factory: PublishingFactory, worker: Worker, connected_platform: PlatformState
) -> None:
    channel = connected_channel(factory, worker, token="")
    twin = factory.channel("stats_cy", language="cy")
    channel.twin_id, twin.twin_id = twin.id, channel.id
    factory.session.flush()
    post, welsh = factory.twins(channel, twin, send_at=AT)

    worker.run_at(AT)

    assert post.state is PostState.SCHEDULED
    assert post.hold_reason == "@stats is not connected: an admin must connect it"
    assert welsh.hold_reason is not None
    assert welsh.hold_reason.endswith("@stats is not connected: an admin must connect it")
    assert worker.published_keys() == []

    later = AT + timedelta(minutes=20)
    connect_channel(
        factory.session, channel, "good-1", by=factory.admin, settings=worker.settings, now=later
    )
    factory.session.expire_all()
    assert (post.due_at, welsh.due_at) == (later, later)
    worker.run_at(later)

    assert (post.state, welsh.state) == (PostState.PUBLISHED, PostState.PUBLISHED)
    assert connected_platform.published_with[-1]["access_token"] == "good-1"


def test_refreshed_credentials_are_stored_at_once_and_signed_in_with_from_then_on(
    factory: PublishingFactory,
    worker: Worker,
    make_worker: object,
    connected_platform: PlatformState,
    session: Session,
) -> None:
    channel = connected_channel(factory, worker)
    first = factory.post(channel, send_at=AT)
    second = factory.post(channel, send_at=AT + timedelta(minutes=5))
    connected_platform.refresh_next = True  # the platform rotates the refresh token now

    worker.run_at(AT)

    assert first.state is PostState.PUBLISHED
    assert stored_credentials(session, worker, channel)["refresh_token"] == "refresh-2"
    # The old refresh token no longer works: the second post goes only with the new one.
    worker.run_at(AT + timedelta(minutes=5))
    assert second.state is PostState.PUBLISHED
    assert [c["refresh_token"] for c in connected_platform.published_with] == [
        "refresh-1",
        "refresh-2",
    ]


def test_the_worker_decrypts_a_channels_credentials_once_not_for_every_post(
    factory: PublishingFactory,
    worker: Worker,
    connected_platform: PlatformState,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channel = connected_channel(factory, worker)
    posts = [factory.post(channel, send_at=AT) for _ in range(12)]
    opened: list[str] = []
    real_open = CredentialCipher.open

    def counting(self: CredentialCipher, sealed: str) -> dict[str, str]:
        opened.append(sealed)
        return real_open(self, sealed)

    monkeypatch.setattr(CredentialCipher, "open", counting)
    worker.run_at(AT)
    worker.run_at(AT + timedelta(minutes=1))

    assert all(post.state is PostState.PUBLISHED for post in posts)
    assert len(opened) == 1
    # Connected again with another token: the row changed, so it is read again.
    connect_channel(
        factory.session, channel, "good-2", by=factory.admin, settings=worker.settings, now=AT
    )
    factory.post(channel, send_at=AT + timedelta(minutes=2))
    worker.run_at(AT + timedelta(minutes=2))
    assert connected_platform.published_with[-1]["access_token"] == "good-2"


def mails(worker: Worker, at: datetime) -> list[tuple[str, str]]:
    deliver_notifications(worker.runtime.database, worker.settings, now=at)
    worker.session.expire_all()
    path = worker.settings.mailbox_path
    if not path.exists():
        return []
    box = mailbox.mbox(str(path))
    try:
        return [(message["To"], message["Subject"]) for message in box]
    finally:
        box.close()


def run_checks(worker: Worker, at: datetime) -> list[str]:
    worker.clock.set(at)
    results = check_due_connections(worker.runtime)
    worker.session.expire_all()
    return [result.line() for result in results]


def test_connected_channels_are_checked_daily_and_refreshes_are_kept(
    factory: PublishingFactory,
    worker: Worker,
    connected_platform: PlatformState,
    session: Session,
) -> None:
    channel = connected_channel(factory, worker)

    assert run_checks(worker, AT + timedelta(hours=23)) == []
    connected_platform.refresh_next = True
    day = AT + timedelta(days=1)
    assert run_checks(worker, day) == ["@stats: connected as @stats@social.example"]
    assert run_checks(worker, day + timedelta(minutes=5)) == []

    assert connected_platform.checks == 1
    assert channel.connection_checked_at == day
    assert stored_credentials(session, worker, channel)["refresh_token"] == "refresh-2"


def test_channels_with_posts_of_a_release_are_checked_an_hour_before_its_embargo(
    factory: PublishingFactory, worker: Worker, connected_platform: PlatformState
) -> None:
    channel = connected_channel(factory, worker)
    quiet = connected_channel(factory, worker, "other")
    embargo = AT + timedelta(hours=8)
    release = factory.release(embargo)
    factory.post(channel, send_at=embargo, release=release)

    assert run_checks(worker, embargo - timedelta(minutes=61)) == []
    assert run_checks(worker, embargo - timedelta(minutes=59)) == [
        "@stats: connected as @stats@social.example"
    ]
    assert run_checks(worker, embargo - timedelta(minutes=30)) == []
    assert quiet.connection_checked_at == AT


def test_a_check_that_finds_the_credentials_refused_alerts_the_owner_and_admins_once(
    factory: PublishingFactory, worker: Worker, connected_platform: PlatformState
) -> None:
    owner = factory.user(Role.AUTHOR)
    channel = connected_channel(factory, worker)
    channel.owner_id = owner.id
    factory.session.flush()
    mails(worker, AT)  # what connecting said, out of the way
    connected_platform.revoked.add("good-1")

    day = AT + timedelta(days=1)
    assert run_checks(worker, day) == [
        "@stats: not working: The access token was revoked; connect the channel again"
    ]
    sent = mails(worker, day + timedelta(minutes=1))

    subject = (
        "Gatepost: @stats cannot publish: its platform no longer accepts its credentials; "
        "connect it again (The access token was revoked; connect the channel again)"
    )
    assert {to for to, about in sent if about == subject} == {owner.email, factory.admin.email}
    assert factory.author.email not in {to for to, _ in sent}
    kinds = worker.session.scalars(select(Notification.kind).where(Notification.post_id.is_(None)))
    assert sorted(kinds) == ["connection_failed", "connection_failed"]
    # Still refused the next day: no news, no second e-mail.
    run_checks(worker, day + timedelta(days=1))
    assert len(mails(worker, day + timedelta(days=1, minutes=1))) == len(sent)
    assert channel.connection_problem is not None


def test_a_check_the_platform_cannot_answer_is_tried_again_at_the_next_round(
    factory: PublishingFactory, worker: Worker, connected_platform: PlatformState
) -> None:
    channel = connected_channel(factory, worker)
    connected_platform.down = True
    day = AT + timedelta(days=1)

    [line] = run_checks(worker, day)

    assert line.startswith("@stats: could not check: connected-mock did not answer")
    assert channel.connection_checked_at == AT
    assert channel.connection_problem is None
    connected_platform.down = False
    assert run_checks(worker, day + timedelta(minutes=5)) == [
        "@stats: connected as @stats@social.example"
    ]
