"""Fixtures for the Bluesky adapter: the adapter on the emulator's clock, a connected account."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.platforms import Account, Credentials
from scheduler.platforms.bluesky import BlueskyPlatform
from tests.support.adapters import EmulatorTime, adapter_settings
from tests.support.emulators.bluesky import BlueskyEmulator

PASSWORD = "app-pass-word-1234"


class StoredCredentials:
    """What the worker would store each time the adapter says the credentials changed."""

    def __init__(self) -> None:
        self.changes: list[tuple[Account, dict[str, str]]] = []

    def __call__(self, account: Account, credentials: Credentials) -> None:
        self.changes.append((account, dict(credentials)))


@pytest.fixture
def stored() -> StoredCredentials:
    """Return the record of credentials_changed calls."""
    return StoredCredentials()


@pytest.fixture
def bluesky(
    bluesky_emulator: BlueskyEmulator, tmp_path: Path, stored: StoredCredentials
) -> BlueskyPlatform:
    """Return the adapter, on the emulator's clock, reporting rotated credentials to `stored`."""
    return BlueskyPlatform(
        adapter_settings(tmp_path), EmulatorTime(bluesky_emulator.clock), credentials_changed=stored
    )


@pytest.fixture
def unconnected(bluesky_emulator: BlueskyEmulator) -> Account:
    """Return the channel's account before it is connected."""
    return Account("@stats", channel_id=1, language="en", instance_url=bluesky_emulator.base_url)


@pytest.fixture
def account(bluesky: BlueskyPlatform, unconnected: Account) -> Account:
    """Return the channel's account connected with its app password."""
    connection = bluesky.connect(unconnected, f"gatepost.test {PASSWORD}")
    return Account(
        unconnected.handle,
        channel_id=unconnected.channel_id,
        language=unconnected.language,
        instance_url=unconnected.instance_url,
        credentials=connection.credentials,
    )
