"""The adapters one worker talks to, created once each and shared by its lanes."""

from __future__ import annotations

import threading

from config import Settings
from scheduler.clock import Clock
from scheduler.platforms import Account, Platform, available_platforms, get_platform
from scheduler.publishing.rows import ChannelFacts


class PlatformSet:
    """Hand out one adapter instance per platform name, created on first use."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._adapters: dict[str, Platform] = {}
        self._installed: frozenset[str] | None = None

    def known(self, name: str) -> bool:
        """Return whether an adapter for the platform is installed."""
        return name in self._installed_names()

    def _installed_names(self) -> frozenset[str]:
        # Finding entry points reads every installed package's metadata (about 20 ms): once.
        if self._installed is None:
            self._installed = frozenset(available_platforms())
        return self._installed

    def get(self, name: str) -> Platform:
        """Return the adapter for the platform."""
        adapter = self._adapters.get(name)
        if adapter is None:
            with self._lock:
                adapter = self._adapters.get(name)
                if adapter is None:
                    adapter = get_platform(name, self.settings, self.clock)
                    self._adapters[name] = adapter
        return adapter

    def check_settings(self) -> None:
        """Create every installed adapter once, so bad settings stop start-up (SettingsError)."""
        for name in sorted(self._installed_names()):
            self.get(name)

    def install(self, name: str, adapter: Platform) -> None:
        """Use this adapter instance for the platform (embedding, rehearsals and tests)."""
        with self._lock:
            self._adapters[name] = adapter
            self._installed = self._installed_names() | {name}

    def account_for(self, channel: ChannelFacts) -> Account:
        """Return the channel's account as its adapter needs it for a call."""
        return Account(
            handle=channel.handle,
            channel_id=channel.id,
            language=channel.language,
            instance_url=channel.instance_url,
            options=channel.options,
        )

    def sync(self) -> None:
        """Make everything the adapters accepted durable (before it is recorded as published)."""
        for adapter in list(self._adapters.values()):
            adapter.sync()
