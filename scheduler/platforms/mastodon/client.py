"""Mastodon's client API over HTTP: one httpx client, rate-limit headers kept, failures named.

httpx rather than Mastodon.py: Gatepost must set the Idempotency-Key header on every create,
read the X-RateLimit-* headers of every answer (Mastodon.py sleeps or raises on its own terms),
and tell a request that never left (safe to send again) from one whose answer was lost (the
status may exist), which Mastodon.py folds into one MastodonNetworkError.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from scheduler.core.clock import Clock
from scheduler.platforms.base import OutcomeUnknown, TransientError
from scheduler.platforms.http_failures import NOT_SENT, describe

#: Seconds to wait: to connect, for an answer (image uploads included), for a pool slot.
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=10.0)
#: Retry-after when a 429 names no time.
DEFAULT_RETRY_AFTER = 60.0
#: Mastodon's rate-limit buckets (config/initializers/rack_attack.rb): most calls share one;
#: media uploads and deletes have their own.
BUCKET_DEFAULT = "default"
BUCKET_MEDIA = "media"
BUCKET_DELETE = "delete"
# The request cannot have reached the server: sending it again is safe.


@dataclass(frozen=True)
class Answer:
    """One of Mastodon's answers: its status, parsed JSON (None if not JSON) and headers."""

    status: int
    body: Any
    headers: httpx.Headers

    @property
    def error(self) -> str:
        """Return Mastodon's own words for a refusal ({"error": ...}, or OAuth's description)."""
        body = self.body if isinstance(self.body, dict) else {}
        for key in ("error_description", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
        return f"HTTP {self.status}"

    @property
    def fields(self) -> dict[str, Any]:
        """Return the body when it is a JSON object, else {}."""
        return self.body if isinstance(self.body, dict) else {}


class Unreachable(TransientError):
    """No Mastodon server answered at all: nothing was sent."""


class MastodonHttp:
    """Make calls to Mastodon instances; safe to share between threads (httpx.Client is)."""

    def __init__(self, clock: Clock, timeout: httpx.Timeout = TIMEOUT) -> None:
        self.clock = clock
        self.http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": "Gatepost (self-hosted publishing queue)"},
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
        self._lock = threading.Lock()
        # (instance, token digest, bucket) -> (calls remaining, reset as an aware datetime).
        self._windows: dict[tuple[str, str, str], tuple[int, datetime]] = {}

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def call(
        self,
        method: str,
        base_url: str,
        path: str,
        *,
        token: str | None = None,
        bucket: str = BUCKET_DEFAULT,
        sends_post: bool = False,
        timeout: httpx.Timeout | None = None,
        **request: Any,
    ) -> Answer:
        """Make one call; `sends_post` marks a create whose lost answer leaves its fate unknown.

        Raise TransientError when the call surely did nothing (not sent, 429, 5xx, or the
        account's window is used up) and OutcomeUnknown when a sent create got no answer.
        """
        caller = (base_url, _digest(token), bucket)
        self._refuse_if_used_up(caller)
        headers: dict[str, str] = dict(request.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = f"{base_url}{path}"
        if timeout is not None:
            request["timeout"] = timeout
        try:
            response = self.http.request(method, url, headers=headers, **request)
        except NOT_SENT as error:
            raise Unreachable(f"{base_url} {describe(error)}") from None
        except httpx.HTTPError as error:
            if sends_post:
                raise OutcomeUnknown(
                    f"{base_url} {describe(error)} after the post was sent"
                ) from None
            raise TransientError(f"{base_url} {describe(error)}") from None
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        answer = Answer(response.status_code, body, response.headers)
        self._note_window(caller, answer)
        if answer.status == 429:
            wait = self.retry_after(answer.headers)
            raise TransientError(
                f"Mastodon's rate limit ({answer.error}); retry in {wait:.0f} s", retry_after=wait
            )
        if answer.status >= 500:
            # Nothing was done; a create sent again carries the same Idempotency-Key anyway.
            raise TransientError(f"Mastodon failed: {answer.status} {answer.error}")
        return answer

    def retry_after(self, headers: Mapping[str, str]) -> float:
        """Return seconds to wait: until X-RateLimit-Reset (ISO 8601), else Retry-After."""
        reset = _instant(headers.get("x-ratelimit-reset"))
        if reset is not None:
            return max((reset - self.clock.now()).total_seconds(), 1.0)
        retry_after = (headers.get("retry-after") or "").strip()
        if retry_after.isdigit():
            return max(float(retry_after), 1.0)
        if retry_after:
            try:
                when = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError):
                when = None
            if when is not None and when.tzinfo is not None:
                return max((when - self.clock.now()).total_seconds(), 1.0)
        return DEFAULT_RETRY_AFTER

    def _refuse_if_used_up(self, caller: tuple[str, str, str]) -> None:
        with self._lock:
            window = self._windows.get(caller)
        if window is None or window[0] > 0:
            return
        wait = (window[1] - self.clock.now()).total_seconds()
        if wait > 0:
            raise TransientError(
                f"Mastodon's rate limit for this account is used up until "
                f"{window[1]:%H:%M:%S} UTC; not calling before then",
                retry_after=wait,
            )

    def _note_window(self, caller: tuple[str, str, str], answer: Answer) -> None:
        remaining = answer.headers.get("x-ratelimit-remaining")
        reset = _instant(answer.headers.get("x-ratelimit-reset"))
        if remaining is None or reset is None:
            return
        try:
            left = 0 if answer.status == 429 else int(remaining)
        except ValueError:
            return
        with self._lock:
            self._windows[caller] = (left, reset)


def _digest(token: str | None) -> str:
    """Return a short digest of a token: the windows are per account, keyed without the secret."""
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
