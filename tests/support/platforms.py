"""A small platform adapter for tests: X's text rules, and nothing published."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from scheduler.platforms import (
    PermanentError,
    Platform,
    Published,
    PublishRequest,
    TextCheck,
    registry,
    x_text,
)


class ExamplePlatform(Platform):
    """Measures texts as X does; clearance tests never publish."""

    name = "mock"

    def validate(self, text: str) -> TextCheck:
        """Measure by the twitter-text v3 rules."""
        return x_text.measure(text)

    def publish(self, request: PublishRequest) -> Published:
        """Refuse: clearance tests must not publish."""
        raise PermanentError("the clearance test platform does not publish")

    def lookup(
        self, channel: str, idempotency_key: str, options: Mapping[str, Any] | None = None
    ) -> Published | None:
        """Find nothing."""
        return None

    def delete(
        self, channel: str, external_id: str, options: Mapping[str, Any] | None = None
    ) -> None:
        """Do nothing."""


@pytest.fixture
def example_platform(monkeypatch: pytest.MonkeyPatch) -> type[Platform]:
    """Make the registry hand out ExamplePlatform for "mock" (other names load as usual)."""
    original: Callable[[str], type[Platform]] = registry.platform_class

    def platform_class(name: str) -> type[Platform]:
        return ExamplePlatform if name == "mock" else original(name)

    monkeypatch.setattr(registry, "platform_class", platform_class)
    return ExamplePlatform
