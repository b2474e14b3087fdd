"""Run units on a bounded thread pool: lanes in parallel, each lane's units strictly in order."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from datetime import datetime

from scheduler.publishing.outcomes import Outcome, OutcomeKind
from scheduler.publishing.plan import Unit

log = logging.getLogger(__name__)


class LaneSet:
    """One queue per lane (a channel and its twin); at most one pool thread drains each queue."""

    def __init__(
        self,
        pool: Executor,
        run_unit: Callable[[Unit], list[Outcome]],
        now: Callable[[], datetime],
    ) -> None:
        self._pool = pool
        self._run_unit = run_unit
        self._now = now
        self._lock = threading.Lock()
        self._queues: dict[int, deque[Unit]] = {}
        self._results: queue.SimpleQueue[list[Outcome]] = queue.SimpleQueue()

    def submit(self, units: Iterable[Unit]) -> None:
        """Queue units behind whatever their lanes already hold, starting idle lanes."""
        starting = []
        with self._lock:
            for unit in units:
                lane = self._queues.get(unit.lane)
                if lane is None:
                    lane = self._queues[unit.lane] = deque()
                    starting.append(unit.lane)
                lane.append(unit)
        for lane_key in starting:
            self._pool.submit(self._drain, lane_key)

    def _drain(self, lane_key: int) -> None:
        while True:
            with self._lock:
                lane = self._queues[lane_key]
                if not lane:
                    del self._queues[lane_key]
                    return
                unit = lane.popleft()
            try:
                outcomes = self._run_unit(unit)
            except BaseException as error:
                # Nothing may be lost: whatever happened to these posts, a person must look.
                log.exception(
                    "lane %s failed on posts %s", lane_key, [j.post.id for j in unit.jobs]
                )
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
