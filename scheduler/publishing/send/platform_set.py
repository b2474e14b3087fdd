"""The adapters one worker talks to, created once each and shared by its lanes."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from config import Settings
from scheduler.channels.credentials import CredentialsUnreadable, cipher_for, store_refreshed
from scheduler.core.clock import Clock
from scheduler.core.database import Database
from scheduler.platforms import (
    Account,
    Credentials,
    PermanentError,
    Platform,
    available_platforms,
    get_platform,
)
from scheduler.publishing.rows import ChannelFacts

log = logging.getLogger(__name__)


@dataclass
class _Opened:
    """A channel's credentials as last decrypted or refreshed, and what they were stored as."""

    sealed: str
    credentials: Credentials = field(repr=False)
    #: What this worker stored before: a pass that read the row earlier still carries it.
    superseded: set[str] = field(default_factory=set, repr=False)
    #: Refreshed credentials the database would not take yet (tried again on next use).
    unsaved: bool = False


class PlatformSet:
    """Hand out one adapter instance per platform name, created on first use."""

    def __init__(self, settings: Settings, clock: Clock, database: Database | None = None) -> None:
        self.settings = settings
        self.clock = clock
        #: Where refreshed credentials are stored; None (dry runs) keeps them in memory only.
        self.database = database
        self._lock = threading.Lock()
        self._adapters: dict[str, Platform] = {}
        self._installed: frozenset[str] | None = None
        self._opened: dict[int, _Opened] = {}
        self._opened_lock = threading.Lock()

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
                    adapter = get_platform(
                        name, self.settings, self.clock, self.credentials_changed
                    )
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

    def needs_connection(self, name: str) -> bool:
        """Return whether the platform's channels must be connected before they publish."""
        return self.get(name).needs_connection

    def account_for(self, channel: ChannelFacts) -> Account:
        """Return the channel's account as its adapter needs it, credentials decrypted.

        Decrypted once per stored value and kept: a pass reads the row's encrypted text, and
        only a new one (connected again, refreshed elsewhere) is decrypted again.
        """
        return Account(
            handle=channel.handle,
            channel_id=channel.id,
            language=channel.language,
            instance_url=channel.instance_url,
            credentials=self._credentials(channel) if channel.credentials is not None else {},
            options=channel.options,
        )

    def _credentials(self, channel: ChannelFacts) -> Credentials:
        sealed = channel.credentials
        assert sealed is not None
        with self._opened_lock:
            opened = self._opened.get(channel.id)
            if opened is not None and (sealed == opened.sealed or sealed in opened.superseded):
                if opened.unsaved:
                    self._store(channel.id, opened)
                return opened.credentials
        try:
            credentials = cipher_for(self.settings).open(sealed)
        except CredentialsUnreadable as error:
            raise PermanentError(f"@{channel.handle}: {error}") from None
        with self._opened_lock:
            self._opened[channel.id] = _Opened(sealed, credentials)
        return credentials

    def credentials_changed(self, account: Account, credentials: Credentials) -> None:
        """Keep credentials an adapter refreshed, and store them at once in a transaction of
        their own: a rotated refresh token lost would disconnect the channel."""
        if account.channel_id is None:
            return
        sealed = cipher_for(self.settings).seal(credentials)
        with self._opened_lock:
            before = self._opened.get(account.channel_id)
            superseded = set(before.superseded) | {before.sealed} if before else set()
            opened = _Opened(sealed, dict(credentials), superseded, unsaved=True)
            self._opened[account.channel_id] = opened
            self._store(account.channel_id, opened)

    def _store(self, channel_id: int, opened: _Opened) -> None:
        if self.database is None:
            return
        try:
            with self.database.unit_of_work() as session:
                store_refreshed(session, channel_id, opened.sealed)
        except SQLAlchemyError:
            # Kept in memory, so this worker goes on using them, and stored on the next use.
            log.error(
                "could not store the refreshed credentials of channel %s; trying again at "
                "its next use",
                channel_id,
                exc_info=True,
            )
            return
        opened.unsaved = False

    def sync(self) -> None:
        """Make everything the adapters accepted durable (before it is recorded as published)."""
        for adapter in list(self._adapters.values()):
            adapter.sync()
