"""The interface every platform adapter implements, and the errors it may raise."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from config import Settings
from scheduler.clock import Clock, SystemClock


@dataclass(frozen=True)
class TextCheck:
    """How a text measures against a platform's rules."""

    length: int
    limit: int
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """Return whether the platform would accept the text."""
        return not self.problems


@dataclass(frozen=True)
class MediaItem:
    """An image to attach, already checked and stored under the instance folder."""

    path: Path
    content_type: str
    alt_text: str


@dataclass(frozen=True)
class PublishRequest:
    """Everything an adapter needs to publish one post."""

    channel: str
    text: str
    idempotency_key: str
    reply_to: str | None = None
    media: tuple[MediaItem, ...] = ()
    #: The channel's adapter-specific options (e.g. the mock platform's injected faults).
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Published:
    """What the platform says it published."""

    external_id: str
    published_at: datetime


class PlatformError(Exception):
    """The platform refused or failed; the message is the platform's own, kept for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientError(PlatformError):
    """Try again later (timeouts, 5xx, rate limits)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(PlatformError):
    """Retrying will not help (text refused, account suspended)."""


class OutcomeUnknown(PlatformError):
    """The request may or may not have been published (the connection dropped after sending)."""


class LookupUnsupported(PlatformError):
    """The platform cannot find a post by idempotency key."""


class Platform(ABC):
    """One social media platform: validate, publish, look up and delete posts."""

    #: The key adapters are registered under (the entry point's name).
    name: ClassVar[str]
    #: The most posts per channel per minute the platform accepts, or None for no limit.
    rate_limit_per_minute: ClassVar[int | None] = None
    #: Whether lookup() works; without it an interrupted publish needs a person to check.
    supports_lookup: ClassVar[bool] = True

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()

    def rate_limit_for(self, options: Mapping[str, Any]) -> int | None:
        """Return the most posts a minute one channel with these options may publish."""
        return self.rate_limit_per_minute

    def answers_at_once(self, options: Mapping[str, Any]) -> bool:
        """Return whether a publish call returns without waiting on a network or a timer.

        The worker calls such an adapter from its own thread: parallel threads would only take
        turns on Python's interpreter lock. Remote platforms keep the default, False.
        """
        return False

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Refuse channel options this adapter does not understand (ValidationFailed)."""
        return None

    def sync(self) -> None:
        """Make every publish accepted so far durable before Gatepost records it as published.

        Remote platforms have nothing to do: their answer means they have the post. A platform
        that keeps posts locally (the mock's ledger) flushes them to disk here.
        """
        return None

    @abstractmethod
    def validate(self, text: str) -> TextCheck:
        """Measure the text by the platform's own rules."""

    @abstractmethod
    def publish(self, request: PublishRequest) -> Published:
        """Publish one post, at most once per idempotency key."""

    @abstractmethod
    def lookup(
        self, channel: str, idempotency_key: str, options: Mapping[str, Any] | None = None
    ) -> Published | None:
        """Return the post published under this key, None if there is none."""

    @abstractmethod
    def delete(
        self, channel: str, external_id: str, options: Mapping[str, Any] | None = None
    ) -> None:
        """Remove a published post from the platform."""
