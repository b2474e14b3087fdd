"""50 people on the web UI and API of `gatepost serve` for 15 s while its worker drains a burst."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.load import LOAD_CONFIG, report, run
from tests.faults.site import FaultSite

pytestmark = pytest.mark.slow


def test_fifty_people_get_no_5xx_and_lose_no_write_while_the_worker_drains(
    backend: str, make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("the single-machine default (serve with its worker) is SQLite")
    site = FaultSite.create(make_database_url(backend), tmp_path, LOAD_CONFIG)
    try:
        results = run(site, users=50, seconds=15, posts=1000)
        print(report(results))
        assert results.server_errors == []
        assert sum(results.statuses.values()) > 200
        assert results.created, "no write went through"
        site.assert_exactly_once(1000)
    finally:
        site.database.dispose()
