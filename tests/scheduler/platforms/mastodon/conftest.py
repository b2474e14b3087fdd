"""Fixtures for the Mastodon adapter: the adapter on the emulator's clock, a connected account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scheduler.platforms import Account, PublishRequest
from scheduler.platforms.mastodon import MastodonPlatform
from tests.support.adapters import EmulatorTime, adapter_settings
from tests.support.emulators.mastodon import MastodonEmulator


def request(
    account: Account, text: str, key: str = "gatepost-7-v1", **extra: Any
) -> PublishRequest:
    """Return a publish request for the account."""
    return PublishRequest(account=account, text=text, idempotency_key=key, **extra)


@pytest.fixture
def mastodon(mastodon_emulator: MastodonEmulator, tmp_path: Path) -> MastodonPlatform:
    """Return the adapter, on the emulator's clock."""
    return MastodonPlatform(adapter_settings(tmp_path), EmulatorTime(mastodon_emulator.clock))


@pytest.fixture
def unconnected(mastodon_emulator: MastodonEmulator) -> Account:
    """Return the channel's account before it is connected."""
    return Account("@stats", channel_id=1, language="en", instance_url=mastodon_emulator.base_url)


@pytest.fixture
def token(mastodon_emulator: MastodonEmulator) -> str:
    """Return an access token of the emulator's first account, with the scopes Gatepost asks."""
    return mastodon_emulator.issue_token(
        scopes="read:accounts read:statuses write:statuses write:media"
    )


@pytest.fixture
def account(mastodon: MastodonPlatform, unconnected: Account, token: str) -> Account:
    """Return the channel's account connected with its access token."""
    connection = mastodon.connect(unconnected, token)
    return Account(
        unconnected.handle,
        channel_id=unconnected.channel_id,
        language=unconnected.language,
        instance_url=unconnected.instance_url,
        credentials=connection.credentials,
    )
