"""Credentials at rest: sealed with the newest key, opened with any, re-sealed to rotate keys."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.accounts import account_of
from scheduler.channels.connections import connect_channel
from scheduler.channels.credentials import (
    CredentialCipher,
    CredentialsUnreadable,
    new_key,
    reencrypt_channels,
)
from scheduler.channels.operations import create_channel
from tests.support.connected_platform import NAME, PlatformState

pytestmark = pytest.mark.usefixtures("backend")


def test_sealed_credentials_open_with_any_configured_key_and_show_nothing() -> None:
    old, new = new_key(), new_key()
    sealed = CredentialCipher([old]).seal({"access_token": "tok-123"})
    assert "tok-123" not in sealed
    assert CredentialCipher([new, old]).open(sealed) == {"access_token": "tok-123"}
    assert "tok" not in repr(CredentialCipher([new, old]))
    with pytest.raises(CredentialsUnreadable, match="was the key they were encrypted with removed"):
        CredentialCipher([new]).open(sealed)


def test_rotating_keys_re_encrypts_every_channel_so_the_old_key_can_go(
    session: Session, settings: Settings, connected_platform: PlatformState
) -> None:
    channels = [
        create_channel(
            session, platform=NAME, handle=f"c{n}", language="en", instance_url="https://s.example"
        )
        for n in range(2)
    ]
    for channel in channels:
        connect_channel(session, channel, "good-1", by=None, settings=settings)
    old = settings.credential_keys[0]
    rotated = settings.with_overrides(credential_keys=(new_key(), old))

    assert reencrypt_channels(session, rotated) == (2, [])

    session.expire_all()
    only_new = rotated.with_overrides(credential_keys=rotated.credential_keys[:1])
    for channel in channels:
        assert account_of(channel, only_new).credentials["access_token"] == "good-1"
    with pytest.raises(CredentialsUnreadable):
        account_of(channels[0], settings)
    # A key that opens nothing is reported by handle, and the credentials are left alone.
    assert reencrypt_channels(session, settings.with_overrides(credential_keys=(new_key(),))) == (
        0,
        ["c0", "c1"],
    )
