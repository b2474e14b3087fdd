"""Keep each channel under the posts-a-minute limit its adapter declares."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class Pacer:
    """Per-channel spacing: a post goes now, or is given the next free slot, and keeps it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: channel id -> the instant after the last slot handed out
        self._next_free: dict[int, datetime] = {}
        #: (channel id, post id) -> the slot a post was told to wait for
        self._given: dict[tuple[int, int], datetime] = {}

    def reserve(
        self, channel_id: int, limit: int | None, now: datetime, post_id: int
    ) -> datetime | None:
        """Return None to send the post now, or the slot it should wait for.

        A post asking again keeps the slot it was given, so a deferred post that comes back
        early (its unit retried, or a pass before its slot) never pushes itself, or the posts
        queued behind it, further back.
        """
        if not limit:
            return None
        interval = timedelta(minutes=1) / limit
        key = (channel_id, post_id)
        with self._lock:
            given = self._given.get(key)
            if given is not None:
                if given > now:
                    return given
                del self._given[key]  # its slot has come: it was counted when it was given
                return None
            free = self._next_free.get(channel_id)
            if free is None or free <= now:
                self._next_free[channel_id] = now + interval
                self._forget_lapsed(channel_id, now)
                return None
            self._next_free[channel_id] = free + interval
            self._given[key] = free
            return free

    def _forget_lapsed(self, channel_id: int, now: datetime) -> None:
        # Slots of posts that never came back (withdrawn, removed) must not pile up.
        lapsed = [
            key
            for key, slot in self._given.items()
            if key[0] == channel_id and slot <= now - timedelta(minutes=1)
        ]
        for key in lapsed:
            del self._given[key]
