"""Say once that the database went away and once that it is back, whichever job notices."""

from __future__ import annotations

import logging
import threading
import time

from scheduler.core.database import first_line, is_unavailable

log = logging.getLogger(__name__)


class DatabaseOutage:
    """What the worker's jobs know about the database being away, shared between them.

    Every pass, heartbeat and lease reap fails while the database is away; logging each one
    (with its traceback) buried everything else. The first failure is logged with its
    traceback, the rest are counted, and the first success after them says how long it lasted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failures = 0

    @property
    def ongoing(self) -> bool:
        """Return whether the database was away at the last try."""
        return self._since is not None

    def failed(self, doing: str, error: BaseException) -> bool:
        """Note a failure while `doing` something; return False if it is not the database's."""
        if not is_unavailable(error):
            return False
        with self._lock:
            self._failures += 1
            if self._since is not None:
                return True
            self._since = time.monotonic()
        log.error(
            "the database is unavailable (%s, while %s); the worker keeps trying and says so "
            "here once it is back",
            first_line(error),
            doing,
            exc_info=error,
        )
        return True

    def succeeded(self) -> None:
        """Note that the database answered; say so if it was away."""
        if self._since is None:
            return
        with self._lock:
            since, failures = self._since, self._failures
            self._since, self._failures = None, 0
        if since is not None:
            log.warning(
                "the database is back after %.1f s (%d tries failed meanwhile)",
                time.monotonic() - since,
                failures,
            )
