"""Fixtures for the Mastodon adapter: the adapter, and an account on the emulator."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from config import Settings, load_settings
from scheduler.platforms import Account
from scheduler.platforms.mastodon import MastodonPlatform
from tests.support.emulators.base import ManualClock
from tests.support.emulators.mastodon import MastodonEmulator


class EmulatorTime:
    """Gatepost's clock reading the emulator's, so the idempotency window moves when told."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        """Return the emulator's current instant."""
        return self._clock.datetime()


def adapter_settings(tmp_path: Path) -> Settings:
    """Return settings for adapter tests (no database is needed)."""
    return load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "instance"),
            "secret_key": "test-secret-key-that-is-long-enough",
        },
    )


@pytest.fixture
def mastodon(mastodon_emulator: MastodonEmulator, tmp_path: Path) -> MastodonPlatform:
    """Return the adapter on the emulator's clock."""
    return MastodonPlatform(adapter_settings(tmp_path), EmulatorTime(mastodon_emulator.clock))


@pytest.fixture
def unconnected(mastodon_emulator: MastodonEmulator) -> Account:
    """Return the channel's account before it is connected."""
    return Account("@stats", channel_id=1, language="en", instance_url=mastodon_emulator.base_url)


@pytest.fixture
def account(
    mastodon: MastodonPlatform, unconnected: Account, mastodon_emulator: MastodonEmulator
) -> Account:
    """Return the channel's account connected with an access token."""
    connection = mastodon.connect(unconnected, mastodon_emulator.issue_token())
    return Account(
        unconnected.handle,
        channel_id=unconnected.channel_id,
        language=unconnected.language,
        instance_url=unconnected.instance_url,
        credentials=connection.credentials,
    )
