"""The posts this worker process is sending now: claimed or taken over, and not yet recorded.

Only these keep their leases alive (the heartbeat renews them) and only these are safe from this
worker's own lease reaper. A post claimed under this worker's name that it lost track of (the
claim's commit landed, then the connection died before the answer came back) is in no pass, so
its lease lapses and the reaper resolves it like any dead worker's post.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable


class InFlight:
    """A thread-safe set of post ids (passes and the reaper add; the heartbeat reads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()

    def add(self, ids: Iterable[int]) -> None:
        """Count these posts as being sent by this process."""
        with self._lock:
            self._ids.update(ids)

    def discard(self, ids: Iterable[int]) -> None:
        """Stop counting these posts (recorded, or given up by a pass that ended)."""
        with self._lock:
            self._ids.difference_update(ids)

    def ids(self) -> list[int]:
        """Return the posts being sent now, in id order."""
        with self._lock:
            return sorted(self._ids)
