"""Run units on a bounded pool: lanes in parallel, each lane's units strictly in order.

A lane is a channel (with its twin). Runners on the pool each take a lane that has work and
nobody working on it, send its units one after another until it is empty, then take another.

The number of runners grows with need, up to `max_concurrency`: one to start with, and another
whenever a lane with work has waited for a runner longer than `GROW_AFTER`. A slow platform soon
has every runner waiting on it in parallel, while fast work does not pay for threads that would
only take turns on Python's interpreter lock. Work whose adapter answers at once (the mock,
writing to a local file) is not handed to a runner at all: the pass sends it itself, in order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from datetime import datetime

from scheduler.publishing.send.outcomes import Outcome, OutcomeKind
from scheduler.publishing.send.plan import Unit

log = logging.getLogger(__name__)

#: How long a lane with work may wait for a runner before another runner is started.
GROW_AFTER = 0.005


class LaneSet:
    """One queue per lane; at most one runner drains a lane at a time."""

    def __init__(
        self,
        pool: Executor,
        run_unit: Callable[[Unit], list[Outcome]],
        now: Callable[[], datetime],
        *,
        runners: int,
        at_once: Callable[[Unit], bool] = lambda _unit: False,
    ) -> None:
        self._pool = pool
        self._run_unit = run_unit
        self._at_once = at_once
        self._now = now
        self._most = max(runners, 1)
        self._changed = threading.Condition()
        self._queues: dict[int, deque[Unit]] = {}
        # Lanes with work and no runner, with when they started waiting.
        self._ready: deque[tuple[int, float]] = deque()
        self._closing = False
        self._results: queue.SimpleQueue[list[Outcome]] = queue.SimpleQueue()
        self._runners: list[Future[None]] = []
        self._start_runner()

    def _start_runner(self) -> None:
        self._runners.append(self._pool.submit(self._run))

    def submit(self, units: Iterable[Unit]) -> None:
        """Queue units behind whatever their lanes already hold, waking idle lanes.

        Units whose adapters answer at once, on lanes with nothing queued, are sent right here.
        """
        queued = []
        for unit in units:
            if unit.lane not in self._queues and self._at_once(unit):
                self._results.put(self._safely(unit, unit.lane))
            else:
                queued.append(unit)
        if not queued:
            return
        with self._changed:
            started = time.monotonic()
            for unit in queued:
                lane = self._queues.get(unit.lane)
                if lane is None:
                    lane = self._queues[unit.lane] = deque()
                    self._ready.append((unit.lane, started))
                lane.append(unit)
            self._changed.notify_all()
        self.grow_if_needed()

    def grow_if_needed(self) -> None:
        """Start one more runner if a lane has waited too long for one (up to the bound)."""
        with self._changed:
            if (
                self._ready
                and len(self._runners) < self._most
                and time.monotonic() - self._ready[0][1] > GROW_AFTER
            ):
                self._start_runner()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._ready and not self._closing:
                    self._changed.wait()
                if not self._ready:
                    return
                key, _waiting_since = self._ready.popleft()
            self._drain(key)

    def _drain(self, key: int) -> None:
        while True:
            with self._changed:
                lane = self._queues[key]
                if not lane:
                    del self._queues[key]
                    return
                unit = lane.popleft()
            self._results.put(self._safely(unit, key))

    def _safely(self, unit: Unit, key: int) -> list[Outcome]:
        try:
            return self._run_unit(unit)
        except BaseException as error:
            # Nothing may be lost: whatever happened to these posts, a person must look.
            log.exception("lane %s failed on posts %s", key, [job.post.id for job in unit.jobs])
            return [
                Outcome(
                    job,
                    OutcomeKind.UNKNOWN,
                    self._now(),
                    error=f"The worker failed while sending it: {error!r}",
                    reason="The worker failed while sending it; check the channel",
                    attempted=True,
                )
                for job in unit.jobs
            ]

    def withdraw(self) -> list[Unit]:
        """Take back every unit not yet started (the worker is stopping); return them."""
        with self._changed:
            units = [unit for lane in self._queues.values() for unit in lane]
            for lane in self._queues.values():
                lane.clear()
            return units

    def collect(self, *, wait: float | None) -> list[Outcome]:
        """Return the outcomes ready, first waiting up to `wait` seconds for one (None: no wait).

        While it waits it keeps starting runners for lanes that wait too long.
        """
        outcomes: list[Outcome] = []
        self.grow_if_needed()
        if wait is not None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    outcomes.extend(self._results.get(timeout=GROW_AFTER))
                    break
                except queue.Empty:
                    self.grow_if_needed()
                    if time.monotonic() >= deadline:
                        break
        try:
            while True:
                outcomes.extend(self._results.get_nowait())
        except queue.Empty:
            return outcomes

    def close(self) -> None:
        """Stop the runners once the lanes are empty."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        for runner in self._runners:
            runner.result()
