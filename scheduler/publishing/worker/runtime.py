"""What one worker keeps between passes: its adapters, lane threads, pacing and caches."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from config import Settings
from scheduler.core.clock import Clock, SystemClock
from scheduler.core.database import Database
from scheduler.publishing.rows import ChannelFacts
from scheduler.publishing.rules.window import PublishingWindow, QuietSpan, configured_quiet_periods
from scheduler.publishing.send.in_flight import InFlight
from scheduler.publishing.send.pacing import Pacer
from scheduler.publishing.send.platform_set import PlatformSet
from scheduler.publishing.send.publisher import Publisher
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.outage import DatabaseOutage


class RuntimeClock:
    """A runtime's clock as the parts it made see it: every reading asks the runtime."""

    __slots__ = ("_runtime",)

    def __init__(self, runtime: WorkerRuntime) -> None:
        self._runtime = runtime

    def now(self) -> datetime:
        """Return the instant the runtime's clock says."""
        return self._runtime.clock.now()


class WorkerRuntime:
    """The long-lived parts of a worker, shared by its passes and its lease reaper."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Clock | None = None,
        identity: WorkerIdentity | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        #: The one clock of this worker's rules, claims and records; set it to move them all.
        self.clock: Clock = clock or SystemClock()
        #: The clock the parts made once here read (adapters, publisher, lanes): each reading
        #: asks the runtime, so they never keep a clock of their own.
        self.shared_clock: Clock = RuntimeClock(self)
        #: The machine's clock, for heartbeats: they say this process is alive, whatever instant
        #: the rules run at (a rehearsal's fixed clock included).
        self.wall_clock: Clock = SystemClock()
        self.identity = identity or WorkerIdentity.current()
        self.platforms = PlatformSet(settings, self.shared_clock, database)
        self.pacer = Pacer()
        self.publisher = Publisher(settings, self.shared_clock, self.platforms, self.pacer, rng)
        self.window = PublishingWindow(settings)
        self.configured_quiet = configured_quiet_periods(settings)
        self.channel_cache: dict[int, ChannelFacts] = {}
        self.in_flight = InFlight()
        self.outage = DatabaseOutage()
        self._pool: ThreadPoolExecutor | None = None
        self._last_window: PublishingWindow | None = None

    @property
    def owner(self) -> str:
        """Return the lease owner name of this worker process."""
        return self.identity.lease_owner

    @property
    def pool(self) -> ThreadPoolExecutor:
        """Return the bounded pool lanes run on (settings.worker.max_concurrency threads)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.settings.worker.max_concurrency,
                thread_name_prefix="gatepost-lane",
            )
        return self._pool

    def window_with(self, quiet: tuple[QuietSpan, ...]) -> PublishingWindow:
        """Return the publishing window with the configured and the admins' quiet periods."""
        spans = self.configured_quiet + quiet
        last = self._last_window
        if last is None or last.quiet_periods != spans:
            # A new window forgets the answers the last one remembered.
            last = self._last_window = self.window.with_quiet_periods(spans)
        return last

    def close(self) -> None:
        """Wait for lanes to finish and release the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> WorkerRuntime:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()
