"""What platform adapter tests share: settings without a database, and the emulator's clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from config import Settings, load_settings
from tests.support.emulators.base import ManualClock


class EmulatorTime:
    """Gatepost's clock reading the emulator's, so expiry and windows move when the test says."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        """Return the emulator's current instant."""
        return self._clock.datetime()


def adapter_settings(tmp_path: Path) -> Settings:
    """Return settings for adapter tests (no database is needed)."""
    return load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "instance"),
            "secret_key": "test-secret-key-that-is-long-enough",
        },
    )
