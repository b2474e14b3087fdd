"""A worker SIGKILLed at random points of a burst, 20 times: never twice, none left behind."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.kill_loop import run
from tests.faults.site import FaultSite

pytestmark = pytest.mark.slow


def test_twenty_random_kills_in_a_burst_lose_and_duplicate_nothing(
    backend: str, make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    site = FaultSite.create(make_database_url(backend), tmp_path)
    try:
        run(site, kills=20, posts=1000, rng=random.Random(20), log=True)
    finally:
        site.database.dispose()
