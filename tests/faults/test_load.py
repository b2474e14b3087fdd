"""People on the web UI and API of `gatepost serve`, writing posts, while its worker drains."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.load import LOAD_CONFIG, WRITING_CHANNEL, report, run
from tests.faults.site import FaultSite

pytestmark = pytest.mark.slow


def test_people_editing_the_same_posts_get_no_5xx_and_lose_no_update_while_the_worker_drains(
    backend: str, make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    # A short run (`make load` is the full minute with 50 people).
    site = FaultSite.create(make_database_url(backend), tmp_path, LOAD_CONFIG)
    try:
        results = run(site, users=8, seconds=6, posts=300)
        print(report(results))
        assert results.failures == []  # no 5xx, every post write 200/201/409, nothing lost
        assert sum(results.statuses.values()) > 100
        assert results.created, "no token write went through"
        edits = results.edits
        assert edits.successes("edit") > 0
        assert edits.successes("approve") > 0
        assert edits.refused["edit"] > 0, "no edit was stale, so the 409 path went untested"
        assert edits.contested() > 0, "no post was edited by two people"
        site.assert_exactly_once(300, besides=WRITING_CHANNEL)
    finally:
        site.database.dispose()
