"""Run units on a bounded pool: lanes in parallel, each lane's units strictly in order.

A lane is a channel (with its twin). The pass starts one runner per pool thread; a runner takes
a lane that has work and nobody working on it, sends its units one after another until the lane
is empty, then takes another. One queue operation per lane, no future per post.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from datetime import datetime

from scheduler.publishing.outcomes import Outcome, OutcomeKind
from scheduler.publishing.plan import Unit

log = logging.getLogger(__name__)


class LaneSet:
    """One queue per lane; at most one runner drains a lane at a time."""

    def __init__(
        self,
        pool: Executor,
        run_unit: Callable[[Unit], list[Outcome]],
        now: Callable[[], datetime],
        *,
        runners: int,
    ) -> None:
        self._run_unit = run_unit
        self._now = now
        self._lock = threading.Lock()
        self._queues: dict[int, deque[Unit]] = {}
        self._ready: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[list[Outcome]] = queue.SimpleQueue()
        self._runners: list[Future[None]] = [pool.submit(self._run) for _ in range(runners)]

    def submit(self, units: Iterable[Unit]) -> None:
        """Queue units behind whatever their lanes already hold, waking idle lanes."""
        woken = []
        with self._lock:
            for unit in units:
                lane = self._queues.get(unit.lane)
                if lane is None:
                    lane = self._queues[unit.lane] = deque()
                    woken.append(unit.lane)
                lane.append(unit)
        for key in woken:
            self._ready.put(key)

    def _run(self) -> None:
        while True:
            key = self._ready.get()
            if key is None:
                return
            self._drain(key)

    def _drain(self, key: int) -> None:
        while True:
            with self._lock:
                lane = self._queues[key]
                if not lane:
                    del self._queues[key]
                    return
                unit = lane.popleft()
            try:
                outcomes = self._run_unit(unit)
            except BaseException as error:
                # Nothing may be lost: whatever happened to these posts, a person must look.
                posts = [job.post.id for job in unit.jobs]
                log.exception("lane %s failed on posts %s", key, posts)
                outcomes = [
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
            self._results.put(outcomes)

    def collect(self, *, wait: float | None) -> list[Outcome]:
        """Return the outcomes ready, first waiting up to `wait` seconds for one (None: no wait)."""
        outcomes: list[Outcome] = []
        try:
            if wait is None:
                outcomes.extend(self._results.get_nowait())
            else:
                outcomes.extend(self._results.get(timeout=wait))
            while True:
                outcomes.extend(self._results.get_nowait())
        except queue.Empty:
            return outcomes

    def close(self) -> None:
        """Stop the runners once the lanes are empty."""
        for _ in self._runners:
            self._ready.put(None)
        for runner in self._runners:
            runner.result()
