"""X channels for tests: the adapter registered without reinstalling, channels on the emulator."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from config.settings import Settings, XAppSettings
from scheduler.models import Channel
from scheduler.platforms import Platform, registry
from scheduler.platforms.x import XPlatform
from tests.support.emulators.x import XEmulator


def register_x(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let get_platform("x") find the adapter, as its entry point will after a reinstall."""
    found = registry.platform_class

    def platform_class(name: str) -> type[Platform]:
        return XPlatform if name == "x" else found(name)

    monkeypatch.setattr(registry, "platform_class", platform_class)


def with_x_app(settings: Settings, emulator: XEmulator) -> Settings:
    """Return the settings with the emulator's registered client as Gatepost's X app."""
    client = emulator.client
    return settings.with_overrides(
        x=XAppSettings(client_id=client.client_id, client_secret=client.client_secret or "")
    )


def make_x_channel(session: Session, channel: Channel, emulator: XEmulator) -> Channel:
    """Turn a channel made by the factory into an X channel on the emulator."""
    channel.platform = "x"
    channel.instance_url = emulator.base_url
    session.flush()
    return channel
