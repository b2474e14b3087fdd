"""Faults the mock platform can inject, from the `[mock]` settings or a channel's options."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

FaultKind = Literal["transient", "permanent", "unknown"]
FAULT_KINDS: tuple[FaultKind, ...] = ("transient", "permanent", "unknown")
FAULT_KEYS = (
    "fail_every_nth",
    "fail_matching",
    "fail_kind",
    "latency_ms",
    "rate_limit_per_minute",
)


def ordinal(number: int) -> str:
    """Return the number as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    if 11 <= number % 100 <= 13:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


class FaultConfigError(ValueError):
    """A fault setting is wrong; the message names the key and says what to write instead."""


@dataclass(frozen=True)
class MockFaults:
    """What the mock does wrong, and how slowly."""

    fail_every_nth: int | None = None
    fail_matching: str | None = None
    fail_kind: FaultKind = "transient"
    latency_ms: float = 0.0
    rate_limit_per_minute: int | None = None

    def matches(self, text: str) -> bool:
        """Return whether the text triggers `fail_matching` (as a substring or a regex)."""
        if not self.fail_matching:
            return False
        if self.fail_matching in text:
            return True
        try:
            return re.search(self.fail_matching, text) is not None
        except re.error:
            return False

    def merged(self, options: Mapping[str, Any], where: str) -> MockFaults:
        """Return these faults overridden by a channel's options."""
        if not options:
            return self
        return replace(self, **_checked(options, where))


def _whole(minimum: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise FaultConfigError(
                f"{key}: must be a whole number of at least {minimum}, got {value!r}"
            )
        return value

    return check


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultConfigError(f"{key}: must be a number of milliseconds, 0 or more, got {value!r}")
    return float(value)


def _pattern(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise FaultConfigError(
            f"{key}: must be a non-empty text or regular expression, got {value!r}"
        )
    return value


def _kind(key: str, value: Any) -> FaultKind:
    if value not in FAULT_KINDS:
        raise FaultConfigError(f"{key}: must be one of {', '.join(FAULT_KINDS)}, got {value!r}")
    kind: FaultKind = value
    return kind


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "fail_every_nth": _whole(1),
    "fail_matching": _pattern,
    "fail_kind": _kind,
    "latency_ms": _number,
    "rate_limit_per_minute": _whole(1),
}


def _checked(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(raw) - set(FAULT_KEYS))
    if unknown:
        raise FaultConfigError(
            f"{', '.join(f'{where}{key}' for key in unknown)}: unknown mock fault; "
            f"known ones are {', '.join(FAULT_KEYS)}"
        )
    values: dict[str, Any] = {}
    for key, value in raw.items():
        values[key] = None if value is None else _CHECKS[key](f"{where}{key}", value)
    return values


def parse_faults(raw: Mapping[str, Any], where: str = "mock.") -> MockFaults:
    """Check a fault table and return it as MockFaults (FaultConfigError names a bad key)."""
    return MockFaults(**_checked(raw, where))
