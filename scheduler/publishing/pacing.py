"""Keep each channel under the posts-a-minute limit its adapter declares."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class Pacer:
    """Per-channel spacing: a post goes now, or is given the next free slot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_free: dict[int, datetime] = {}
        self._waiting: dict[int, int] = {}

    def reserve(self, channel_id: int, limit: int | None, now: datetime) -> datetime | None:
        """Return None to send now, or the slot this post should wait for."""
        if not limit:
            return None
        interval = timedelta(minutes=1) / limit
        with self._lock:
            free = self._next_free.get(channel_id)
            if free is None or free <= now:
                self._next_free[channel_id] = now + interval
                self._waiting[channel_id] = 0
                return None
            # Posts already told to wait keep their slots; this one queues behind them.
            ahead = self._waiting.get(channel_id, 0)
            self._waiting[channel_id] = ahead + 1
            return free + ahead * interval
