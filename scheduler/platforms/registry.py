"""Find platform adapters through the `gatepost.platforms` entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points

from config import Settings
from scheduler.core.clock import Clock
from scheduler.core.errors import ValidationFailed
from scheduler.platforms.base import CredentialsChanged, Platform

ENTRY_POINT_GROUP = "gatepost.platforms"


def available_platforms() -> list[str]:
    """Return the names of every installed adapter."""
    return sorted({point.name for point in entry_points(group=ENTRY_POINT_GROUP)})


def platform_class(name: str) -> type[Platform]:
    """Return the adapter class registered under the name."""
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == name:
            adapter: type[Platform] = point.load()
            return adapter
    raise ValidationFailed(
        f"Unknown platform {name!r}; installed platforms: {', '.join(available_platforms())}",
        field="platform",
    )


def get_platform(
    name: str,
    settings: Settings,
    clock: Clock | None = None,
    credentials_changed: CredentialsChanged | None = None,
) -> Platform:
    """Return an adapter instance for the named platform."""
    return platform_class(name)(settings, clock, credentials_changed)
