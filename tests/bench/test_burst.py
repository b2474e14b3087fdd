"""Burst runs: a run retried because a worker started late still has the figures of the others."""

from __future__ import annotations

from typing import Any

import pytest

from bench import burst
from bench.results import median_of


def test_runs_retried_and_runs_not_retried_have_the_same_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The second run's worker is ready only after the instant, so that run is done again.
    readiness = iter([1.5, -0.2, 1.4, 1.6])

    def once(**_: Any) -> dict[str, Any]:
        return {"drain_s": 1.0, "ready_before_instant_s": next(readiness)}

    monkeypatch.setattr(burst, "_drain_once", once)
    runs = [burst.drain(), burst.drain(), burst.drain()]

    assert [run["attempts"] for run in runs] == [1, 2, 1]
    assert median_of(runs)["attempts"] == 1
    assert median_of(runs[1:])["drain_s"] == 1.0
