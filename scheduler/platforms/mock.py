"""The built-in `mock` platform: a simulated X-like service writing to a JSON-lines ledger.

It accepts posts as X would (twitter-text v3 length), keeps them in the ledger at
`settings.mock_ledger_path`, finds them by idempotency key, deletes them with a tombstone, and can
be told to misbehave: set faults for every channel in the `[mock]` settings table, or per channel
in `Channel.platform_options` (which win). See `mock_faults.FAULT_KEYS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, ClassVar, NoReturn

from config import Settings, SettingsError
from scheduler.core.clock import Clock
from scheduler.core.errors import ValidationFailed
from scheduler.platforms.base import (
    Account,
    CredentialsChanged,
    OutcomeUnknown,
    PermanentError,
    Platform,
    Published,
    PublishRequest,
    TextCheck,
    TransientError,
)
from scheduler.platforms.mock_faults import FaultConfigError, MockFaults, ordinal, parse_faults
from scheduler.platforms.mock_ledger import MockLedger, RateLimited, UnknownPost
from scheduler.platforms.x_text import measure, surely_valid


class MockPlatform(Platform):
    """A simulated platform for demos, rehearsals and tests, with injectable faults."""

    name: ClassVar[str] = "mock"
    supports_lookup: ClassVar[bool] = True

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        credentials_changed: CredentialsChanged | None = None,
    ) -> None:
        super().__init__(settings, clock, credentials_changed)
        try:
            self.faults = parse_faults(settings.mock_faults, "mock.")
        except FaultConfigError as error:
            raise SettingsError(str(error)) from None
        self.ledger = MockLedger(settings.mock_ledger_path)
        self._calls: dict[str, int] = {}
        self._calls_lock = threading.Lock()
        self._merged: dict[tuple[tuple[str, Any], ...], MockFaults] = {}

    def faults_for(self, options: Mapping[str, Any] | None) -> MockFaults:
        """Return the faults for a channel: the settings, overridden by its options."""
        if not options:
            return self.faults
        key = tuple(sorted(options.items()))
        merged = self._merged.get(key)
        if merged is None:
            try:
                merged = self.faults.merged(options, "platform_options.")
            except FaultConfigError as error:
                raise PermanentError(
                    f"The channel's mock platform options are wrong: {error}"
                ) from None
            self._merged[key] = merged
        return merged

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Refuse channel options that are not mock faults, or have bad values."""
        try:
            self.faults.merged(options, "")
        except FaultConfigError as error:
            raise ValidationFailed(str(error), field="platform_options") from None

    def rate_limit_for(self, options: Mapping[str, Any]) -> int | None:
        """Return the channel's posts-a-minute allowance (the `rate_limit_per_minute` fault)."""
        return self.faults_for(options).rate_limit_per_minute

    def answers_at_once(self, options: Mapping[str, Any]) -> bool:
        """Return True unless latency is injected: the mock writes to a local file."""
        try:
            return not self.faults_for(options).latency_ms
        except PermanentError:
            return True

    def validate(self, text: str, account: Account | None = None) -> TextCheck:
        """Measure the text as X does."""
        return measure(text)

    def calls(self, channel: str) -> int:
        """Return how many publish calls this instance has had for the channel."""
        with self._calls_lock:
            return self._calls.get(channel, 0)

    def _count_call(self, channel: str) -> int:
        with self._calls_lock:
            number = self._calls.get(channel, 0) + 1
            self._calls[channel] = number
            return number

    def _fail(self, faults: MockFaults, request: PublishRequest, why: str) -> NoReturn:
        if faults.fail_kind == "permanent":
            raise PermanentError(f"Mock platform refused the post: {why}")
        if faults.fail_kind == "unknown":
            self._append(request, faults)
            raise OutcomeUnknown(
                f"Mock platform accepted the post, then the connection dropped: {why}"
            )
        raise TransientError(f"Mock platform is temporarily failing: {why}")

    def _append(self, request: PublishRequest, faults: MockFaults) -> Published:
        try:
            entry = self.ledger.publish(
                idempotency_key=request.idempotency_key,
                channel=request.channel,
                text=request.text,
                reply_to=request.reply_to,
                now=self.clock.now(),
                rate_limit_per_minute=faults.rate_limit_per_minute,
                media=[
                    {"path": item.path.name, "alt_text": item.alt_text} for item in request.media
                ]
                if request.media
                else None,
            )
        except RateLimited as limited:
            raise TransientError(
                f"Mock platform rate limit: {faults.rate_limit_per_minute} posts a minute on "
                f"{request.channel}; retry in {limited.retry_after:.0f} s",
                retry_after=limited.retry_after,
            ) from None
        except UnknownPost as missing:
            raise PermanentError(str(missing)) from None
        return Published(external_id=entry.external_id, published_at=entry.published_at)

    def publish(self, request: PublishRequest) -> Published:
        """Publish one post into the ledger, at most once per idempotency key."""
        faults = self.faults_for(request.options)
        number = self._count_call(request.channel)
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if faults.fail_every_nth and number % faults.fail_every_nth == 0:
            every = ordinal(faults.fail_every_nth)
            self._fail(faults, request, f"call {number} on {request.channel} (every {every} fails)")
        if faults.matches(request.text):
            self._fail(faults, request, f"the text matches {faults.fail_matching!r}")
        if not surely_valid(request.text):
            check = measure(request.text)
            if not check.valid:
                raise PermanentError(f"Mock platform refused the post: {check.problems[0]}")
        return self._append(request, faults)

    def lookup(self, request: PublishRequest) -> Published | None:
        """Return the post published under the request's key on its channel, or None."""
        entry = self.ledger.find(request.idempotency_key)
        if entry is None or entry.channel != request.channel:
            return None
        return Published(external_id=entry.external_id, published_at=entry.published_at)

    def delete(self, account: Account, external_id: str) -> None:
        """Remove a published post (a tombstone line in the ledger)."""
        try:
            self.ledger.delete(account.handle, external_id, self.clock.now())
        except UnknownPost as missing:
            raise PermanentError(str(missing)) from None

    def sync(self) -> None:
        """Flush the ledger to disk."""
        self.ledger.sync()
