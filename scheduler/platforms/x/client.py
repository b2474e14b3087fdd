"""X API v2 over HTTP: one call at a time, its rate-limit headers kept, its failures named.

httpx rather than tweepy: tweepy's v2 client has no v2 media upload with alt text, and it turns
X's answers into exceptions that drop what exactly-once publishing reads (the 403 duplicate
problem body, the x-rate-limit-* headers of a 429, whether the request was sent at all).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from scheduler.platforms.base import OutcomeUnknown, TransientError
from scheduler.platforms.http_failures import NOT_SENT

#: X's answer to a text the account posted recently (not in X's documents; every client sees it).
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
#: How long a call may wait in place for a rate-limit window that is about to reset.
MOST_INLINE_WAIT = 2.0
#: Retry-after when a 429 names no reset time.
DEFAULT_RETRY_AFTER = 60.0
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass(frozen=True)
class Answer:
    """One of X's answers: its status and body (parsed JSON, or {} if it was not JSON)."""

    status: int
    body: dict[str, Any]
    headers: httpx.Headers

    @property
    def detail(self) -> str:
        """Return X's own words for a refusal (problem detail, OAuth error, or v1 errors)."""
        body = self.body
        for key in ("detail", "error_description", "title", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
        return f"HTTP {self.status}"

    @property
    def data(self) -> Any:
        """Return the body's `data` member."""
        return self.body.get("data")


class XHttp:
    """Send calls to X, waiting out (or reporting) exhausted rate-limit windows per caller."""

    def __init__(self, http: httpx.Client | None = None) -> None:
        self.http = http or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        self._lock = threading.Lock()
        # (caller, bucket) -> (calls remaining, reset as Unix seconds), from X's headers.
        self._windows: dict[tuple[str, str], tuple[int, float]] = {}

    def call(
        self,
        method: str,
        url: str,
        *,
        caller: str,
        bucket: str,
        sends_post: bool = False,
        **request: Any,
    ) -> Answer:
        """Make one call; `sends_post` marks the call whose loss leaves a post's fate unknown.

        Raise TransientError when the call surely did nothing (not sent, 429, or a 5xx on a
        call that publishes nothing) and OutcomeUnknown when a sent publish got no answer.
        """
        self._wait_for_window(caller, bucket)
        try:
            response = self.http.request(method, url, **request)
        except NOT_SENT as error:
            raise TransientError(f"X could not be reached ({type(error).__name__})") from None
        except httpx.HTTPError as error:
            if sends_post:
                raise OutcomeUnknown(
                    f"The connection to X failed after the post was sent ({type(error).__name__})"
                ) from None
            raise TransientError(f"X did not answer ({type(error).__name__})") from None
        answer = Answer(response.status_code, _json(response), response.headers)
        self._note_window(caller, bucket, answer)
        if answer.status == 429:
            raise TransientError(
                f"X's rate limit: {answer.detail}", retry_after=_retry_after(answer.headers)
            )
        if answer.status >= 500:
            if sends_post:
                raise OutcomeUnknown(f"X failed after the post was sent: {answer.detail}")
            raise TransientError(f"X is failing: {answer.detail}")
        return answer

    def _wait_for_window(self, caller: str, bucket: str) -> None:
        with self._lock:
            remaining, reset = self._windows.get((caller, bucket), (1, 0.0))
        if remaining > 0:
            return
        wait = reset - time.time()
        if wait <= 0:
            return
        if wait > MOST_INLINE_WAIT:
            raise TransientError(
                f"X's rate limit for {bucket} is used up until its window resets",
                retry_after=wait,
            )
        time.sleep(wait)

    def _note_window(self, caller: str, bucket: str, answer: Answer) -> None:
        remaining = answer.headers.get("x-rate-limit-remaining")
        reset = answer.headers.get("x-rate-limit-reset")
        if remaining is None or reset is None:
            return
        try:
            window = (int(remaining), float(reset))
        except ValueError:
            return
        if answer.status == 429:
            window = (0, window[1])
        with self._lock:
            self._windows[caller, bucket] = window


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(headers: httpx.Headers) -> float:
    """Return seconds until X's window resets (x-rate-limit-reset is Unix seconds)."""
    reset = headers.get("x-rate-limit-reset")
    if reset is not None:
        try:
            return max(float(reset) - time.time(), 1.0)
        except ValueError:
            pass
    retry_after = headers.get("retry-after")
    if retry_after is not None and retry_after.isdigit():
        return max(float(retry_after), 1.0)
    return DEFAULT_RETRY_AFTER
