"""Connecting a channel: the platform checks the credential first, then it is kept encrypted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.accounts import account_of
from scheduler.channels.connections import check_connection, connect_channel
from scheduler.channels.credentials import cipher_for
from scheduler.channels.operations import create_channel
from scheduler.clearance.removal import remove_published
from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.models import AuditEvent, Channel, PostState, Role
from tests.support.connected_platform import NAME, PlatformState
from tests.support.factories import NOW, Factory

pytestmark = pytest.mark.usefixtures("backend")


def new_channel(session: Session, handle: str = "stats") -> Channel:
    return create_channel(
        session,
        platform=NAME,
        handle=handle,
        language="en",
        instance_url="https://Social.Example/",
        now=NOW,
    )


def events(session: Session, channel: Channel) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.channel_id == channel.id).order_by(AuditEvent.id)
        )
    )


def test_a_good_token_is_checked_then_kept_encrypted_and_never_written_in_the_clear(
    session: Session, settings: Settings, factory: Factory, connected_platform: PlatformState
) -> None:
    admin = factory.user(Role.ADMIN)
    channel = new_channel(session)
    assert channel.instance_url == "https://social.example"

    connect_channel(session, channel, " good-token-1234 \n", by=admin, settings=settings, now=NOW)

    assert channel.connected_as == "@stats@social.example"
    assert channel.connection_checked_at == NOW
    assert channel.connection_problem is None
    stored = session.scalar(select(Channel.credentials_encrypted).where(Channel.id == channel.id))
    assert stored is not None
    assert "good-token-1234" not in stored
    assert cipher_for(settings).open(stored)["access_token"] == "good-token-1234"
    assert account_of(channel, settings).credentials["access_token"] == "good-token-1234"
    assert "good-token-1234" not in repr(account_of(channel, settings))
    [_created, connected] = events(session, channel)
    assert connected.action == "channel_connected"
    assert connected.details["connected_as"] == "@stats@social.example"
    trail = json.dumps([e.details for e in events(session, channel)]) + connected.comment
    assert "good-token" not in trail
    assert "refresh-" not in trail


def test_a_refused_token_saves_nothing_and_says_why(
    session: Session, settings: Settings, factory: Factory, connected_platform: PlatformState
) -> None:
    admin = factory.user(Role.ADMIN)
    channel = new_channel(session)

    with pytest.raises(ValidationFailed) as refused:
        connect_channel(session, channel, "bad-token-5678", by=admin, settings=settings)

    assert "refused the credential for @stats" in refused.value.message
    assert "Preferences > Development" in refused.value.message
    assert "bad-token-5678" not in refused.value.message
    assert refused.value.field == "secret"
    assert channel.credentials_encrypted is None
    assert channel.connected_as is None
    assert [e.action for e in events(session, channel)] == ["channel_created"]


def test_a_platform_that_does_not_answer_saves_nothing(
    session: Session, settings: Settings, factory: Factory, connected_platform: PlatformState
) -> None:
    channel = new_channel(session)
    connected_platform.down = True

    with pytest.raises(Exception, match=r"did not answer.*nothing was saved"):
        connect_channel(session, channel, "good-1", by=None, settings=settings)

    assert channel.credentials_encrypted is None


def test_only_admins_connect_and_check(
    session: Session, settings: Settings, factory: Factory, connected_platform: PlatformState
) -> None:
    channel = new_channel(session)
    approver = factory.user(Role.APPROVER)

    with pytest.raises(PermissionDenied, match="Only admins can connect channels"):
        connect_channel(session, channel, "good-1", by=approver, settings=settings)
    connect_channel(session, channel, "good-1", by=None, settings=settings)
    with pytest.raises(PermissionDenied, match="Only admins can check"):
        check_connection(session, channel, by=approver, settings=settings)
    assert connected_platform.checks == 0


def test_a_check_keeps_refreshed_credentials_and_audits_only_changes_of_status(
    session: Session, settings: Settings, factory: Factory, connected_platform: PlatformState
) -> None:
    admin = factory.user(Role.ADMIN)
    channel = new_channel(session)
    connect_channel(session, channel, "good-1", by=admin, settings=settings, now=NOW)
    connected_platform.refresh_next = True

    later = NOW + timedelta(hours=1)
    result = check_connection(session, channel, by=admin, settings=settings, now=later)

    assert result.working
    assert result.line() == "@stats: connected as @stats@social.example"
    assert account_of(channel, settings).credentials["refresh_token"] == "refresh-2"
    assert channel.connection_checked_at == later
    # The token is revoked: the check records the problem once, however often it runs.
    connected_platform.revoked.add("good-1")
    for hours in (2, 3):
        result = check_connection(
            session, channel, by=admin, settings=settings, now=NOW + timedelta(hours=hours)
        )
        assert result.working is False
    assert channel.connection_problem == "The access token was revoked; connect the channel again"
    assert result.line().startswith("@stats: not working: The access token was revoked")
    # Connecting again clears it.
    connect_channel(session, channel, "good-2", by=admin, settings=settings, now=NOW)
    assert channel.connection_problem is None
    actions = [e.action for e in events(session, channel)]
    assert actions == [
        "channel_created",
        "channel_connected",
        "connection_failed",
        "channel_connected",
    ]
    failed = events(session, channel)[2]
    assert failed.comment == channel_problem_text()


def channel_problem_text() -> str:
    return "The access token was revoked; connect the channel again"


def test_a_check_the_platform_cannot_answer_changes_nothing(
    session: Session, settings: Settings, factory: Factory, connected_platform: PlatformState
) -> None:
    channel = new_channel(session)
    connect_channel(session, channel, "good-1", by=None, settings=settings, now=NOW)
    connected_platform.down = True

    result = check_connection(
        session, channel, by=None, settings=settings, now=NOW + timedelta(days=1)
    )

    assert result.working is None
    assert "did not answer" in (result.problem or "")
    assert channel.connection_checked_at == NOW
    assert channel.connection_problem is None


def test_a_channel_not_connected_cannot_be_checked(
    session: Session, settings: Settings, connected_platform: PlatformState
) -> None:
    channel = new_channel(session)
    with pytest.raises(ValidationFailed, match="not connected yet; connect it first"):
        check_connection(session, channel, by=None, settings=settings)


def test_a_channel_on_a_platform_with_no_default_server_needs_an_address(
    session: Session, connected_platform: PlatformState
) -> None:
    with pytest.raises(ValidationFailed, match="need their server's address") as missing:
        create_channel(session, platform=NAME, handle="x1", language="en")
    assert missing.value.field == "instance_url"
    for bad in ("social.example", "ftp://social.example", "https://user:pw@social.example"):
        with pytest.raises(ValidationFailed) as refused:
            create_channel(session, platform=NAME, handle="x2", language="en", instance_url=bad)
        assert refused.value.field == "instance_url"
        assert "pw" not in refused.value.message or "user name, password" in refused.value.message


def test_removing_a_post_signs_in_with_the_decrypted_credentials(
    session: Session, settings: Settings, factory: Factory, connected_platform: PlatformState
) -> None:
    channel = new_channel(session)
    connect_channel(session, channel, "good-1", by=None, settings=settings, now=NOW)
    author = factory.author(channel)
    approver = factory.approver(channel)
    post = factory.post(channel, author, text="Figures out", send_at=NOW + timedelta(hours=1))
    factory.move(post, PostState.PUBLISHED, approvers=[approver])
    connected_platform.revoked.add("good-1")

    # Refused for the revoked token it carried (without one it would be "No access token").
    with pytest.raises(Exception, match="revoked"):
        remove_published(session, post, by=approver, reason="Wrong figure", settings=settings)
    assert post.state is PostState.PUBLISHED
