"""Logging for the long-running commands (serve, worker)."""

from __future__ import annotations

import logging


def configure_logging() -> None:
    """Log INFO and up with times, but only APScheduler's warnings (it logs every pass)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Two lines a pass, several passes a second: it buried the worker's own messages, and a
    # worker whose output nobody drained blocked in logging once the pipe filled.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
