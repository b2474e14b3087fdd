"""Pytest fixtures running each platform emulator for one test (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.emulators.bluesky import BlueskyEmulator
from tests.support.emulators.mastodon import MastodonEmulator
from tests.support.emulators.x import XEmulator


@pytest.fixture
def mastodon_emulator() -> Iterator[MastodonEmulator]:
    """Yield a running Mastodon instance on a free local port."""
    with MastodonEmulator() as emulator:
        yield emulator


@pytest.fixture
def bluesky_emulator() -> Iterator[BlueskyEmulator]:
    """Yield a running Bluesky PDS on a free local port."""
    with BlueskyEmulator() as emulator:
        yield emulator


@pytest.fixture
def x_emulator() -> Iterator[XEmulator]:
    """Yield a running X API on a free local port."""
    with XEmulator() as emulator:
        yield emulator
