"""The worker's adapters: made once at start, and known without looking for them again."""

from __future__ import annotations

import pytest

from config import Settings
from scheduler.core.clock import SystemClock
from scheduler.publishing.send import platform_set
from scheduler.publishing.send.platform_set import PlatformSet


def test_a_started_worker_knows_its_platforms_without_looking_for_them_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Looking for adapters reads every installed package's metadata: at start, not while the
    # first posts of a burst wait.
    platforms = PlatformSet(settings, SystemClock())
    platforms.check_settings()

    def look_again() -> list[str]:
        raise AssertionError("looked for adapters again after start-up")

    monkeypatch.setattr(platform_set, "available_platforms", look_again)

    assert platforms.known("mock")
    assert not platforms.known("no-such-platform")
