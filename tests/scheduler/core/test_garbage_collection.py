"""A long-running process keeps its start-up objects out of the cycle collector's way."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from scheduler.core.garbage_collection import YOUNG_COLLECTION_EVERY, settle_long_running_process


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("collector_restored")
def test_start_up_objects_are_frozen_and_young_ones_collected_less_often() -> None:
    loaded_at_start_up = [[n] for n in range(1_000)]
    before = gc.get_freeze_count()

    settle_long_running_process()

    # Full collections no longer walk what start-up loaded.
    assert gc.get_freeze_count() >= before + len(loaded_at_start_up)
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY
    # Cyclic garbage made afterwards is still collected.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
