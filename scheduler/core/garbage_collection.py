"""Tune Python's cycle collector for a long-running Gatepost process (worker or server).

A release-day burst allocates hundreds of thousands of short-lived objects. With Python's
defaults the collector ran a full collection every few batches, walking every object loaded at
start-up (SQLAlchemy's metadata and compiled statements, Flask, the adapters): 15% of a burst's
time, measured with the worker's burst benchmark. Objects that live as long as the process are
moved out of its way once they are loaded, and young objects are looked at less often.
"""

from __future__ import annotations

import gc

#: Allocations between collections of the youngest generation (Python's default is 700).
YOUNG_COLLECTION_EVERY = 10_000


def settle_long_running_process() -> None:
    """Move everything loaded so far out of the collector's way; collect the young less often."""
    # Collect first, so what is frozen is what start-up keeps, not its garbage.
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)
